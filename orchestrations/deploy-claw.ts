/**
 * deployClaw: check the claw's secrets (a model key; a bot token of its own) → ensure data disk (create only if absent) → ensure IP/NIC → create the VM from the
 * gallery version with the disk at LUN 0 and cloud-init custom data → wait for SSH → deliver
 * secrets → verify → record. A failure leaves every resource in place (the disk is never touched)
 * and the operation record says which step failed.
 */
import * as df from "durable-functions";
import type { ClawSnapshot } from "./activities/claw-activities";
import { activityCalls } from "./activity-calls";
import type { SagaActivities } from "./activities/types";
import { ARM } from "./upgrade/context";
import { ARM_RETRY, RECORD_RETRY, bringUp, saga } from "./saga-kit";

export const deployClaw = saga(function* (ctx, input, mark) {
  const act = activityCalls<SagaActivities>(ctx);
  const base = { op: input.operationId, claw: input.claw };
  mark("load");
  const claw: ClawSnapshot = yield* act.loadClaw(base, RECORD_RETRY);
  const version = input.params.imageVersion ?? claw.spec.imageVersion;
  const region = claw.spec.region;

  // Before any Azure call: a model key, and a bot token no other claw uses.
  mark("check-secrets");
  yield* act.checkSecrets(base);

  mark("preflight", version);
  // A disk that a newer image already migrated is not handed to an older one unless asked.
  // Typed call: a version that does not exist or a refused downgrade fails at once, not after retries.
  yield* act.preflightImage(
    {
      ...base,
      version,
      region,
      lastVersion: claw.imageVersion,
      allowDowngrade: input.params.allowDowngrade === true,
    },
    ARM,
  );

  mark("ensure-data-disk");
  const disk: { id: string } = yield* act.ensureDisk(
    {
      ...base,
      region,
      sizeGb: claw.spec.dataDiskSizeGb,
      diskName: claw.diskName,
    },
    ARM_RETRY,
  );

  mark("ensure-network");
  const net: { nicId: string } = yield* act.ensureNetwork(
    {
      ...base,
      region,
    },
    ARM_RETRY,
  );

  mark("create-vm", version);
  const since = ctx.df.currentUtcDateTime.toISOString();
  yield* act.createVm(
    {
      ...base,
      version,
      diskId: disk.id,
      nicId: net.nicId,
    },
    ARM_RETRY,
  );

  yield* bringUp(ctx, base, { since, expectVersion: version }, mark);
  return { imageVersion: version };
});

df.app.orchestration("deployClaw", deployClaw);
