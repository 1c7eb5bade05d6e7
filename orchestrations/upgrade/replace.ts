/**
 * Upgrade in the seed's order (UPGRADE_STRATEGY=replace): release the disk, deallocate, detach,
 * delete the VM, create it again from the new version (same name and NIC, no data disk), learn its
 * host key through Run Command, attach the disk, run boot.sh, verify. Slower than the handoff
 * (the claw is down while the new VM is created and provisioned), kept as the fallback for a
 * subscription without room for a second VM.
 *
 * Rollback before the delete gives the disk back to the old VM and starts it; after the delete it
 * recreates the previous version with the disk (restored from the snapshot when the new image
 * touched it) and verifies it.
 */
import type * as df from "durable-functions";
import {
  ARM,
  RECORD,
  SSH,
  bringUp,
  deferForAgent,
  restoreSnapshotIfTouched,
  type StrategyResult,
  type Upgrade,
} from "./context";

export function* replace(u: Upgrade): Generator<df.Task, StrategyResult, unknown> {
  const { act, base, claw: c, ctx } = u;
  const vmName = c.vmName;
  const clawKey = c.hostKeySha256 ?? "";
  let oldStopped = u.wasParked;
  const deferred = yield* deferForAgent(u);
  const downFrom = ctx.df.currentUtcDateTime.toISOString();

  if (u.vmExists) {
    u.undo.push("restart-old-vm", function* () {
      const since = ctx.df.currentUtcDateTime.toISOString();
      yield* act.attachDisk({ ...base, vmName, diskId: u.returnDiskId }, ARM);
      if (u.wasParked) return `data disk attached to ${vmName} again; left parked`;
      if (oldStopped) {
        yield* act.startVm(base, ARM);
      } else {
        yield* act.bootOnDisk({ ...base, hostKeys: [clawKey], where: vmName }, SSH);
      }
      yield* bringUp(u, { since, expectVersion: u.from, marks: false });
      return `${vmName} running ${u.from} again, verified`;
    });
    if (!u.wasParked) {
      u.mark("release-disk", vmName);
      yield* act.releaseDisk({ ...base, hostKeys: [clawKey], where: vmName }, SSH);
      u.mark("deallocate", vmName);
      oldStopped = true;
      yield* act.deallocateVm(base, ARM);
    }
    u.mark("detach-disk", vmName);
    yield* act.detachDisk({ ...base, vmName, diskId: u.diskId }, ARM);

    // Past the delete the old VM is gone: the only way back is to recreate it.
    u.undo.clear();
    u.undo.push("recreate-previous", () => recreatePrevious(u));
    u.mark("delete-vm", vmName);
    yield* act.deleteVm(base, ARM);
  } else {
    u.undo.push("recreate-previous", () => recreatePrevious(u));
  }

  u.mark("create-vm", u.to);
  yield* act.createVm({ ...base, version: u.to, nicId: u.nicId, vmName }, ARM);
  u.mark("await-first-boot", vmName);
  const ready = yield* act.awaitStandby({ ...base, vmName }, ARM);
  u.mark("attach-disk", vmName);
  yield* act.attachDisk({ ...base, vmName, diskId: u.diskId }, ARM);
  u.mark("boot", vmName);
  const since = ctx.df.currentUtcDateTime.toISOString();
  u.newImageTouchedDisk = true;
  yield* act.bootOnDisk({ ...base, hostKeys: [ready.hostKeySha256, clawKey], where: vmName }, SSH);
  yield* bringUp(u, { since, expectVersion: u.to });
  const downUntil = ctx.df.currentUtcDateTime.toISOString();
  u.undo.clear();
  yield* act.adoptVm(
    {
      ...base,
      vm: { vmName, nicName: u.nicId.split("/").pop() ?? "", nicId: u.nicId },
      version: u.to,
      followSpec: true,
    },
    RECORD,
  );
  return { strategy: "replace", vmName, downtime: { from: downFrom, until: downUntil }, ...deferred };
}

/** Whatever the failed attempt left, the previous version comes back with the claw's data. */
function* recreatePrevious(u: Upgrade): Generator<df.Task, string, unknown> {
  const { act, base, claw: c, ctx } = u;
  yield* act.deleteVm(base, ARM);
  const restored = yield* restoreSnapshotIfTouched(u);
  const since = ctx.df.currentUtcDateTime.toISOString();
  yield* act.createVm(
    { ...base, version: u.from, nicId: u.nicId, diskId: u.returnDiskId, vmName: c.vmName },
    ARM,
  );
  if (u.wasParked) {
    yield* act.waitForSsh({ ...base, since }, SSH);
    yield* act.deallocateVm(base, ARM);
    return `${c.vmName} recreated from ${u.from}${restored ? `; ${restored}` : ""}; left parked`;
  }
  yield* bringUp(u, { since, expectVersion: u.from, marks: false });
  return `${c.vmName} recreated from ${u.from} and verified${restored ? `; ${restored}` : ""}`;
}
