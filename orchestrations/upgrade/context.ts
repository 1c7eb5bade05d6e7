/**
 * What the upgrade's strategies share: the typed activity calls, the claw as loaded, the target,
 * the compensation stack, and the steps both strategies use to bring a VM into service.
 */
import type * as df from "durable-functions";
import type { OrchestrationContext } from "durable-functions";
import type { ClawActivities, ClawSnapshot } from "../activities/claw-activities";
import type { HandoffActivities } from "../activities/handoff-activities";
import type { ActivityCalls, RetryProfile } from "../activity-calls";
import type { Compensations } from "../compensations";
import type { SagaInput } from "../../core/sagas";
import { deferWhileBusy } from "../defer-while-busy";
import { bringUp as bringUpVm } from "../saga-kit";

/** ARM mutations: the gateway already retries 429/5xx; this is the second net for transient failures. */
export const ARM: RetryProfile = { attempts: 3, firstMs: 2_000 };
/** Table-only bookkeeping. */
export const RECORD: RetryProfile = { attempts: 5, firstMs: 500 };
/** SSH steps: the guest client waits for the connection itself; once more for a dropped one. */
export const SSH: RetryProfile = { attempts: 2, firstMs: 3_000 };

export type UpgradeActivities = ClawActivities & HandoffActivities;

export interface Upgrade {
  ctx: OrchestrationContext;
  act: ActivityCalls<UpgradeActivities>;
  input: SagaInput;
  base: { op: string; claw: string };
  claw: ClawSnapshot;
  from: string;
  to: string;
  /** The data disk the claw had when the upgrade began. */
  diskId: string;
  nicId: string;
  snapshot: { id: string; name: string };
  wasParked: boolean;
  /** The old VM exists (an upgrade of a claw whose VM was deleted only creates). */
  vmExists: boolean;
  undo: Compensations;
  /** Marks the current step (for the failure record) and publishes it as progress. */
  mark(step: string, detail?: string): void;
  /** Set once the new image has run boot.sh on the disk: its migrations may have changed it. */
  newImageTouchedDisk: boolean;
  /** The disk to give back on rollback: the original, or one restored from the snapshot. */
  returnDiskId: string;
}

/**
 * Before the agent is stopped: if it is mid-task, wait for it (bounded; `force` skips the wait), so
 * an upgrade does not cut a turn off. A parked claw has no agent running: nothing to ask.
 */
export function* deferForAgent(u: Upgrade): Generator<df.Task, Record<string, unknown>, unknown> {
  if (u.wasParked) return {};
  const d = yield* deferWhileBusy(u.ctx, u.base, { action: "upgrade", force: u.input.params.force }, u.mark);
  return { deferredBySeconds: d.deferredBySeconds, ...(d.boundReached ? { deferBoundReached: true } : {}) };
}

/** What a strategy reports when the claw runs the new version. */
export type StrategyResult = Record<string, unknown>;

export type Strategy = (u: Upgrade) => Generator<df.Task, StrategyResult, unknown>;

/**
 * A VM that holds the disk and has run (or is running) boot.sh, brought into service: boot.sh done
 * on a boot after `since`, secrets delivered if changed, verified against `expectVersion`.
 */
export function* bringUp(
  u: Upgrade,
  o: { since: string; expectVersion: string; marks?: boolean },
): Generator<df.Task, void, unknown> {
  yield* bringUpVm(u.ctx, u.base, o, o.marks === false ? undefined : u.mark, SSH);
}

/**
 * Rollback's last resort shared by both strategies: bring back the pre-upgrade data disk from the
 * snapshot when the new image touched the disk, so an older binary never meets migrated state.
 */
export function* restoreSnapshotIfTouched(u: Upgrade): Generator<df.Task, string | void, unknown> {
  if (!u.newImageTouchedDisk) return;
  const d = yield* u.act.restoreDisk(
    { ...u.base, snapshotId: u.snapshot.id, region: u.claw.spec.region },
    ARM,
  );
  u.returnDiskId = d.id;
  return `data disk ${d.name} restored from snapshot ${u.snapshot.name} (the migrated disk is kept, unattached)`;
}
