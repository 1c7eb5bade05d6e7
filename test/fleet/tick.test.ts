/**
 * The schedule tick end to end on Azurite: the real planning activity, the real command handler
 * (slot claim, Operations row, audit, requestId dedupe) and the scheduleTick saga on the durable
 * engine; park/wake sagas are stand-ins that flip the claw's power state and free its slot.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ActivityHandler, OrchestrationContext, OrchestrationHandler } from "durable-functions";
import { createHarness, type Harness } from "../../local/host/durable/harness";
import { scheduleTickInstanceId } from "../../core/sagas";
import { scheduleTick } from "../../orchestrations/schedule-tick";
import { createFleetActivities } from "../../core/fleet/activities";
import { FLEET_ACTIVITY_NAMES } from "../../orchestrations/activities/fleet-activity-names";
import { planRolloutRun } from "../../core/fleet/rollouts";
import { createFleetState } from "../../core/fleet/fleet-state";
import type { FleetDeps } from "../../core/fleet/deps";
import { createRequestLog } from "../../core/commands";
import { createRolloutsRepository, createStateStore, type StateStore } from "../../core/state";
import { collectingNotifier } from "../../core/notify/port";
import { ClawError } from "../../core/errors";
import type { Schedule } from "../../core/domain/schedule";

const berlin: Schedule = {
  mode: "scheduled",
  timeZone: "Europe/Berlin",
  parkAt: "22:00",
  wakeAt: "07:00",
  days: ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
};

const powerCalls: string[] = [];

function* standIn(ctx: OrchestrationContext): Generator<unknown, unknown, unknown> {
  const input = ctx.df.getInput<{ claw: string; operationId: string }>();
  return yield ctx.df.callActivity("flipPower", { ...input, to: ctx.df.instanceId });
}

describe("schedule tick on Azurite", () => {
  let h: Harness;
  let state: StateStore;
  let deps: FleetDeps;
  const notes = collectingNotifier();

  beforeAll(async () => {
    const holder: { deps?: FleetDeps } = {};
    const wrap =
      (fn: (i: unknown) => Promise<unknown>): ActivityHandler =>
      async (i: unknown) => {
        try {
          return await fn(i);
        } catch (e) {
          if (e instanceof ClawError) throw new Error(`[${e.code}] ${e.message}`);
          throw e;
        }
      };
    const activities: Record<string, ActivityHandler> = {
      flipPower: wrap(async (i) => {
        const { claw, operationId } = i as { claw: string; operationId: string };
        const op = await state.operations.require(operationId);
        powerCalls.push(`${op.kind}:${claw}`);
        await state.claws.updateObserved(claw, {
          powerState: op.kind === "park" ? "deallocated" : "running",
        });
        await state.operations.finish(operationId, { status: "succeeded" });
        await state.claws.releaseOperation(claw, operationId);
        return { status: "succeeded" };
      }),
      finishOperation: async () => null,
    };
    const fleet = () => createFleetActivities(holder.deps!);
    for (const name of FLEET_ACTIVITY_NAMES) {
      activities[name] = wrap((i) => (fleet()[name] as (x: unknown) => Promise<unknown>)(i));
    }
    h = await createHarness(
      { scheduleTick, parkClaw: standIn as OrchestrationHandler, wakeClaw: standIn as OrchestrationHandler },
      activities,
    );
    const conn = h.azurite.connectionString;
    const prefix = `T${Math.random().toString(36).slice(2, 8)}`;
    state = createStateStore(conn, { prefix });
    holder.deps = deps = {
      state,
      requests: createRequestLog(conn, { prefix }),
      rollouts: createRolloutsRepository(conn, { prefix }),
      fleet: createFleetState(conn, { prefix }),
      azure: { getVm: async () => undefined, getImageVersion: async () => undefined },
      notify: notes,
      settings: {
        fleetDefault: { mode: "always-on" },
        rolloutPolicy: "record",
        parkWarningMinutes: 30,
        tickLookbackMinutes: 15,
        maxParallel: 2,
        driftParallel: 4,
        upgradeExtraVms: 10,
      },
      now: () => new Date(),
      log: () => undefined,
    };
    const spec = (name: string) => ({
      name,
      region: "eastus",
      vmSize: "Standard_D2s_v5",
      imageVersion: "1.0.0",
      tags: {},
      schedule: berlin,
    });
    for (const name of ["alice", "bob", "carol", "dave"]) {
      await state.claws.create(spec(name));
      await state.claws.updateObserved(name, { powerState: "running", vmId: `vm-${name}` });
    }
    await state.claws.claimOperation("bob", "op-upgrade-bob"); // busy with an upgrade
    await deps.fleet.pin("carol", new Date("2024-06-03T23:00:00Z"), "http:test");
  });
  afterAll(async () => h?.close());

  const tick = async (tickAt: string, isPastDue: boolean, suffix = "") => {
    const id = scheduleTickInstanceId(tickAt) + suffix;
    await h.engine.start("scheduleTick", id, JSON.stringify({ tickAt, isPastDue, maxParallel: 2 }));
    const rec = await h.waitFor(id);
    expect(rec.status).toBe("Completed");
    return JSON.parse(rec.output) as {
      done: { claw: string }[];
      skipped: { claw: string; reason: string }[];
    };
  };

  it("scheduleTick: parks due claws, skips the busy and the pinned one, and records why", async () => {
    const digest = await tick("2024-06-03T20:05:00.000Z", false);
    expect(powerCalls.sort()).toEqual(["park:alice", "park:dave"]);
    expect(digest.done.map((d) => d.claw).sort()).toEqual(["alice", "dave"]);
    expect(digest.skipped.map((s) => s.claw).sort()).toEqual(["bob", "carol"]);
    const audit = await state.audit.recent({ days: 800, limit: 50 });
    expect(audit.find((a) => a.claw === "bob" && !a.accepted)?.reason).toMatch(
      /busy with operation op-upgrade-bob/,
    );
    expect(audit.find((a) => a.claw === "carol" && !a.accepted)?.reason).toMatch(/pinned awake until/);
    expect(
      audit
        .filter((a) => a.accepted && a.kind === "park")
        .map((a) => a.claw)
        .sort(),
    ).toEqual(["alice", "dave"]);
    expect((await state.claws.require("alice")).runningOperationId).toBeUndefined();
  });

  it("scheduleTick: the same tick delivered again parks nothing twice", async () => {
    await state.claws.updateObserved("alice", { powerState: "running" }); // woken by hand meanwhile
    const before = powerCalls.length;
    await tick("2024-06-03T20:05:00.000Z", false, "-again");
    await tick("2024-06-03T20:10:00.000Z", false);
    expect(powerCalls.length).toBe(before);
  });

  it("scheduleTick: after downtime a missed wake is caught up once, not twice", async () => {
    await state.claws.releaseOperation("bob", "op-upgrade-bob");
    for (const c of ["alice", "dave", "bob"])
      await state.claws.updateObserved(c, { powerState: "deallocated" });
    const before = powerCalls.length;
    // Host down from 20:10Z until 06:40Z: the 05:00Z wake was missed.
    await tick("2024-06-04T06:40:00.000Z", true);
    const woke = powerCalls.slice(before).sort();
    expect(woke).toEqual(["wake:alice", "wake:bob", "wake:dave"]);
    await tick("2024-06-04T06:40:00.000Z", true, "-again");
    expect(powerCalls.length).toBe(before + 3);
  });

  it("planRolloutRun: upgrades at once stay within UPGRADE_EXTRA_VMS (each holds a standby VM)", async () => {
    const rollout = (maxParallel?: number) =>
      deps.rollouts.create({
        id: `r${Math.random().toString(36).slice(2, 10)}`,
        version: "2.0.0",
        status: "starting",
        channel: "http",
        principal: "test",
        request: { version: "2.0.0", canary: 0, batchSize: 4, ...(maxParallel ? { maxParallel } : {}) },
      });
    const run = (id: string, extra: number) =>
      planRolloutRun({ ...deps, settings: { ...deps.settings, upgradeExtraVms: extra } }, { rolloutId: id });
    const bound = await run((await rollout()).id, 2);
    expect(bound.batches.map((b) => b.length)).toEqual([4]);
    expect(bound.maxParallel).toBe(2);
    expect((await run((await rollout()).id, 10)).maxParallel).toBe(4); // the batch is smaller
    expect((await run((await rollout(1)).id, 10)).maxParallel).toBe(1); // the request asks for fewer
  });
});
