/**
 * Summary: runs the fake Telegram Bot API on loopback for the twin.
 * Usage: node dist/local/telegram-fake/main.js [--port N]
 * The token it accepts is TELEGRAM_BOT_TOKEN (a made-up one for the twin); point TELEGRAM_API_ROOT
 * at the printed root. Every call is logged as one line (method and outcome, never the token).
 */
import { startFakeBotApi } from "./server";

async function main(): Promise<void> {
  const token = process.env.TELEGRAM_BOT_TOKEN;
  if (!token) throw new Error("set TELEGRAM_BOT_TOKEN (any made-up token) for the fake to accept");
  const at = process.argv.indexOf("--port");
  const port = at >= 0 ? Number(process.argv[at + 1]) : 0;
  const fake = await startFakeBotApi({ token, port });
  console.log(`fake Telegram Bot API: TELEGRAM_API_ROOT=${fake.apiRoot}`);
  let seen = 0;
  setInterval(() => {
    for (const c of fake.state.calls.slice(seen))
      console.log(
        `${new Date(c.at).toISOString()} ${c.method}${c.webhookReply ? " (webhook reply)" : ""} ${c.outcome === true ? "ok" : c.outcome}`,
      );
    seen = fake.state.calls.length;
  }, 500).unref();
  const stop = () => void fake.close().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  await new Promise(() => undefined);
}

main().catch((e: unknown) => {
  console.error(`telegram-fake: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
