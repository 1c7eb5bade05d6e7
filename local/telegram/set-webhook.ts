/**
 * Summary: registers the operator bot's webhook with Telegram (setWebhook with the secret token)
 * and its command list (setMyCommands), then prints what Telegram reports.
 * Usage: npm run telegram:webhook -- <webhook URL> [--drop-pending]
 *        npm run telegram:webhook -- --info | --delete
 * Settings: TELEGRAM_BOT_TOKEN, TELEGRAM_WEBHOOK_SECRET, TELEGRAM_API_ROOT (optional: a local fake
 * or a self-hosted Bot API server), from the environment or local.settings.json's Values. The URL
 * may also come from TELEGRAM_WEBHOOK_URL. The token and the secret are never printed.
 */
import fs from "node:fs";
import type { Api } from "grammy";
import { createApi } from "../../core/telegram/client";
import { USAGE } from "../../core/telegram/parse";
import { REPLY_RETRY } from "../../core/telegram/retry";

type Env = Record<string, string | undefined>;

export interface WebhookRegistration {
  url: string;
  secret: string;
  dropPending?: boolean;
}

/** Telegram's rule for secret_token. */
const SECRET = /^[A-Za-z0-9_-]{1,256}$/;
const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** What is wrong with a registration, or undefined (checked before anything is sent). */
export function registrationProblem(r: WebhookRegistration): string | undefined {
  let u: URL;
  try {
    u = new URL(r.url);
  } catch {
    return "the webhook URL is not a URL";
  }
  if (u.protocol !== "https:" && !(u.protocol === "http:" && LOOPBACK.has(u.hostname))) {
    return "the webhook URL must be https (http only on loopback, for the twin)";
  }
  if (!u.pathname.endsWith("/api/v1/telegram")) return "the webhook URL should end with /api/v1/telegram";
  if (!SECRET.test(r.secret)) {
    return "TELEGRAM_WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and -";
  }
  return undefined;
}

/** setWebhook (message and callback_query updates only) and setMyCommands; answers getWebhookInfo. */
export async function registerWebhook(api: Api, r: WebhookRegistration) {
  const problem = registrationProblem(r);
  if (problem) throw new Error(problem);
  await api.setWebhook(r.url, {
    secret_token: r.secret,
    allowed_updates: ["message", "callback_query"],
    drop_pending_updates: r.dropPending === true,
  });
  await api.setMyCommands(
    Object.entries(USAGE).map(([command, line]) => ({
      command,
      description: line.replace(/^\/\S+\s*/, "").slice(0, 256),
    })),
  );
  return api.getWebhookInfo();
}

/** Settings from the environment, falling back to local.settings.json's Values. */
export function settingsFrom(env: Env, file = "local.settings.json"): Env {
  let values: Env = {};
  if (fs.existsSync(file)) {
    values = (JSON.parse(fs.readFileSync(file, "utf8")) as { Values?: Env }).Values ?? {};
  }
  const pick = (k: string) => (env[k] ? env[k] : values[k]) || undefined;
  return Object.fromEntries(
    ["TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET", "TELEGRAM_API_ROOT", "TELEGRAM_WEBHOOK_URL"].map(
      (k) => [k, pick(k)],
    ),
  );
}

async function main(argv: string[]): Promise<number> {
  const s = settingsFrom(process.env);
  const fail = (m: string) => {
    console.error(`telegram-webhook: ${m}`);
    return 1;
  };
  if (!s.TELEGRAM_BOT_TOKEN) return fail("set TELEGRAM_BOT_TOKEN");
  const api = createApi({ token: s.TELEGRAM_BOT_TOKEN, apiRoot: s.TELEGRAM_API_ROOT }, REPLY_RETRY);
  if (argv.includes("--delete")) {
    await api.deleteWebhook();
    console.log("webhook removed");
    return 0;
  }
  if (!argv.includes("--info")) {
    const url = argv.find((a) => !a.startsWith("--")) ?? s.TELEGRAM_WEBHOOK_URL;
    if (!url) return fail("give the webhook URL (https://<app>/api/v1/telegram) or set TELEGRAM_WEBHOOK_URL");
    if (!s.TELEGRAM_WEBHOOK_SECRET) return fail("set TELEGRAM_WEBHOOK_SECRET");
    const problem = registrationProblem({ url, secret: s.TELEGRAM_WEBHOOK_SECRET });
    if (problem) return fail(problem);
    await registerWebhook(api, {
      url,
      secret: s.TELEGRAM_WEBHOOK_SECRET,
      dropPending: argv.includes("--drop-pending"),
    });
  }
  const info = await api.getWebhookInfo();
  console.log(
    JSON.stringify(
      {
        url: info.url,
        pending_update_count: info.pending_update_count,
        allowed_updates: info.allowed_updates,
        last_error_message: info.last_error_message,
      },
      null,
      2,
    ),
  );
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      // grammY's errors name the method and Telegram's description, never the token.
      console.error(`telegram-webhook: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(1);
    },
  );
}
