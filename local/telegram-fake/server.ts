/**
 * A local fake of the Telegram Bot API on loopback: `POST {root}/bot{token}/{method}` with a JSON,
 * form or query payload, answered `{ok, result}` or the real error body (with the HTTP status set to
 * the error code, as Telegram does). It records every call, can be told to answer the next calls of
 * a method with an error (429 with retry_after included), and plays Telegram's other half: it
 * delivers updates to the registered webhook with the secret token header, and runs the method
 * call the webhook may answer with (a webhook reply: status 200, a JSON body with `method`) as if
 * the bot had called it, with the same checks, faults and record, the outcome told to nobody.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { ERRORS, type ApiErrorBody } from "./constants";
import { METHODS, type BotUser, type MethodResult } from "./methods";
import { FakeState, type RecordedCall } from "./state";
import { UpdateFactory, type TgUser } from "./updates";

export interface FakeBotApiOptions {
  /** The one token it accepts. */
  token: string;
  /** Default 127.0.0.1; only loopback addresses are allowed. */
  host?: string;
  /** Default 0 (ephemeral). */
  port?: number;
  bot?: Partial<BotUser>;
}

export interface FakeBotApi {
  /** The Bot API root to configure (TELEGRAM_API_ROOT). */
  apiRoot: string;
  bot: BotUser;
  state: FakeState;
  updates: UpdateFactory;
  /** The next `times` calls of `method` answer `error` instead of running. */
  failNext(method: string, error: ApiErrorBody, times?: number): void;
  /** Shorthand: the next `times` calls of `method` answer 429 with retry_after `seconds`. */
  throttleNext(method: string, seconds: number, times?: number): void;
  /**
   * POSTs an update to the registered webhook, as Telegram does, and runs a webhook reply in its
   * answer; returns the webhook's status and body, and the reply's recorded call if there was one.
   */
  deliver(update: unknown): Promise<Delivery>;
  /** Shorthand for deliver(updates.text(...)). */
  sendText(from: TgUser, text: string, chatId?: number): Promise<Delivery>;
  /**
   * Runs a webhook's answer as Telegram does: a JSON object with a `method` is called as if the bot
   * had called it; anything else is ignored (undefined). For tests that call the function directly.
   */
  runWebhookReply(body: string, contentType?: string): RecordedCall | undefined;
  close(): Promise<void>;
}

export interface Delivery {
  status: number;
  body: string;
  /** The webhook reply Telegram ran, if the answer carried one. */
  reply?: RecordedCall;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

async function readPayload(req: http.IncomingMessage, url: URL): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const raw = Buffer.concat(chunks).toString("utf8");
  const payload: Record<string, unknown> = Object.fromEntries(url.searchParams);
  const type = req.headers["content-type"] ?? "";
  if (raw && type.includes("application/json")) Object.assign(payload, JSON.parse(raw) as object);
  else if (raw && type.includes("application/x-www-form-urlencoded")) {
    Object.assign(payload, Object.fromEntries(new URLSearchParams(raw)));
  }
  return payload;
}

export async function startFakeBotApi(o: FakeBotApiOptions): Promise<FakeBotApi> {
  const host = o.host ?? "127.0.0.1";
  if (!LOOPBACK.has(host)) throw new Error("the fake Bot API listens on loopback only");
  const state = new FakeState();
  const bot: BotUser = {
    id: 7000000001,
    is_bot: true,
    first_name: "OpenClawps",
    username: "openclawps_test_bot",
    can_join_groups: true,
    can_read_all_group_messages: false,
    supports_inline_queries: false,
    can_connect_to_business: false,
    has_main_web_app: false,
    has_topics_enabled: false,
    allows_users_to_create_topics: false,
    can_manage_bots: false,
    supports_join_request_queries: false,
    ...o.bot,
  };
  const updates = new UpdateFactory(state, bot);

  /** Runs one method call (an injected fault first) and records it. */
  function call(
    method: string,
    payload: Record<string, unknown>,
    webhookReply = false,
  ): { recorded: RecordedCall; result: MethodResult } {
    const fault = state.takeFault(method);
    const impl = Object.hasOwn(METHODS, method) ? METHODS[method] : undefined;
    const result = fault ?? (impl ? impl(state, payload, bot) : ERRORS.notFound());
    const recorded: RecordedCall = {
      method,
      payload,
      at: Date.now(),
      outcome: result.ok ? true : result.error_code,
      ...(webhookReply ? { webhookReply: true as const } : {}),
    };
    state.calls.push(recorded);
    return { recorded, result };
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://fake");
    const m = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
    const answer = (body: MethodResult) => {
      res.writeHead(body.ok ? 200 : body.error_code, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (!m) return answer(ERRORS.notFound());
    const [, token, method] = m;
    readPayload(req, url).then(
      (payload) => {
        if (token !== o.token) {
          state.calls.push({ method, payload, at: Date.now(), outcome: 401 });
          return answer(ERRORS.unauthorized());
        }
        answer(call(method, payload).result);
      },
      () => answer({ ok: false, error_code: 400, description: "Bad Request: can't parse JSON" }),
    );
  });
  await new Promise<void>((resolve) => server.listen(o.port ?? 0, host, resolve));
  const { port } = server.address() as AddressInfo;

  async function deliver(update: unknown) {
    const hook = state.webhook;
    if (!hook) throw new Error("no webhook is set (setWebhook first)");
    const target = new URL(hook.url);
    if (!LOOPBACK.has(target.hostname)) throw new Error("the fake delivers updates to loopback only");
    const res = await fetch(target, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(hook.secret_token ? { "X-Telegram-Bot-Api-Secret-Token": hook.secret_token } : {}),
      },
      body: JSON.stringify(update),
    });
    const body = await res.text();
    const reply =
      res.status === 200 ? runWebhookReply(body, res.headers.get("content-type") ?? "") : undefined;
    return { status: res.status, body, ...(reply ? { reply } : {}) };
  }

  function runWebhookReply(body: string, contentType = "application/json"): RecordedCall | undefined {
    if (!contentType.includes("application/json") || body.trim() === "") return undefined;
    let payload: unknown;
    try {
      payload = JSON.parse(body);
    } catch {
      return undefined;
    }
    if (typeof payload !== "object" || payload === null || Array.isArray(payload)) return undefined;
    const { method, ...params } = payload as Record<string, unknown>;
    if (typeof method !== "string" || method === "") return undefined;
    return call(method, params, true).recorded;
  }

  function failNext(method: string, error: ApiErrorBody, times = 1) {
    const q = state.faults.get(method) ?? [];
    for (let n = 0; n < times; n++) q.push(error);
    state.faults.set(method, q);
  }

  return {
    apiRoot: `http://${host}:${port}`,
    bot,
    state,
    updates,
    failNext,
    throttleNext: (method, seconds, times = 1) => failNext(method, ERRORS.tooManyRequests(seconds), times),
    deliver,
    runWebhookReply,
    sendText: (from, text, chatId) => deliver(updates.text(from, text, chatId)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
