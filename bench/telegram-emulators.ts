/**
 * Child process of bench/telegram-webhook.ts: Azurite and the fake Bot API, so their CPU is not
 * charged to the webhook being measured (in production, Table Storage and Telegram are remote).
 * Reports its endpoints over IPC; answers {count: method} with the number of requests of that
 * method it served, and {run: bodies} by running each webhook reply as Telegram would, with the
 * number that succeeded.
 */
import { startAzurite } from "../local/host/azurite";
import { startFakeBotApi } from "../local/telegram-fake/server";

async function main(): Promise<void> {
  const token = process.env.BENCH_TELEGRAM_TOKEN ?? "";
  const [azurite, fake] = await Promise.all([
    startAzurite({ blobPort: 0, queuePort: 0, tablePort: 0 }),
    startFakeBotApi({ token }),
  ]);
  process.on("message", (m: { count?: string; run?: string[]; stop?: boolean }) => {
    if (m.count) process.send?.({ count: fake.state.requestsOf(m.count).length });
    if (m.run) {
      const ok = m.run.filter((body) => fake.runWebhookReply(body)?.outcome === true).length;
      process.send?.({ ran: m.run.length, ok });
    }
    if (m.stop) void Promise.all([fake.close(), azurite.close()]).then(() => process.exit(0));
  });
  process.send?.({ ready: true, connectionString: azurite.connectionString, apiRoot: fake.apiRoot });
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
