/**
 * The short sagas: parkClaw (deallocate), wakeClaw (start → SSH → verify), verifyClaw (run
 * verify.sh and store the result) and destroyClaw (VM, NIC, IP; the data disk only when asked,
 * after a final snapshot). Each ends by recording its outcome and freeing the claw.
 */
import * as df from "durable-functions";
import type { ClawSnapshot } from "./activities/claw-activities";
import { ARM_RETRY, RECORD_RETRY, SSH_RETRY, saga } from "./saga-kit";
import { deferWhileBusy } from "./defer-while-busy";

export const parkClaw = saga(function* (ctx, input, mark) {
  const base = { op: input.operationId, claw: input.claw };
  const d = yield* deferWhileBusy(ctx, base, { action: "park", force: input.params.force }, mark);
  mark("deallocate");
  yield ctx.df.callActivityWithRetry("deallocateVm", ARM_RETRY, base);
  return {
    powerState: "deallocated",
    deferredBySeconds: d.deferredBySeconds,
    ...(d.boundReached ? { deferBoundReached: true } : {}),
    ...(input.params.force ? { force: true } : {}),
  };
});

export const wakeClaw = saga(function* (ctx, input, mark) {
  const base = { op: input.operationId, claw: input.claw };
  mark("start");
  const since = ctx.df.currentUtcDateTime.toISOString();
  yield ctx.df.callActivityWithRetry("startVm", ARM_RETRY, base);
  mark("wait-for-boot");
  yield ctx.df.callActivityWithRetry("waitForSsh", SSH_RETRY, { ...base, since });
  mark("verify");
  yield ctx.df.callActivity("verify", base);
  return {
    powerState: "running",
    ...(input.params.awakeHours ? { awakeHours: input.params.awakeHours } : {}),
  };
});

export const verifyClaw = saga(function* (ctx, input, mark) {
  const base = { op: input.operationId, claw: input.claw };
  mark("wait-for-boot");
  yield ctx.df.callActivityWithRetry("waitForSsh", SSH_RETRY, base);
  mark("verify");
  const r: { ok: boolean; failed: string[] } = yield ctx.df.callActivity("verifyReport", base);
  if (!r.ok) throw new Error(`[VERIFY_FAILED] failed checks: ${r.failed.join(", ")}`);
  return { ok: r.ok };
});

export const destroyClaw = saga(function* (ctx, input, mark) {
  const base = { op: input.operationId, claw: input.claw };
  mark("load");
  const claw: ClawSnapshot = yield ctx.df.callActivityWithRetry("loadClaw", RECORD_RETRY, base);
  mark("destroy");
  yield ctx.df.callActivityWithRetry("destroyResources", ARM_RETRY, {
    ...base,
    deleteDisk: input.params.deleteDisk === true,
    diskName: claw.diskName,
    region: claw.spec.region,
  });
  return { deleteDisk: input.params.deleteDisk === true };
});

df.app.orchestration("parkClaw", parkClaw);
df.app.orchestration("wakeClaw", wakeClaw);
df.app.orchestration("verifyClaw", verifyClaw);
df.app.orchestration("destroyClaw", destroyClaw);
