/**
 * deployClaw: ensure data disk (create only if absent) → ensure IP/NIC → create the VM from the
 * gallery version with the disk at LUN 0 and cloud-init custom data → wait for SSH → deliver
 * secrets → verify → record. A failure leaves every resource in place (the disk is never touched)
 * and the operation record says which step failed.
 */
import * as df from "durable-functions";
import type { OrchestrationContext } from "durable-functions";
import type { SagaInput } from "./contracts";
import type { ClawSnapshot } from "./activities/claw-activities";
import { ARM_RETRY, RECORD_RETRY, SSH_RETRY, failureOf, notifyOperators, progress } from "./saga-kit";

export function* deployClaw(ctx: OrchestrationContext): Generator<df.Task, unknown, never> {
  const input = ctx.df.getInput<SagaInput>();
  const base = { op: input.operationId, claw: input.claw };
  let step = "load";
  try {
    const claw: ClawSnapshot = yield ctx.df.callActivityWithRetry("loadClaw", RECORD_RETRY, base);
    const version = input.params.imageVersion ?? claw.spec.imageVersion;
    const region = claw.spec.region;

    step = "preflight";
    progress(ctx, input.operationId, step, version);
    yield ctx.df.callActivityWithRetry("preflightImage", ARM_RETRY, { ...base, version, region });

    step = "ensure-data-disk";
    progress(ctx, input.operationId, step);
    const disk: { id: string } = yield ctx.df.callActivityWithRetry("ensureDisk", ARM_RETRY, {
      ...base,
      region,
      sizeGb: claw.spec.dataDiskSizeGb,
      diskName: claw.diskName,
    });

    step = "ensure-network";
    progress(ctx, input.operationId, step);
    const net: { nicId: string } = yield ctx.df.callActivityWithRetry("ensureNetwork", ARM_RETRY, {
      ...base,
      region,
    });

    step = "create-vm";
    const since = ctx.df.currentUtcDateTime.toISOString();
    progress(ctx, input.operationId, step, version);
    yield ctx.df.callActivityWithRetry("createVm", ARM_RETRY, {
      ...base,
      version,
      diskId: disk.id,
      nicId: net.nicId,
    });

    step = "wait-for-boot";
    progress(ctx, input.operationId, step);
    yield ctx.df.callActivityWithRetry("waitForSsh", SSH_RETRY, { ...base, since });

    step = "deliver-secrets";
    progress(ctx, input.operationId, step);
    yield ctx.df.callActivityWithRetry("deliverSecrets", SSH_RETRY, base);

    step = "verify";
    progress(ctx, input.operationId, step);
    const verified: unknown = yield ctx.df.callActivity("verify", { ...base, expectVersion: version });

    progress(ctx, input.operationId, "done");
    yield ctx.df.callActivityWithRetry("finishOperation", RECORD_RETRY, {
      ...base,
      status: "succeeded",
      details: { imageVersion: version },
    });
    yield* notifyOperators(ctx, input.operationId);
    return { status: "succeeded", imageVersion: version, verify: verified };
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
}

df.app.orchestration("deployClaw", deployClaw);
