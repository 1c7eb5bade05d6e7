/**
 * Notifications: the Telegram NotificationPort against the fake Bot API (429 retry_after honoured,
 * server errors retried, every message valid HTML), and the notifyOperators activity over a
 * finished operation on Azurite.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GrammyError } from "grammy";
import { createStateStore, type StateStore } from "../../core/state";
import { createApi } from "../../core/telegram/client";
import { createTelegramNotifier } from "../../core/telegram/notifier";
import { NOTIFY_RETRY, REPLY_RETRY, type RetryPolicy } from "../../core/telegram/retry";
import { createNotifyActivities } from "../../orchestrations/activities/notify-activities";
import { startFakeBotApi, type FakeBotApi } from "../../local/telegram-fake/server";
import { startAzurite, type Azurite } from "../helpers/azurite";
import { TOKEN, unique } from "./fixture";

const CHAT = -100200300;
let fake: FakeBotApi;
let azurite: Azurite;
let state: StateStore;

beforeAll(async () => {
  [fake, azurite] = await Promise.all([
    startFakeBotApi({ token: TOKEN }),
    startAzurite({ table: true, queue: false }),
  ]);
  state = createStateStore(azurite.connectionString, { prefix: `n${unique()}` });
});
afterAll(async () => {
  await fake?.close();
  await azurite?.close();
});

function notifier(policy: RetryPolicy) {
  const sleeps: number[] = [];
  const api = createApi(
    { token: TOKEN, apiRoot: fake.apiRoot },
    {
      ...policy,
      sleep: async (ms) => void sleeps.push(ms),
    },
  );
  return { n: createTelegramNotifier({ api, chatId: String(CHAT) }), sleeps };
}

const sendOutcomes = (from: number) =>
  fake.state
    .callsOf("sendMessage")
    .slice(from)
    .map((c) => c.outcome);

describe("telegram notifier: flood control", () => {
  it("notify: a 429 is retried after exactly retry_after seconds, then delivered", async () => {
    const before = fake.state.callsOf("sendMessage").length;
    fake.throttleNext("sendMessage", 7, 2);
    const { n, sleeps } = notifier(NOTIFY_RETRY);
    await n.notify({ kind: "image-registered", version: "1.2.3", policy: "record" });
    expect(sleeps).toEqual([7000, 7000]);
    expect(sendOutcomes(before)).toEqual([429, 429, true]);
    expect(fake.updates.lastMessage(CHAT)?.text).toBe("🖼 Image 1.2.3 registered (policy record).");
  });

  it("notify: really waits retry_after before calling again (real clock)", async () => {
    const before = fake.state.callsOf("sendMessage").length;
    fake.throttleNext("sendMessage", 1);
    const api = createApi({ token: TOKEN, apiRoot: fake.apiRoot }, NOTIFY_RETRY);
    await createTelegramNotifier({ api, chatId: String(CHAT) }).notify({
      kind: "image-registered",
      version: "1.2.4",
      policy: "record",
    });
    const [first, second] = fake.state.callsOf("sendMessage").slice(before);
    expect([first.outcome, second.outcome]).toEqual([429, true]);
    expect(second.at - first.at).toBeGreaterThanOrEqual(1000);
  });

  it("notify: a retry_after longer than the policy allows fails at once with the 429", async () => {
    const before = fake.state.callsOf("sendMessage").length;
    fake.throttleNext("sendMessage", 600);
    const { n, sleeps } = notifier(NOTIFY_RETRY);
    const err = await n
      .notify({ kind: "image-registered", version: "1.2.5", policy: "record" })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GrammyError);
    expect((err as GrammyError).error_code).toBe(429);
    expect((err as GrammyError).parameters.retry_after).toBe(600);
    expect(sleeps).toEqual([]);
    expect(sendOutcomes(before)).toEqual([429]);
  });

  it("notify: server errors are retried with backoff; replies to commands do not retry them", async () => {
    const before = fake.state.callsOf("sendMessage").length;
    fake.failNext("sendMessage", { ok: false, error_code: 502, description: "Bad Gateway" }, 2);
    const { n, sleeps } = notifier(NOTIFY_RETRY);
    await n.notify({ kind: "image-registered", version: "1.2.6", policy: "record" });
    expect(sleeps).toEqual([500, 2000]);
    expect(sendOutcomes(before)).toEqual([502, 502, true]);

    fake.failNext("sendMessage", { ok: false, error_code: 502, description: "Bad Gateway" });
    const reply = notifier(REPLY_RETRY);
    await expect(
      reply.n.notify({ kind: "image-registered", version: "1.2.7", policy: "record" }),
    ).rejects.toThrow(/502/);
  });
});

describe("telegram notifier: messages", () => {
  it("notify: every fleet event is valid HTML with the ids the operator needs; names are escaped", async () => {
    const { n } = notifier(NOTIFY_RETRY);
    const digest = {
      done: [{ claw: "alice" }],
      skipped: [{ claw: "bob", reason: "pinned awake until <tomorrow>" }],
      failed: [{ claw: "carol", reason: "VERIFY_FAILED: gateway & telegram down" }],
    };
    await n.notify({
      kind: "drift",
      checkedAt: "2026-12-01T03:00:00Z",
      drifts: [{ claw: "alice", kind: "power-state", expected: "running", actual: "deallocated" }],
    });
    expect(fake.updates.lastMessage(CHAT)?.text).toBe(
      "🧭 Drift on 1 claw (checked 2026-12-01 03:00 UTC)\n• alice power-state: expected running, found deallocated",
    );
    await n.notify({ kind: "schedule-digest", tickAt: "2026-12-01T22:00:00Z", digest });
    expect(fake.updates.lastMessage(CHAT)?.text).toBe(
      [
        "🌙 Schedule 2026-12-01 22:00 UTC: 1 done, 1 skipped, 1 failed",
        "❌ carol: VERIFY_FAILED: gateway & telegram down",
        "✅ alice",
        "⏭ bob: pinned awake until <tomorrow>",
      ].join("\n"),
    );
    await n.notify({ kind: "rollout-ended", rolloutId: "r-9", version: "2.0.0", status: "halted", digest });
    expect(fake.updates.lastMessage(CHAT)?.text).toMatch(
      /^⚠️ Rollout r-9 to 2\.0\.0 halted: 1 done, 1 skipped, 1 failed/,
    );
  });

  it("notify: a fleet of 300 claws is cut to one message under Telegram's limit", async () => {
    const { n } = notifier(NOTIFY_RETRY);
    const failed = Array.from({ length: 300 }, (_, k) => ({
      claw: `claw-${k}`,
      reason: "verify failed: ".repeat(5),
    }));
    await n.notify({
      kind: "schedule-digest",
      tickAt: "2026-12-01T22:00:00Z",
      digest: { done: [], skipped: [], failed },
    });
    const text = fake.updates.lastMessage(CHAT)!.text;
    expect(text.length).toBeLessThanOrEqual(4096);
    expect(text).toMatch(/… and \d+ more$/);
  });
});

describe("notifyOperators activity", () => {
  const activity = (notifyOperation?: (op: never) => Promise<boolean>) => {
    const logged: string[] = [];
    const { n } = notifier(NOTIFY_RETRY);
    const a = createNotifyActivities({
      operations: state.operations,
      notifier: notifyOperation ? { notifyOperation } : n,
      log: (_l, m) => logged.push(m),
    });
    return { ...a, logged };
  };

  it("notifyOperators: after an upgrade succeeds, the chat hears the versions and the operation id", async () => {
    const id = `op-up-${unique()}`;
    await state.operations.start({
      id,
      kind: "upgrade",
      claw: "alice",
      channel: "telegram",
      principal: "telegram:1001",
    });
    await state.operations.finish(id, {
      status: "succeeded",
      details: { fromVersion: "1.0.0", toVersion: "1.1.0" },
    });
    expect(await activity().notifyOperators({ op: id })).toEqual({ delivered: true });
    const text = fake.updates.lastMessage(CHAT)!.text;
    expect(text).toMatch(/^✅ upgrade of alice succeeded 1\.0\.0 → 1\.1\.0 in \d+s\.\n/);
    expect(text).toContain(`Operation ${id} · asked by telegram:1001`);
  });

  it("notifyOperators: a compensated upgrade says what failed and what was restored", async () => {
    const id = `op-comp-${unique()}`;
    await state.operations.start({
      id,
      kind: "upgrade",
      claw: "bob",
      channel: "http",
      principal: "http:function-key",
    });
    await state.operations.finish(id, {
      status: "compensated",
      error: { code: "VERIFY_FAILED", message: "openclaw health: <gateway> unreachable", step: "verify" },
      compensation: {
        summary: "recreated the VM from 1.0.0 with the pre-upgrade snapshot",
        steps: [],
        restored: { imageVersion: "1.0.0" },
      },
      details: { fromVersion: "1.0.0", toVersion: "1.1.0" },
    });
    await activity().notifyOperators({ op: id });
    expect(fake.updates.lastMessage(CHAT)!.text).toMatch(
      /^↩️ upgrade of bob failed at verify and was rolled back 1\.0\.0 → 1\.1\.0\.\nVERIFY_FAILED: openclaw health: <gateway> unreachable\nrecreated the VM from 1\.0\.0 with the pre-upgrade snapshot \(restored imageVersion 1\.0\.0\)/,
    );
  });

  it("notifyOperators: a rollout's or the schedule's successful saga is left to the digest; their failures are told", async () => {
    const before = fake.state.callsOf("sendMessage").length;
    const ok = `op-r-${unique()}`;
    await state.operations.start({
      id: ok,
      kind: "upgrade",
      claw: "carol",
      channel: "http",
      principal: "p",
      requestId: "rollout-r1-carol",
    });
    await state.operations.finish(ok, { status: "succeeded" });
    const parked = `op-t-${unique()}`;
    await state.operations.start({
      id: parked,
      kind: "park",
      claw: "carol",
      channel: "timer",
      principal: "timer:schedule",
    });
    await state.operations.finish(parked, { status: "succeeded" });
    expect(await activity().notifyOperators({ op: ok })).toEqual({
      delivered: false,
      reason: "reported in the fleet run's digest",
    });
    expect(await activity().notifyOperators({ op: parked })).toMatchObject({ delivered: false });
    expect(fake.state.callsOf("sendMessage").length).toBe(before);
    const bad = `op-tf-${unique()}`;
    await state.operations.start({
      id: bad,
      kind: "park",
      claw: "carol",
      channel: "timer",
      principal: "timer:schedule",
    });
    await state.operations.finish(bad, { status: "failed", error: { code: "AZURE_ERROR", message: "boom" } });
    expect(await activity().notifyOperators({ op: bad })).toEqual({ delivered: true });
  });

  it("notifyOperators: never throws; a failed send or a missing operation is reported and logged", async () => {
    const a = activity(async () => {
      throw new Error("Call to 'sendMessage' failed! (429: Too Many Requests: retry after 600)");
    });
    const id = `op-x-${unique()}`;
    await state.operations.start({ id, kind: "verify", claw: "alice", channel: "http", principal: "p" });
    await state.operations.finish(id, { status: "failed" });
    expect(await a.notifyOperators({ op: id })).toEqual({
      delivered: false,
      reason: expect.stringMatching(/429/),
    });
    expect(a.logged[0]).toMatch(new RegExp(`notifying the operators of operation ${id} failed`));
    expect(await a.notifyOperators({ op: "op-missing" })).toEqual({
      delivered: false,
      reason: "operation op-missing not found",
    });
    const none = createNotifyActivities({ operations: state.operations, log: () => undefined });
    expect(await none.notifyOperators({ op: id })).toEqual({
      delivered: false,
      reason: "no Telegram bot configured",
    });
  });
});
