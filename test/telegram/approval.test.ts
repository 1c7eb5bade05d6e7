/**
 * The bot against real sagas on the dev host's durable engine (SDK replay, Azurite history): a
 * rollout waiting at its approval gate is resumed by the Approve button, and an upgrade started
 * from the chat ends with a notification. upgradeClaw is a stand-in that ends as every saga does:
 * finishOperation, then the notifyOperators activity (the line the sagas add).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ActivityHandler, OrchestrationContext, OrchestrationHandler } from "durable-functions";
import type { SagaClient } from "../../core/commands";
import { createFleetActivities } from "../../core/fleet/activities";
import type { FleetDeps } from "../../core/fleet/deps";
import { startRollout } from "../../core/fleet/rollout-control";
import { createApi } from "../../core/telegram/client";
import { createTelegramNotifier } from "../../core/telegram/notifier";
import { NOTIFY_RETRY } from "../../core/telegram/retry";
import { createHarness, type Harness } from "../../local/host/durable/harness";
import { createNotifyActivities } from "../../orchestrations/activities/notify-activities";
import type { SagaInput } from "../../core/sagas";
import { rolloutFleet } from "../../orchestrations/rollout-fleet";
import { eventually } from "../devhost/fixture";
import { spec } from "../api/fakes";
import { botFixture, OPERATORS_CHAT, OTHER_OPERATOR, TOKEN, type BotFixture } from "./fixture";

let h: Harness;
let b: BotFixture;
let fleetDeps: FleetDeps;

/** Stand-in upgradeClaw: records the new version, ends the operation, notifies. */
function* upgradeClaw(ctx: OrchestrationContext): Generator<unknown, unknown, unknown> {
  const input = ctx.df.getInput<SagaInput>();
  yield ctx.df.callActivity("stubFinishUpgrade", input);
  yield ctx.df.callActivity("notifyOperators", { op: input.operationId });
  return { status: "succeeded" };
}

const activities: Record<string, ActivityHandler> = {
  stubFinishUpgrade: async (i) => {
    const input = i as SagaInput;
    const { state } = b.deps.commands;
    const from = (await state.claws.require(input.claw)).observed.imageVersion;
    await state.claws.updateObserved(input.claw, { imageVersion: input.params.toVersion });
    await state.operations.finish(input.operationId, {
      status: "succeeded",
      details: { fromVersion: from, toVersion: input.params.toVersion },
    });
    await state.claws.releaseOperation(input.claw, input.operationId);
    return null;
  },
  notifyOperators: async (i) =>
    createNotifyActivities({
      operations: b.deps.commands.state.operations,
      notifier: createTelegramNotifier({
        api: createApi({ token: TOKEN, apiRoot: b.fake.apiRoot }, NOTIFY_RETRY),
        chatId: String(OPERATORS_CHAT),
      }),
      log: () => undefined,
    }).notifyOperators(i as { op: string }),
};
for (const name of [
  "startClawCommand",
  "planRolloutRun",
  "recordRollout",
  "finishRollout",
  "notifyFleet",
] as const) {
  activities[name] = (i: unknown) =>
    (createFleetActivities(fleetDeps)[name] as (x: unknown) => Promise<unknown>)(i);
}

beforeAll(async () => {
  h = await createHarness({ rolloutFleet, upgradeClaw: upgradeClaw as OrchestrationHandler }, activities);
  b = await botFixture(h.azurite.connectionString);
  const notifier = createTelegramNotifier({
    api: createApi({ token: TOKEN, apiRoot: b.fake.apiRoot }, NOTIFY_RETRY),
    chatId: String(OPERATORS_CHAT),
  });
  fleetDeps = {
    ...b.fleet,
    requests: b.deps.commands.requests,
    azure: { getVm: async () => undefined, getImageVersion: async () => undefined },
    notify: notifier,
  };
  // The bot's durable clients are the engine's.
  b.deps.rollouts = {
    startNew: async (name, o) =>
      (await h.engine.start(name, o.instanceId, JSON.stringify(o.input))).instanceId,
    raiseEvent: async (id, name, data) => void (await h.engine.raiseEvent(id, name, JSON.stringify(data))),
  };
  const sagas: SagaClient = {
    startNew: async (name, o) =>
      (await h.engine.start(name, o.instanceId, JSON.stringify(o.input))).instanceId,
    getStatus: async (id) => {
      const r = await h.engine.getRecord(id);
      return r && { runtimeStatus: r.status, input: JSON.parse(r.input) as unknown };
    },
  };
  b.deps.commands.durable = sagas as typeof b.deps.commands.durable;
  const { state } = b.deps.commands;
  await state.images.upsert({ version: "2.0.0", state: "Succeeded", regions: ["eastus"] });
  for (const name of ["alice", "bob", "carol"]) {
    await state.claws.create(spec(name));
    await state.claws.updateObserved(name, {
      vmId: `vm-${name}`,
      powerState: "running",
      imageVersion: "1.0.0",
    });
  }
}, 60_000);

afterAll(async () => {
  await b?.close();
  await h?.close();
});

describe("telegram with running sagas", () => {
  it("approval: Approve in the operators' chat resumes the rollout waiting at its gate; the digest follows", async () => {
    const r = await startRollout(
      fleetDeps,
      b.deps.rollouts,
      { version: "2.0.0", approval: true, soakMinutes: 0 },
      { channel: "http", principal: "http:function-key" },
    );
    const question = await eventually(
      async () => {
        const m = b.fake.updates.lastMessage(OPERATORS_CHAT);
        return m?.text.startsWith("🚦") ? m : undefined;
      },
      15_000,
      "the approval request",
    );
    expect(question.text).toContain(`Rollout ${r.id} to 2.0.0: the canary alice upgraded and healthy.`);
    expect((await b.fleet.rollouts.require(r.id)).status).toBe("awaiting-approval");
    // The canary's own success is left to the digest: no message of its own.
    expect(b.fake.state.messages.filter((m) => m.chat.id === OPERATORS_CHAT)).toHaveLength(1);

    await b.post(b.fake.updates.press(OTHER_OPERATOR, question, "Approve"));
    expect(question.text).toBe(`✅ Approved by Omar: rollout ${r.id} to 2.0.0.`);
    const rec = await h.waitFor(`rollout-${r.id}`);
    expect(rec.status).toBe("Completed");
    const done = await b.fleet.rollouts.require(r.id);
    expect(done).toMatchObject({ status: "completed" });
    const digest = b.fake.updates.lastMessage(OPERATORS_CHAT)!.text;
    expect(digest).toMatch(
      new RegExp(`^🏁 Rollout ${r.id} to 2\\.0\\.0 completed: 3 done, 0 skipped, 0 failed`),
    );
    for (const claw of ["alice", "bob", "carol"]) {
      expect((await b.deps.commands.state.claws.require(claw)).observed.imageVersion).toBe("2.0.0");
    }
  });

  it("upgrade from the chat: confirmed, run as a saga, and the operators' chat hears how it ended", async () => {
    await b.deps.commands.state.images.upsert({ version: "2.1.0", state: "Succeeded", regions: ["eastus"] });
    await b.say("/upgrade bob 2.1.0");
    await b.press("Confirm");
    const opId = /Operation (\S+)/.exec(b.last().text)?.[1];
    expect(opId).toBeTruthy();
    await h.waitFor("claw-bob");
    const note = await eventually(
      async () => b.fake.state.messages.find((m) => m.chat.id === OPERATORS_CHAT && m.text.includes(opId!)),
      10_000,
      "the notification",
    );
    expect(note.text).toMatch(
      /^✅ upgrade of bob succeeded 2\.0\.0 → 2\.1\.0 in \d+s\.\nOperation \S+ · asked by telegram:1001/,
    );
  });
});
