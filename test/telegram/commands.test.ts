/**
 * Commands that start sagas, through the webhook: /verify and /wake at once, the rest behind a
 * Confirm / Cancel button; rollouts; park-warning buttons. Sagas are started on a fake durable
 * client (the command handler itself is real, on Azurite).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTelegramNotifier } from "../../core/telegram";
import { createApi } from "../../core/telegram/client";
import { REPLY_RETRY } from "../../core/telegram/retry";
import { startAzurite, type Azurite } from "../helpers/azurite";
import { spec } from "../api/fakes";
import { botFixture, OPERATOR, OPERATORS_CHAT, OTHER_OPERATOR, TOKEN, type BotFixture } from "./fixture";

let azurite: Azurite;
beforeAll(async () => {
  azurite = await startAzurite({ table: true, queue: false });
});
afterAll(async () => {
  await azurite?.close();
});

async function withBot(fn: (b: BotFixture) => Promise<void>, opts?: Parameters<typeof botFixture>[1]) {
  const b = await botFixture(azurite.connectionString, opts);
  try {
    await b.deps.commands.state.claws.create(spec("alice"));
    await fn(b);
  } finally {
    await b.close();
  }
}

const started = (b: BotFixture) => b.deps.commands.durable.started;

describe("telegram commands: at once", () => {
  it("/verify NAME: starts verifyClaw through the command handler and answers with the operation id", () =>
    withBot(async (b) => {
      const u = b.fake.updates.text(OPERATOR, "/verify alice");
      // An answer that reports a started operation is a request (its failure is seen), not a reply.
      expect(await b.post(u)).toMatchObject({ status: 204, body: undefined });
      expect(b.fake.state.requestsOf("sendMessage")).toHaveLength(1);
      expect(started(b)).toHaveLength(1);
      const s = started(b)[0];
      expect(s).toMatchObject({ name: "verifyClaw", instanceId: "claw-alice" });
      expect(s.input).toMatchObject({
        claw: "alice",
        channel: "telegram",
        principal: "telegram:1001",
        requestId: `tg-u${u.update_id}`,
      });
      expect(b.last().text).toContain(`verify of alice started.\nOperation ${s.input.operationId}`);
      const op = await b.deps.commands.state.operations.require(s.input.operationId);
      expect(op).toMatchObject({
        kind: "verify",
        channel: "telegram",
        principal: "telegram:1001",
        status: "running",
      });
      const audit = await b.deps.commands.state.audit.recent();
      expect(audit[0]).toMatchObject({ kind: "verify", accepted: true, operationId: s.input.operationId });
    }));

  it("/verify NAME: Telegram redelivering the same update starts no second saga", () =>
    withBot(async (b) => {
      const u = b.fake.updates.text(OPERATOR, "/verify alice");
      await b.post(u);
      await b.post(u);
      expect(started(b)).toHaveLength(1);
      expect(b.last().text).toMatch(/already asked: same operation/);
    }));

  it("/wake NAME HOURS: starts wakeClaw with awakeHours", () =>
    withBot(async (b) => {
      await b.say("/wake alice 3");
      expect(started(b)[0]).toMatchObject({ name: "wakeClaw", input: { params: { awakeHours: 3 } } });
      await b.say("/wake carol");
      expect(b.last().text).toMatch(/CLAW_NOT_FOUND/);
      expect(started(b)).toHaveLength(1);
    }));

  it("/wake NAME: a busy claw answers CLAW_BUSY with the running operation", () =>
    withBot(async (b) => {
      await b.say("/verify alice");
      await b.say("/wake alice");
      expect(b.last().text).toMatch(/CLAW_BUSY: .*\/ops shows what it is doing/);
      expect(started(b)).toHaveLength(1);
    }));
});

describe("telegram commands: confirmation buttons", () => {
  it("/upgrade: asks first; Confirm starts upgradeClaw once, edits the question and drops the buttons", () =>
    withBot(async (b) => {
      // A question with buttons is a request, not a webhook reply.
      expect((await b.say("/upgrade alice 1.1.0")).status).toBe(204);
      expect(b.fake.state.requestsOf("sendMessage")).toHaveLength(1);
      expect(b.last().text).toMatch(/Upgrade alice from 1\.0\.0 to 1\.1\.0\? .*snapshotted and kept/);
      expect(b.last().buttons).toEqual(["Confirm", "Cancel"]);
      expect(started(b)).toEqual([]);
      expect(await b.deps.commands.state.operations.list()).toEqual([]);

      const pressed = await b.press("Confirm");
      // The edit (what happened) is a request made first; the toast is the webhook reply.
      expect(JSON.parse(String(pressed.body))).toMatchObject({
        method: "answerCallbackQuery",
        text: "Confirmed",
      });
      expect(b.fake.state.calls.map((c) => [c.method, c.webhookReply ?? false]).slice(-2)).toEqual([
        ["editMessageText", false],
        ["answerCallbackQuery", true],
      ]);
      expect(started(b)).toHaveLength(1);
      expect(started(b)[0]).toMatchObject({
        name: "upgradeClaw",
        input: { params: { toVersion: "1.1.0" }, principal: "telegram:1001" },
      });
      const opId = started(b)[0].input.operationId;
      expect(b.last().text).toContain(`upgrade of alice started.\nOperation ${opId}`);
      expect(b.last().buttons).toEqual([]);
      expect(b.fake.state.callsOf("answerCallbackQuery").at(-1)?.payload.text).toBe("Confirmed");
    }));

  it("/upgrade: a second tap on Confirm (a stale button) says already handled and starts nothing", () =>
    withBot(async (b) => {
      await b.say("/upgrade alice 1.1.0");
      const question = b.fake.updates.lastMessage(OPERATOR.id)!;
      const confirm = question.reply_markup!.inline_keyboard[0][0].callback_data!;
      const tap = () => b.post(b.fake.updates.pressData(OPERATOR, question, confirm));
      await Promise.all([tap(), tap()]);
      await tap();
      expect(started(b)).toHaveLength(1);
      const toasts = b.fake.state.callsOf("answerCallbackQuery").map((c) => c.payload.text);
      expect(toasts.sort()).toEqual(["Already handled.", "Already handled.", "Confirmed"]);
    }));

  it("/park: a press redelivered after the control plane died handling it starts the saga then", () => {
    let clock = new Date();
    return withBot(
      async (b) => {
        await b.say("/park alice");
        const question = b.fake.updates.lastMessage(OPERATOR.id)!;
        const confirm = question.reply_markup!.inline_keyboard[0][0].callback_data!;
        const id = confirm.split("|")[1];
        // What the first press did before the host died: answered the confirmation, claimed its
        // request and the claw; no saga started.
        expect((await b.deps.store.takeConfirmation(id, String(OPERATOR.id), "confirm")).state).toBe("taken");
        await b.deps.commands.requests.claim({
          requestId: `tg-c${id}`,
          kind: "park",
          claw: "alice",
          operationId: "op-cut",
        });
        await b.deps.commands.state.claws.claimOperation("alice", "op-cut");

        clock = new Date(clock.getTime() + 61_000);
        await b.post(b.fake.updates.pressData(OPERATOR, question, confirm));
        expect(started(b).map((s) => s.input.operationId)).toEqual(["op-cut"]);
        expect(b.fake.state.callsOf("answerCallbackQuery").at(-1)?.payload.text).toBe("Confirmed");
        expect(b.last().text).toContain("Operation op-cut");
      },
      { now: () => clock },
    );
  });

  it("/park: Cancel starts nothing and says who cancelled", () =>
    withBot(async (b) => {
      await b.say("/park alice");
      expect(b.last().text).toMatch(/Park alice\? Its VM is deallocated/);
      await b.press("Cancel");
      expect(b.last().text).toBe("Cancelled by @olga.");
      expect(started(b)).toEqual([]);
    }));

  it("/park: only the operator who asked can confirm; the button stays for them", () =>
    withBot(async (b) => {
      await b.say("/park alice", OPERATOR, OPERATORS_CHAT);
      const q = b.fake.updates.lastMessage(OPERATORS_CHAT)!;
      await b.post(b.fake.updates.press(OTHER_OPERATOR, q, "Confirm"));
      expect(b.fake.state.callsOf("answerCallbackQuery")[0].payload.text).toMatch(
        /Only the operator who asked/,
      );
      expect(started(b)).toEqual([]);
      await b.post(b.fake.updates.press(OPERATOR, q, "Confirm"));
      expect(started(b)).toMatchObject([{ name: "parkClaw" }]);
    }));

  it("/park NAME force: says the agent is not waited for, and the saga gets force", () =>
    withBot(async (b) => {
      await b.say("/park alice force");
      expect(b.last().text).toMatch(/Park alice now, even if the agent is mid-task\?/);
      await b.press("Confirm");
      expect(started(b)).toMatchObject([{ name: "parkClaw", input: { params: { force: true } } }]);
    }));

  it("/deploy and /destroy: ask first, then start their sagas; destroy never deletes the disk", () =>
    withBot(async (b) => {
      await b.say("/deploy alice 1.0.0");
      expect(b.last().text).toMatch(/Deploy alice with image 1\.0\.0 \(Standard_D4s_v5, eastus\)\?/);
      await b.press("Confirm");
      expect(started(b)[0]).toMatchObject({
        name: "deployClaw",
        input: { params: { imageVersion: "1.0.0" } },
      });
      await b.deps.commands.state.claws.releaseOperation("alice", started(b)[0].input.operationId);
      b.deps.commands.durable.instances.clear();
      await b.say("/destroy alice");
      await b.press("Confirm");
      expect(started(b)[1]).toMatchObject({ name: "destroyClaw", input: { params: { deleteDisk: false } } });
    }));

  it("/deploy NAME VERSION: a version other than the spec's is refused before asking, and audited", () =>
    withBot(async (b) => {
      await b.say("/deploy alice 2.0.0");
      expect(b.last().text).toMatch(
        /BAD_REQUEST: 'alice' is specified with image 1\.0\.0.*\/upgrade alice 2\.0\.0/,
      );
      expect(b.last().buttons).toEqual([]);
      const audit = await b.deps.commands.state.audit.recent();
      expect(audit[0]).toMatchObject({ kind: "deploy", claw: "alice", accepted: false });
    }));

  it("/upgrade: an unknown claw is refused before asking; no confirmation is recorded", () =>
    withBot(async (b) => {
      await b.say("/upgrade carol 1.1.0");
      expect(b.last().text).toMatch(/CLAW_NOT_FOUND/);
      expect(b.last().buttons).toEqual([]);
    }));

  it("/park: a confirmation pressed after 10 minutes has expired", () => {
    let now = new Date("2026-12-01T10:00:00Z");
    return withBot(
      async (b) => {
        await b.say("/park alice");
        now = new Date(now.getTime() + 11 * 60_000);
        await b.press("Confirm");
        expect(b.last().text).toMatch(/expired; send the command again/);
        expect(started(b)).toEqual([]);
      },
      { now: () => now },
    );
  });

  it("buttons: forged callback data is answered as invalid and does nothing", () =>
    withBot(async (b) => {
      await b.say("/help");
      const m = b.fake.updates.lastMessage(OPERATOR.id)!;
      for (const data of ["c|../../x", "zz|1", "pd|Alice|abc", "c|a|b|c"])
        await b.post(b.fake.updates.pressData(OPERATOR, m, data));
      const toasts = b.fake.state.callsOf("answerCallbackQuery").map((c) => c.payload.text);
      expect(toasts).toEqual(Array(4).fill("This button is no longer valid."));
      expect(started(b)).toEqual([]);
    }));
});

describe("telegram commands: rollouts", () => {
  it("/rollout VERSION: an image that is not registered or not ready is refused before asking", () =>
    withBot(async (b) => {
      await b.say("/rollout 2.0.0");
      expect(b.last().text).toMatch(/IMAGE_NOT_FOUND: image version 2\.0\.0 is not registered/);
      await b.deps.commands.state.images.upsert({ version: "2.0.0", state: "Creating", regions: ["eastus"] });
      await b.say("/rollout 2.0.0");
      expect(b.last().text).toMatch(/IMAGE_NOT_READY/);
      expect(b.rollouts.started).toEqual([]);
    }));

  it("/rollout VERSION: Confirm starts rolloutFleet with a canary and the approval gate", () =>
    withBot(async (b) => {
      await b.deps.commands.state.images.upsert({
        version: "2.0.0",
        state: "Succeeded",
        regions: ["eastus"],
      });
      await b.say("/rollout 2.0.0");
      expect(b.last().text).toMatch(/Roll out image 2\.0\.0 to the fleet \(1 claw\)\?/);
      await b.press("Confirm");
      expect(b.rollouts.started).toHaveLength(1);
      const s = b.rollouts.started[0];
      expect(s.name).toBe("rolloutFleet");
      const rollout = await b.fleet.rollouts.require((s.input as { rolloutId: string }).rolloutId);
      expect(rollout).toMatchObject({
        version: "2.0.0",
        channel: "telegram",
        principal: "telegram:1001",
        request: { approval: true, canary: 1 },
      });
      expect(b.last().text).toContain(`Rollout ${rollout.id} to 2.0.0 started by @olga`);
    }));

  it("rollout approval: Approve raises the control event through controlRollout; a second press is refused", () =>
    withBot(async (b) => {
      await b.deps.commands.state.images.upsert({
        version: "2.0.0",
        state: "Succeeded",
        regions: ["eastus"],
      });
      const r = await b.fleet.rollouts.create({
        id: "r-1",
        version: "2.0.0",
        status: "awaiting-approval",
        channel: "http",
        principal: "p",
        request: {},
      });
      const notifier = createTelegramNotifier({
        api: createApi({ token: TOKEN, apiRoot: b.fake.apiRoot }, REPLY_RETRY),
        chatId: String(OPERATORS_CHAT),
      });
      await notifier.notify({
        kind: "rollout-approval",
        rolloutId: r.id,
        version: "2.0.0",
        canary: ["alice"],
        timeoutAt: "2026-12-02T10:00:00Z",
      });
      expect(b.last(OPERATORS_CHAT).text).toMatch(
        /Rollout r-1 to 2\.0\.0: the canary alice upgraded and healthy/,
      );
      expect(b.last(OPERATORS_CHAT).buttons).toEqual(["Approve", "Reject"]);
      const question = b.fake.updates.lastMessage(OPERATORS_CHAT)!;
      const approve = question.reply_markup!.inline_keyboard[0][0].callback_data!;
      await b.press("Approve", OTHER_OPERATOR, OPERATORS_CHAT);
      expect(b.rollouts.events).toMatchObject([
        { instanceId: "rollout-r-1", name: "control", data: { action: "approve", by: "telegram:1002" } },
      ]);
      expect(b.last(OPERATORS_CHAT).text).toBe("✅ Approved by Omar: rollout r-1 to 2.0.0.");
      expect(b.last(OPERATORS_CHAT).buttons).toEqual([]);
      // The saga moves on; a stale Approve is refused by controlRollout and raises nothing.
      await b.fleet.rollouts.update("r-1", (c) => ({ ...c, status: "running" }));
      await b.post(b.fake.updates.pressData(OPERATOR, question, approve));
      expect(b.rollouts.events).toHaveLength(1);
      expect(b.last(OPERATORS_CHAT).text).toMatch(/CONFLICT: rollout r-1 is running, not awaiting approval/);
      const audit = await b.deps.commands.state.audit.recent();
      expect(audit.map((a) => [a.kind, a.accepted, a.principal])).toEqual([
        ["rollout-approve", false, "telegram:1001"],
        ["rollout-approve", true, "telegram:1002"],
      ]);
    }));
});

describe("telegram buttons: park warnings", () => {
  it("park warning: Delay 1 h pins the claw until an hour after the park time", () => {
    const now = new Date("2026-12-01T21:30:00Z");
    return withBot(
      async (b) => {
        const notifier = createTelegramNotifier({
          api: createApi({ token: TOKEN, apiRoot: b.fake.apiRoot }, REPLY_RETRY),
          chatId: String(OPERATORS_CHAT),
          now: () => now,
        });
        await notifier.notify({ kind: "park-soon", claw: "alice", parkAt: "2026-12-01T22:00:00.000Z" });
        expect(b.last(OPERATORS_CHAT).text).toBe(
          "⏰ alice will be parked at 2026-12-01 22:00 UTC (in 30 min).",
        );
        await b.press("Delay 1 h", OPERATOR, OPERATORS_CHAT);
        const pins = await b.fleet.fleet.pins();
        expect(pins.get("alice")?.toISOString()).toBe("2026-12-01T23:00:00.000Z");
        expect(b.last(OPERATORS_CHAT).text).toBe(
          "Parking delayed by @olga: alice stays awake until 2026-12-01 23:00 UTC.",
        );
      },
      { now: () => now },
    );
  });

  it("park warning: Skip tonight pins the claw until its next scheduled wake", () => {
    const now = new Date("2026-12-01T20:40:00Z");
    return withBot(
      async (b) => {
        await b.deps.commands.state.claws.update("alice", (c) => ({
          ...c,
          spec: {
            ...c.spec,
            schedule: {
              mode: "scheduled",
              timeZone: "UTC",
              wakeAt: "07:00",
              parkAt: "21:00",
              days: ["mon", "tue", "wed", "thu", "fri"],
            },
          },
        }));
        const notifier = createTelegramNotifier({
          api: createApi({ token: TOKEN, apiRoot: b.fake.apiRoot }, REPLY_RETRY),
          chatId: String(OPERATORS_CHAT),
          now: () => now,
        });
        await notifier.notify({ kind: "park-soon", claw: "alice", parkAt: "2026-12-01T21:00:00.000Z" });
        await b.press("Skip tonight", OPERATOR, OPERATORS_CHAT);
        const pins = await b.fleet.fleet.pins();
        // Pins are kept in hours: within a second of the wake time.
        expect(Math.abs(pins.get("alice")!.getTime() - Date.parse("2026-12-02T07:00:00Z"))).toBeLessThan(
          1000,
        );
        const audit = await b.deps.commands.state.audit.recent();
        expect(audit[0]).toMatchObject({
          kind: "pin",
          claw: "alice",
          accepted: true,
          principal: "telegram:1001",
        });
      },
      { now: () => now },
    );
  });
});
