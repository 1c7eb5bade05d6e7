/**
 * upgradeClaw (to image version V), keeping the data disk:
 *   preflight (V exists, Succeeded, in the claw's region, not already running) → snapshot the data
 *   disk (incremental) → stop the agent (gateway stopped, disk synced) → delete the VM (data disk,
 *   NIC and IP detach and stay) → create the VM from V with the same disk → SSH → secrets → verify.
 * Two sequential ARM long-running operations while the claw is down (delete, create) instead of
 * the seed's five (deallocate, detach, delete, create, attach); the old VM is gone before the new
 * one boots, so one bot token never runs on two VMs.
 *
 * Compensation (a stack, undo pushed before the step that can half-succeed): once the old VM is
 * gone, any failure deletes the failed VM, restores the pre-upgrade snapshot as a new disk when the
 * new image may have migrated the data (it booted), recreates the VM from the previous version and
 * verifies it. The operation record says what failed and what was restored; a failing undo is
 * recorded, never swallowed.
 */
import * as df from "durable-functions";
import type { OrchestrationContext } from "durable-functions";
import type { SagaInput } from "./contracts";
import type { ClawSnapshot } from "./activities/claw-activities";
import {
  ARM_RETRY,
  RECORD_RETRY,
  SSH_RETRY,
  failureOf,
  bringUp,
  notifyOperators,
  progress,
  type Failure,
} from "./saga-kit";

type Undo = "startAgent" | "recreatePrevious";

export function* upgradeClaw(ctx: OrchestrationContext): Generator<df.Task, unknown, never> {
  const input = ctx.df.getInput<SagaInput>();
  const base = { op: input.operationId, claw: input.claw };
  const to = input.params.toVersion ?? "";
  const undo: Undo[] = [];
  let step = "load";
  let claw: ClawSnapshot | undefined;
  let snapshot: { id: string; name: string } | undefined;
  let newVmBooted = false;
  let wasParked = false;
  let nicId = "";
  let diskId = "";
  let oldOsDiskId: string | undefined;
  let leftover: string | undefined;

  try {
    const c: ClawSnapshot = yield ctx.df.callActivityWithRetry("loadClaw", RECORD_RETRY, base);
    claw = c;
    const power: { exists: boolean; powerState?: string; imageVersion?: string } =
      yield ctx.df.callActivityWithRetry("getPowerState", ARM_RETRY, base);
    wasParked = power.exists && power.powerState === "deallocated";
    const from = c.imageVersion ?? power.imageVersion ?? c.spec.imageVersion;

    step = "preflight";
    progress(ctx, input.operationId, step, `${from} → ${to}`);
    yield ctx.df.callActivityWithRetry("preflightImage", ARM_RETRY, {
      ...base,
      version: to,
      region: c.spec.region,
      currentVersion: from,
    });
    if (!c.diskId || !c.nicId) {
      throw new Error(
        `[CONFLICT] Claw ${input.claw} has no recorded data disk or NIC; deploy it before upgrading.`,
      );
    }
    diskId = c.diskId;
    nicId = c.nicId;

    step = "snapshot-data-disk";
    progress(ctx, input.operationId, step);
    const snap: { id: string; name: string } = yield ctx.df.callActivityWithRetry("snapshotDisk", ARM_RETRY, {
      ...base,
      diskName: c.diskName,
      region: c.spec.region,
    });
    snapshot = snap;

    // OS-disk swap (default): the new OS disk is made while the claw still runs; the VM keeps its
    // name, NIC, IP and vmId. Replace (fallback): delete the VM and create it again.
    const swap = c.upgradeStrategy === "swap" && power.exists;
    let prepared: { id: string; name: string } | undefined;
    if (swap) {
      step = "prepare-os-disk";
      progress(ctx, input.operationId, step, to);
      const d: { id: string; name: string } = yield ctx.df.callActivityWithRetry("prepareOsDisk", ARM_RETRY, {
        ...base,
        version: to,
        region: c.spec.region,
      });
      prepared = d;
    }

    if (power.exists && power.powerState === "running") {
      step = "stop-agent";
      progress(ctx, input.operationId, step);
      undo.push("startAgent");
      yield ctx.df.callActivityWithRetry("stopAgent", SSH_RETRY, base);
    }

    let since: string;
    if (prepared) {
      // From here any failure is undone by recreating the previous version (always correct,
      // whatever state a half-done swap left).
      undo.length = 0;
      undo.push("recreatePrevious");
      if (!wasParked) {
        step = "power-off";
        progress(ctx, input.operationId, step);
        yield ctx.df.callActivityWithRetry("powerOffVm", ARM_RETRY, {
          ...base,
          seenRunning: power.powerState === "running",
        });
      }
      step = "swap-os-disk";
      progress(ctx, input.operationId, step, prepared.name);
      const swapped: { previousOsDiskId: string } = yield ctx.df.callActivityWithRetry(
        "swapOsDisk",
        ARM_RETRY,
        {
          ...base,
          osDiskId: prepared.id,
          version: to,
        },
      );
      oldOsDiskId = swapped.previousOsDiskId;
      step = "start";
      progress(ctx, input.operationId, step);
      since = ctx.df.currentUtcDateTime.toISOString();
      // The swap needed it stopped or deallocated: start it without reading it first.
      yield ctx.df.callActivityWithRetry("startVm", ARM_RETRY, { ...base, seenStopped: true });
      newVmBooted = true;
    } else {
      step = "delete-vm";
      progress(ctx, input.operationId, step);
      undo.length = 0;
      undo.push("recreatePrevious");
      yield ctx.df.callActivityWithRetry("deleteVm", ARM_RETRY, base);

      step = "create-vm";
      since = ctx.df.currentUtcDateTime.toISOString();
      progress(ctx, input.operationId, step, to);
      yield ctx.df.callActivityWithRetry("createVm", ARM_RETRY, { ...base, version: to, diskId, nicId });
      newVmBooted = true;
    }

    yield* bringUp(ctx, base, { since, expectVersion: to }, (s) => {
      step = s;
      progress(ctx, input.operationId, s);
    });
    undo.length = 0;

    if (oldOsDiskId) {
      step = "cleanup-old-os-disk";
      try {
        yield ctx.df.callActivityWithRetry("deleteOldOsDisk", ARM_RETRY, { ...base, osDiskId: oldOsDiskId });
      } catch (e) {
        // The claw is upgraded and verified; a leftover OS disk is recorded, not a failure.
        leftover = `${oldOsDiskId.split("/").pop()} (${failureOf(e).message})`;
      }
    }

    if (wasParked) {
      step = "re-park";
      progress(ctx, input.operationId, step);
      yield ctx.df.callActivityWithRetry("deallocateVm", ARM_RETRY, base);
    }

    progress(ctx, input.operationId, "done", to);
    yield ctx.df.callActivityWithRetry("finishOperation", RECORD_RETRY, {
      ...base,
      status: "succeeded",
      details: {
        fromVersion: from,
        toVersion: to,
        strategy: c.upgradeStrategy === "swap" && power.exists ? "swap-os-disk" : "replace-vm",
        snapshot: snapshot?.name,
        leftParked: wasParked,
        ...(leftover ? { leftoverOsDisk: leftover } : {}),
      },
    });
    yield* notifyOperators(ctx, input, true);
    return {
      status: "succeeded",
      fromVersion: from,
      toVersion: to,
      strategy: swap ? "swap-os-disk" : "replace-vm",
    };
  } catch (e) {
    const failure = failureOf(e);
    const from = claw?.imageVersion ?? claw?.spec.imageVersion ?? "";
    progress(ctx, input.operationId, "compensating", `${step}: ${failure.message}`);
    const result: {
      status: string;
      restored?: Record<string, string>;
      undoError?: Failure;
      summary: string;
    } = yield* compensate(ctx, {
      base,
      undo,
      from,
      snapshot,
      newVmBooted,
      diskId,
      nicId,
      region: claw?.spec.region ?? "",
      oldOsDiskId,
    });
    const error = {
      code: failure.code,
      message: result.undoError
        ? `${failure.message}; compensation failed too: ${result.undoError.message}`
        : failure.message,
      step,
    };
    yield ctx.df.callActivityWithRetry("finishOperation", RECORD_RETRY, {
      ...base,
      status: result.status,
      error,
      compensation: undo.length ? { summary: result.summary, restored: result.restored } : undefined,
      details: { fromVersion: from, toVersion: to, snapshot: snapshot?.name },
    });
    yield* notifyOperators(ctx, input, false);
    progress(ctx, input.operationId, result.status, result.summary);
    return { status: result.status, step, error, compensation: result.summary, restored: result.restored };
  }
}

interface CompensationInput {
  base: { op: string; claw: string };
  undo: Undo[];
  from: string;
  snapshot?: { id: string; name: string };
  newVmBooted: boolean;
  diskId: string;
  nicId: string;
  region: string;
  /** A swap's previous OS disk, unattached once the VM is recreated: removed after the restore. */
  oldOsDiskId?: string;
}

function* compensate(
  ctx: OrchestrationContext,
  c: CompensationInput,
): Generator<
  df.Task,
  { status: string; restored?: Record<string, string>; undoError?: Failure; summary: string },
  never
> {
  if (!c.undo.length) return { status: "failed", summary: "nothing had changed; no compensation needed" };
  const restored: Record<string, string> = {};
  try {
    for (const u of [...c.undo].reverse()) {
      if (u === "startAgent") {
        yield ctx.df.callActivityWithRetry("startAgent", SSH_RETRY, c.base);
        restored.agent = "restarted on the untouched VM";
      } else {
        // Remove whatever the failed attempt left (idempotent: a missing VM is success).
        yield ctx.df.callActivityWithRetry("deleteVm", ARM_RETRY, c.base);
        let diskId = c.diskId;
        if (c.newVmBooted && c.snapshot) {
          // The new image booted, so its migrations may have rewritten the data disk: an older
          // binary may refuse that state. Bring back the pre-upgrade data as well.
          const disk: { id: string; name: string } = yield ctx.df.callActivityWithRetry(
            "restoreDisk",
            ARM_RETRY,
            {
              ...c.base,
              snapshotId: c.snapshot.id,
              region: c.region,
            },
          );
          diskId = disk.id;
          restored.dataDisk = `${disk.name} (from snapshot ${c.snapshot.name})`;
        }
        const since = ctx.df.currentUtcDateTime.toISOString();
        yield ctx.df.callActivityWithRetry("createVm", ARM_RETRY, {
          ...c.base,
          version: c.from,
          diskId,
          nicId: c.nicId,
        });
        yield* bringUp(ctx, c.base, { since, expectVersion: c.from });
        restored.imageVersion = c.from;
        if (c.oldOsDiskId) {
          yield ctx.df.callActivityWithRetry("deleteOldOsDisk", ARM_RETRY, {
            ...c.base,
            osDiskId: c.oldOsDiskId,
          });
        }
      }
    }
    const parts = Object.entries(restored).map(([k, v]) => `${k}: ${v}`);
    return { status: "compensated", restored, summary: `restored ${parts.join("; ")}` };
  } catch (e) {
    const undoError = failureOf(e);
    return {
      status: "failed",
      restored,
      undoError,
      summary: `compensation failed (${undoError.code}: ${undoError.message}); the data disk and snapshot ${c.snapshot?.name ?? "(none)"} are kept; manual action needed`,
    };
  }
}

df.app.orchestration("upgradeClaw", upgradeClaw);
