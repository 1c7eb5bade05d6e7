/**
 * Child process of bench/telegram-webhook.ts: Azurite and the fake Bot API, so their CPU is not
 * charged to the webhook being measured (in production, Table Storage and Telegram are remote).
 * Reports its endpoints over IPC and answers {count: method} with the number of calls seen.
 */
import { startAzurite } from "../local/host/azurite";
import { startFakeBotApi } from "../local/telegram-fake/server";

async function main(): Promise<void> {
  const token = process.env.BENCH_TELEGRAM_TOKEN ?? "";
  const [azurite, fake] = await Promise.all([
    startAzurite({ blobPort: 0, queuePort: 0, tablePort: 0 }),
    startFakeBotApi({ token }),
  ]);
  process.on("message", (m: { count?: string; stop?: boolean }) => {
    if (m.count) process.send?.({ count: fake.state.callsOf(m.count).length });
    if (m.stop) void Promise.all([fake.close(), azurite.close()]).then(() => process.exit(0));
  });
  process.send?.({ ready: true, connectionString: azurite.connectionString, apiRoot: fake.apiRoot });
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
