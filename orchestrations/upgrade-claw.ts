/**
 * upgradeClaw (to image version V), keeping the data disk:
 *   load → preflight (V exists, Succeeded, in the claw's region; not the version it runs; not
 *   older than what already ran on the disk unless allowDowngrade) → incremental snapshot of the
 *   data disk → the strategy: handoff to a standby VM (default, upgrade/handoff.ts) or the seed's
 *   delete-and-recreate order (UPGRADE_STRATEGY=replace, upgrade/replace.ts) → re-park a claw that
 *   was parked → record.
 *
 * Each strategy pushes the undo of every step before running it (a Compensations stack); a failure
 * unwinds it newest first, so the claw ends on its previous version with its data (the snapshot
 * restored when the new image had touched the disk). The operation record says what failed and
 * what was restored; an undo that fails is recorded as "manual action needed", never swallowed.
 */
import * as df from "durable-functions";
import type { OrchestrationContext } from "durable-functions";
import type { SagaInput } from "../core/sagas";
import { activityCalls } from "./activity-calls";
import { Compensations } from "./compensations";
import { failureOf } from "./failure";
import { notifyOperators, progress } from "./saga-kit";
import { ARM, RECORD, type Upgrade, type UpgradeActivities } from "./upgrade/context";
import { handoff } from "./upgrade/handoff";
import { replace } from "./upgrade/replace";

export function upgradeClaw(ctx: OrchestrationContext): Generator<df.Task, unknown, unknown> {
  return moveClaw(ctx, "upgrade");
}

/**
 * refreshClaw: the same handoff to a fresh VM of the version the claw runs, so it gets the current
 * app layer and runtime payload from cloud-init without a re-bake (the original's iteration loop),
 * with the upgrade's snapshot, verify and rollback.
 */
export function refreshClaw(ctx: OrchestrationContext): Generator<df.Task, unknown, unknown> {
  return moveClaw(ctx, "refresh");
}

function* moveClaw(
  ctx: OrchestrationContext,
  mode: "upgrade" | "refresh",
): Generator<df.Task, unknown, unknown> {
  const input = ctx.df.getInput<SagaInput>();
  const act = activityCalls<UpgradeActivities>(ctx);
  const base = { op: input.operationId, claw: input.claw };
  let to = input.params.toVersion ?? "";
  const undo = new Compensations();
  let step = "load";
  const mark = (s: string, detail?: string) => {
    step = s;
    progress(ctx, input.operationId, s, detail);
  };
  let u: Upgrade | undefined;
  let from = "";

  try {
    const c = yield* act.loadClaw(base, RECORD);
    const power = yield* act.getPowerState(base, ARM);
    from = c.imageVersion ?? power.imageVersion ?? c.spec.imageVersion;
    if (mode === "refresh") to = from;

    mark("preflight", `${from} → ${to}`);
    yield* act.preflightImage(
      {
        ...base,
        version: to,
        region: c.spec.region,
        currentVersion: power.exists && mode === "upgrade" ? from : undefined,
        lastVersion: c.imageVersion,
        allowDowngrade: input.params.allowDowngrade === true,
      },
      ARM,
    );
    if (!c.diskId || !c.nicId) {
      throw new Error(
        `[CONFLICT] Claw ${input.claw} has no recorded data disk or NIC; deploy it before upgrading.`,
      );
    }

    mark("snapshot-data-disk");
    const snapshot = yield* act.snapshotDisk({ ...base, diskName: c.diskName, region: c.spec.region }, ARM);

    const wasParked = power.exists && (power.powerState === "deallocated" || power.powerState === "stopped");
    u = {
      ctx,
      act,
      input,
      base,
      claw: c,
      from,
      to,
      diskId: c.diskId,
      nicId: c.nicId,
      snapshot,
      wasParked,
      vmExists: power.exists,
      undo,
      mark,
      newImageTouchedDisk: false,
      returnDiskId: c.diskId,
    };
    const strategy = c.upgradeStrategy === "handoff" && power.exists ? handoff : replace;
    const result = yield* strategy(u);

    if (wasParked) {
      mark("re-park");
      yield* act.deallocateVm(base, ARM);
    }
    progress(ctx, input.operationId, "done", to);
    const details = {
      mode,
      fromVersion: from,
      toVersion: to,
      snapshot: snapshot.name,
      leftParked: wasParked,
      ...result,
    };
    yield* act.finishOperation({ ...base, status: "succeeded", details }, RECORD);
    yield* notifyOperators(ctx, input, true);
    return { status: "succeeded", ...details };
  } catch (e) {
    const failure = failureOf(e);
    const failedStep = step;
    const undoing = undo.pending;
    progress(ctx, input.operationId, "compensating", `${failedStep}: ${failure.message}`);
    const unwound = yield* undo.unwind();
    const status = !undoing.length ? "failed" : unwound.error ? "failed" : "compensated";
    const summary = !undoing.length
      ? "nothing had changed; no compensation needed"
      : unwound.error
        ? `compensation failed at ${unwound.failedAt} (${unwound.error.code}: ${unwound.error.message}); ` +
          `the data disk and snapshot ${u?.snapshot.name ?? "(none)"} are kept; manual action needed`
        : `restored: ${unwound.restored.join("; ")}`;
    const error = {
      code: failure.code,
      message: unwound.error
        ? `${failure.message}; compensation failed too: ${unwound.error.message}`
        : failure.message,
      step: failedStep,
    };
    yield* act.finishOperation(
      {
        ...base,
        status: status as "failed" | "compensated",
        error,
        compensation: undoing.length
          ? { summary, restored: Object.fromEntries(unwound.restored.map((r, i) => [String(i + 1), r])) }
          : undefined,
        details: {
          mode,
          fromVersion: from,
          toVersion: to,
          snapshot: u?.snapshot.name,
          undone: undoing.reverse(),
        },
      },
      RECORD,
    );
    yield* notifyOperators(ctx, input, false);
    progress(ctx, input.operationId, status, summary);
    return { status, step: failedStep, error, compensation: summary };
  }
}

df.app.orchestration("upgradeClaw", upgradeClaw);
df.app.orchestration("refreshClaw", refreshClaw);
