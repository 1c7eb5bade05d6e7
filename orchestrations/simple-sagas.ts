/**
 * The short sagas: parkClaw (deallocate), wakeClaw (start → SSH → verify), verifyClaw (run
 * verify.sh and store the result) and destroyClaw (VM, NIC, IP; the data disk only when asked,
 * after a final snapshot). Each ends by recording its outcome and freeing the claw.
 */
import * as df from "durable-functions";
import type { OrchestrationContext } from "durable-functions";
import type { SagaInput } from "./contracts";
import type { ClawSnapshot } from "./activities/claw-activities";
import { ARM_RETRY, RECORD_RETRY, SSH_RETRY, failureOf, notifyOperators, progress } from "./saga-kit";

type Body = (
  ctx: OrchestrationContext,
  input: SagaInput,
  mark: (step: string) => void,
) => Generator<df.Task, Record<string, unknown> | undefined, never>;

/** Runs a saga body with the common ending: finishOperation succeeded/failed, slot released. */
function saga(body: Body) {
  return function* run(ctx: OrchestrationContext): Generator<df.Task, unknown, never> {
    const input = ctx.df.getInput<SagaInput>();
    const base = { op: input.operationId, claw: input.claw };
    let step = "load";
    const mark = (s: string) => {
      step = s;
      progress(ctx, input.operationId, s);
    };
    try {
      const details: Record<string, unknown> | undefined = yield* body(ctx, input, mark);
      progress(ctx, input.operationId, "done");
      yield ctx.df.callActivityWithRetry("finishOperation", RECORD_RETRY, {
        ...base,
        status: "succeeded",
        details,
      });
      yield* notifyOperators(ctx, input.operationId);
      return { status: "succeeded", ...details };
    } catch (e) {
      const f = failureOf(e);
      progress(ctx, input.operationId, "failed", `${step}: ${f.message}`);
      yield ctx.df.callActivityWithRetry("finishOperation", RECORD_RETRY, {
        ...base,
        status: "failed",
        error: { code: f.code, message: f.message, step },
      });
      yield* notifyOperators(ctx, input.operationId);
      return { status: "failed", step, error: f };
    }
  };
}

export const parkClaw = saga(function* (ctx, input, mark) {
  const base = { op: input.operationId, claw: input.claw };
  mark("deallocate");
  yield ctx.df.callActivityWithRetry("deallocateVm", ARM_RETRY, base);
  return { powerState: "deallocated" };
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
