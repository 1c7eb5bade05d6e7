/**
 * The short sagas: parkClaw (deallocate), wakeClaw (start → SSH → deliver what changed → verify →
 * pin awake for its awakeHours; a claw that already runs is verified and pinned in seconds),
 * verifyClaw (deliver what changed, run verify.sh and store the result) and destroyClaw (VM, NIC,
 * IP; the data disk only when asked,
 * after a final snapshot). Each ends by recording its outcome and freeing the claw.
 */
import * as df from "durable-functions";
import type { ClawSnapshot } from "./activities/claw-activities";
import { ARM_RETRY, RECORD_RETRY, SSH_RETRY, VERIFY_RETRY, saga } from "./saga-kit";
import { deferWhileBusy } from "./defer-while-busy";
import { activityCalls } from "./activity-calls";
import type { SagaActivities } from "./activities/types";

export const parkClaw = saga(function* (ctx, input, mark) {
  const act = activityCalls<SagaActivities>(ctx);
  const base = { op: input.operationId, claw: input.claw };
  const d = yield* deferWhileBusy(ctx, base, { action: "park", force: input.params.force }, mark);
  mark("deallocate");
  yield* act.deallocateVm(base, ARM_RETRY);
  return {
    powerState: "deallocated",
    deferredBySeconds: d.deferredBySeconds,
    ...(d.boundReached ? { deferBoundReached: true } : {}),
    ...(input.params.force ? { force: true } : {}),
  };
});

export const wakeClaw = saga(function* (ctx, input, mark) {
  const act = activityCalls<SagaActivities>(ctx);
  const base = { op: input.operationId, claw: input.claw };
  mark("start");
  const since = ctx.df.currentUtcDateTime.toISOString();
  const start = (yield* act.startVm(base, ARM_RETRY)) as {
    started?: boolean;
  } | null;
  // A claw that already ran boots no more: a boot newer than this saga would never come, so only
  // a VM this saga started is waited for by boot time (a history from before `started` existed
  // answered null: it waits as it did then).
  const started = start?.started !== false;
  mark("wait-for-boot");
  yield* act.waitForSsh(started ? { ...base, since } : base, SSH_RETRY);
  // Secrets, password or settings changed while the claw was parked reach it now.
  mark("deliver-secrets");
  yield* act.deliverSecrets(base, SSH_RETRY);
  mark("verify");
  yield* act.verify(base, VERIFY_RETRY);
  const hours = input.params.awakeHours;
  let pinnedUntil: string | undefined;
  if (hours) {
    mark("pin-awake");
    const pin: { pinnedUntil: string } = yield* act.pinAwake(
      {
        claw: input.claw,
        hours,
        by: input.principal,
      },
      RECORD_RETRY,
    );
    pinnedUntil = pin.pinnedUntil;
  }
  return {
    powerState: "running",
    ...(started ? {} : { alreadyRunning: true }),
    ...(hours ? { awakeHours: hours, pinnedUntil } : {}),
  };
});

export const verifyClaw = saga(function* (ctx, input, mark) {
  const act = activityCalls<SagaActivities>(ctx);
  const base = { op: input.operationId, claw: input.claw };
  mark("wait-for-boot");
  yield* act.waitForSsh(base, SSH_RETRY);
  // Verify checks the claw as the control plane wants it: its current secrets and settings.
  mark("deliver-secrets");
  yield* act.deliverSecrets(base, SSH_RETRY);
  mark("verify");
  const r: { ok: boolean; failed: string[] } = yield* act.verifyReport(base, VERIFY_RETRY);
  if (!r.ok) throw new Error(`[VERIFY_FAILED] failed checks: ${r.failed.join(", ")}`);
  return { ok: r.ok };
});

export const destroyClaw = saga(function* (ctx, input, mark) {
  const act = activityCalls<SagaActivities>(ctx);
  const base = { op: input.operationId, claw: input.claw };
  mark("load");
  const claw: ClawSnapshot = yield* act.loadClaw(base, RECORD_RETRY);
  mark("destroy");
  yield* act.destroyResources(
    {
      ...base,
      deleteDisk: input.params.deleteDisk === true,
      diskName: claw.diskName,
      region: claw.spec.region,
    },
    ARM_RETRY,
  );
  return { deleteDisk: input.params.deleteDisk === true };
});

df.app.orchestration("parkClaw", parkClaw);
df.app.orchestration("wakeClaw", wakeClaw);
df.app.orchestration("verifyClaw", verifyClaw);
df.app.orchestration("destroyClaw", destroyClaw);
