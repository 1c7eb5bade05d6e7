/**
 * deployClaw: check the claw's secrets (a model key; a bot token of its own) → ensure data disk (create only if absent) → ensure IP/NIC → create the VM from the
 * gallery version with the disk at LUN 0 and cloud-init custom data → wait for SSH → deliver
 * secrets → verify → record. A failure leaves every resource in place (the disk is never touched)
 * and the operation record says which step failed.
 */
import * as df from "durable-functions";
import type { ClawActivities, ClawSnapshot } from "./activities/claw-activities";
import { activityCalls } from "./activity-calls";
import { ARM } from "./upgrade/context";
import { ARM_RETRY, RECORD_RETRY, bringUp, saga } from "./saga-kit";

export const deployClaw = saga(function* (ctx, input, mark) {
  const base = { op: input.operationId, claw: input.claw };
  mark("load");
  const claw: ClawSnapshot = yield ctx.df.callActivityWithRetry("loadClaw", RECORD_RETRY, base);
  const version = input.params.imageVersion ?? claw.spec.imageVersion;
  const region = claw.spec.region;

  // Before any Azure call: a model key, and a bot token no other claw uses.
  mark("check-secrets");
  yield ctx.df.callActivity("checkSecrets", base);

  mark("preflight", version);
  // A disk that a newer image already migrated is not handed to an older one unless asked.
  // Typed call: a version that does not exist or a refused downgrade fails at once, not after retries.
  yield* activityCalls<ClawActivities>(ctx).preflightImage(
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
  const disk: { id: string } = yield ctx.df.callActivityWithRetry("ensureDisk", ARM_RETRY, {
    ...base,
    region,
    sizeGb: claw.spec.dataDiskSizeGb,
    diskName: claw.diskName,
  });

  mark("ensure-network");
  const net: { nicId: string } = yield ctx.df.callActivityWithRetry("ensureNetwork", ARM_RETRY, {
    ...base,
    region,
  });

  mark("create-vm", version);
  const since = ctx.df.currentUtcDateTime.toISOString();
  yield ctx.df.callActivityWithRetry("createVm", ARM_RETRY, {
    ...base,
    version,
    diskId: disk.id,
    nicId: net.nicId,
  });

  yield* bringUp(ctx, base, { since, expectVersion: version }, mark);
  return { imageVersion: version };
});

df.app.orchestration("deployClaw", deployClaw);
