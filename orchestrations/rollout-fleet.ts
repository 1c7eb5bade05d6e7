/**
 * rolloutFleet: upgrade many claws to image version V, health-gated.
 *   plan (canary by name or first N, then batches by count or percent) → canary → optional
 *   approval gate (external event, with a timeout that cancels) → for each batch: soak, then
 *   upgrade its claws (at most maxParallel at once) → digest.
 * Each claw's upgrade is its own upgradeClaw saga (sub-orchestration under the claw's singleton
 * instance id, slot claimed through the command handler first), which verifies the claw or
 * compensates it. Health = that saga ended "succeeded". A failed canary halts; more failures than
 * maxUnhealthy halts: no new claw starts, in-flight ones finish, the rest stay untouched. Pause /
 * resume / cancel arrive as "control" events at any wait. Parked claws are upgraded by upgradeClaw
 * and left parked (it deallocates them again after verifying), or skipped when the request says so.
 */
import * as df from "durable-functions";
import type { OrchestrationContext, Task } from "durable-functions";
import type { FleetDigest } from "../core/notify/port";
import type { RolloutClawRecord, RolloutStatus } from "../core/state/rollouts";
import type { StartClawCommandInput } from "../core/fleet/start-command";
import { RECORD_RETRY, failureOf } from "./saga-kit";
import type { RolloutInput } from "../core/sagas";
import { fanOut, type ClawOutcome } from "./fan-out";
import { holdWhilePaused, newControlState, soak, waitUntil } from "./fleet-control";
import { activityCalls, activityTask } from "./activity-calls";
import type { SagaActivities } from "./activities/types";

/** What planRolloutRun answers: the plan and the request's knobs. */
export interface RolloutRun {
  /** upgrade (default) or refresh (the same version on fresh VMs). */
  kind?: "upgrade" | "refresh";
  version: string;
  canary: string[];
  batches: string[][];
  excluded: { claw: string; reason: string }[];
  soakMinutes: number;
  maxUnhealthy: number;
  approval: boolean;
  approvalTimeoutMinutes: number;
  maxParallel?: number;
}

export function* rolloutFleet(ctx: OrchestrationContext): Generator<Task, unknown, unknown> {
  const act = activityCalls<SagaActivities>(ctx);
  const input = ctx.df.getInput<RolloutInput>();
  const id = input.rolloutId;
  const digest: FleetDigest = { done: [], skipped: [], failed: [] };
  const st = newControlState();
  let failures = 0;
  let halted: string | undefined;

  type RecordFields = { status?: RolloutStatus; phase?: string; claw?: RolloutClawRecord };
  /** The task that records progress (claws' records of one look are awaited together). */
  const recordTask = (fields: RecordFields): Task => {
    ctx.df.setCustomStatus({
      rolloutId: id,
      ...(fields.status ? { status: fields.status } : {}),
      phase: fields.phase,
    });
    return activityTask<SagaActivities, "recordRollout">(
      ctx,
      "recordRollout",
      { rolloutId: id, ...fields },
      RECORD_RETRY,
    );
  };
  const record = function* (fields: RecordFields) {
    yield recordTask(fields);
  };
  const finish = function* (status: RolloutStatus, reason: string) {
    ctx.df.setCustomStatus({ rolloutId: id, status, phase: "ended" });
    yield* act.finishRollout(
      {
        rolloutId: id,
        status,
        reason,
        digest,
        control: st.log,
      },
      RECORD_RETRY,
    );
    return { status, reason, digest };
  };

  let run: RolloutRun;
  try {
    run = (yield* act.planRolloutRun(
      {
        rolloutId: id,
      },
      RECORD_RETRY,
    )) as RolloutRun;
  } catch (e) {
    const f = failureOf(e);
    return yield* finish("failed", `planning failed: ${f.code}: ${f.message}`);
  }
  for (const x of run.excluded) digest.skipped.push({ claw: x.claw, reason: x.reason });

  const item = (claw: string): StartClawCommandInput => ({
    ...(run.kind === "refresh"
      ? { kind: "refresh" as const }
      : { kind: "upgrade" as const, toVersion: run.version }),
    claw,
    requestId: `rollout-${id}-${claw}`,
    channel: input.channel,
    principal: input.principal,
  });

  const group = function* (names: string[], phase: string, haltOnAnyFailure: boolean) {
    let groupFailures = 0;
    const left = yield* fanOut(ctx, names.map(item), {
      maxParallel: run.maxParallel ?? Math.max(1, names.length),
      control: st,
      stop: () => halted !== undefined,
      onStartTask: (it, operationId) =>
        recordTask({ claw: { claw: it.claw, phase, status: "running", operationId } }),
      onPauseChange: function* (what) {
        yield* record({ status: what === "paused" ? "paused" : "running", phase: `${phase}: ${what}` });
      },
      onOutcome: (it, o: ClawOutcome) => {
        const status = o.status === "failed" ? "failed" : o.status;
        if (o.status === "succeeded") digest.done.push({ claw: o.claw });
        else if (o.status === "skipped") digest.skipped.push({ claw: o.claw, reason: o.detail ?? "skipped" });
        else {
          digest.failed.push({ claw: o.claw, reason: o.detail ?? "failed" });
          failures++;
          groupFailures++;
          if (haltOnAnyFailure) halted = `canary ${o.claw} failed: ${o.detail ?? ""}`;
          else if (failures > run.maxUnhealthy)
            halted = `${failures} claws failed, more than maxUnhealthy ${run.maxUnhealthy}`;
        }
        return recordTask({
          claw: { claw: it.claw, phase, status, operationId: o.operationId, detail: o.detail },
        });
      },
    });
    return { left, groupFailures };
  };

  const untouched = function* (names: string[], why: string) {
    for (const claw of names) {
      digest.skipped.push({ claw, reason: why });
      yield* record({ claw: { claw, phase: "not started", status: "skipped", detail: why } });
    }
  };
  const stopped = function* (remaining: string[]) {
    if (halted) {
      yield* untouched(remaining, "not started: rollout halted");
      return yield* finish("halted", halted);
    }
    yield* untouched(remaining, "not started: rollout cancelled");
    return yield* finish("cancelled", "cancelled by an operator");
  };
  const rest = (from: number) => run.batches.slice(from).flat();

  // Canary.
  if (run.canary.length > 0) {
    yield* record({ status: "running", phase: `canary: ${run.canary.join(", ")}` });
    const c = yield* group(run.canary, "canary", true);
    if (halted || st.cancelled) return yield* stopped([...c.left.map((i) => i.claw), ...rest(0)]);
  }

  // Approval gate.
  if (run.approval && run.batches.length > 0) {
    const deadline = new Date(ctx.df.currentUtcDateTime.getTime() + run.approvalTimeoutMinutes * 60_000);
    yield* record({
      status: "awaiting-approval",
      phase: `waiting for approval until ${deadline.toISOString()}`,
    });
    yield* act.notifyFleet(
      {
        kind: "rollout-approval",
        rolloutId: id,
        version: run.version,
        canary: run.canary,
        timeoutAt: deadline.toISOString(),
      },
      RECORD_RETRY,
    );
    st.decision = undefined;
    yield* waitUntil(ctx, deadline, st, (x) => x.decision !== undefined || x.cancelled);
    if (st.cancelled) return yield* stopped(rest(0));
    if (st.decision === "reject") {
      yield* untouched(rest(0), "not started: rollout rejected");
      return yield* finish("rejected", `rejected by ${st.log[st.log.length - 1]?.by ?? "an operator"}`);
    }
    if (st.decision !== "approve") {
      yield* untouched(rest(0), "not started: approval timed out");
      return yield* finish("timed-out", `no approval within ${run.approvalTimeoutMinutes} minutes`);
    }
  }

  // Batches, with a soak before each one that follows upgraded claws.
  for (let b = 0; b < run.batches.length; b++) {
    if (b > 0 || run.canary.length > 0) {
      yield* record({ status: "running", phase: `soaking ${run.soakMinutes} min before batch ${b + 1}` });
      yield* soak(ctx, run.soakMinutes, st);
      yield* holdWhilePaused(ctx, st, function* (what) {
        yield* record({
          status: what === "paused" ? "paused" : "running",
          phase: `before batch ${b + 1}: ${what}`,
        });
      });
      if (st.cancelled) return yield* stopped(rest(b));
    }
    yield* record({ status: "running", phase: `batch ${b + 1} of ${run.batches.length}` });
    const r = yield* group(run.batches[b], `batch ${b + 1}`, false);
    if (halted || st.cancelled) return yield* stopped([...r.left.map((i) => i.claw), ...rest(b + 1)]);
  }
  return yield* finish(
    "completed",
    `${digest.done.length} upgraded, ${digest.skipped.length} skipped, ${digest.failed.length} failed`,
  );
}

df.app.orchestration("rolloutFleet", rolloutFleet);
