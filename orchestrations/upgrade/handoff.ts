/**
 * Upgrade by handoff (the default). While the claw runs, a standby VM is made from the new version
 * (its own name, NIC and OS disk; cloud-init installs the app layer) and learned through Run
 * Command. Then, in the downtime window: release the disk on the old VM (agent stopped, disk
 * unmounted), detach it online while the claw's public IP moves to the standby's NIC, attach it to
 * the standby at LUN 0, run boot.sh there (it restores the claw's identity from the disk), verify.
 * Only then is the old VM deleted. The agent runs on one VM at a time and the disk is attached to
 * one VM at a time; every step is undone, newest first, if a later one fails.
 */
import { lastSegment } from "../../core/azure/ids";
import type * as df from "durable-functions";
import { clawResourceNames, shortSuffix } from "../../core/domain/naming";
import type { HandoffVm } from "../activities/handoff-activities";
import { activityTask } from "../activity-calls";
import { failureOf } from "../failure";
import {
  ARM,
  RECORD,
  SSH,
  bringUp,
  deferForAgent,
  restoreSnapshotIfTouched,
  type StrategyResult,
  type Upgrade,
  type UpgradeActivities,
} from "./context";

export function* handoff(u: Upgrade): Generator<df.Task, StrategyResult, unknown> {
  const { act, base, claw: c, ctx } = u;
  const old = { vmName: c.vmName, nicName: lastSegment(u.nicId) };
  const names = clawResourceNames(c.name);
  const s = shortSuffix(base.op, 8);
  const planned = { vmName: names.standbyVm(s), nicName: names.standbyNic(s) };

  u.mark("create-standby", u.to);
  u.undo.push("delete-standby", function* () {
    yield* act.retireVm({ ...base, ...planned, diskId: u.diskId }, ARM);
    return `standby ${planned.vmName} deleted`;
  });
  const standby: HandoffVm = yield* act.createStandbyVm(
    { ...base, version: u.to, region: c.spec.region },
    ARM,
  );
  u.mark("await-standby", standby.vmName);
  const ready = yield* act.awaitStandby({ ...base, vmName: standby.vmName }, ARM);
  const clawKey = c.hostKeySha256 ?? "";

  // The standby is ready; a mid-task agent finishes its turn before the window opens.
  const deferred = yield* deferForAgent(u);

  // ---- downtime window: from here the claw's agent is not running until the standby verified.
  const downFrom = ctx.df.currentUtcDateTime.toISOString();
  if (!u.wasParked) {
    u.mark("release-disk", old.vmName);
    u.undo.push("restart-agent-on-old-vm", function* () {
      const since = ctx.df.currentUtcDateTime.toISOString();
      yield* act.bootOnDisk({ ...base, hostKeys: [clawKey], where: old.vmName }, SSH);
      yield* bringUp(u, { since, expectVersion: u.from, marks: false });
      return `agent restarted and verified on ${old.vmName} (${u.from})`;
    });
    yield* act.releaseDisk({ ...base, hostKeys: [clawKey], where: old.vmName }, SSH);
  }

  u.mark("detach-disk", `${old.vmName}; public IP → ${standby.nicName}`);
  u.undo.push("reattach-to-old-vm", function* () {
    yield* act.attachDisk({ ...base, vmName: old.vmName, diskId: u.returnDiskId }, ARM);
    return `data disk ${lastSegment(u.returnDiskId)} attached to ${old.vmName} again`;
  });
  u.undo.push("move-ip-back", function* () {
    yield* act.moveIp({ ...base, from: standby.nicName, to: old.nicName }, ARM);
    return `public IP back on ${old.nicName}`;
  });
  // The IP moves while the disk detaches: two NIC updates inside a wait that happens anyway.
  yield ctx.df.Task.all([
    activityTask<UpgradeActivities, "detachDisk">(
      ctx,
      "detachDisk",
      { ...base, vmName: old.vmName, diskId: u.diskId },
      ARM,
    ),
    activityTask<UpgradeActivities, "moveIp">(
      ctx,
      "moveIp",
      { ...base, from: old.nicName, to: standby.nicName },
      ARM,
    ),
  ]);

  u.mark("attach-disk", standby.vmName);
  u.undo.push("detach-from-standby", function* () {
    yield* act.detachDisk({ ...base, vmName: standby.vmName, diskId: u.diskId }, ARM);
  });
  yield* act.attachDisk({ ...base, vmName: standby.vmName, diskId: u.diskId }, ARM);

  u.mark("boot-standby", standby.vmName);
  u.undo.push("release-on-standby", function* () {
    yield* act.releaseDisk({ ...base, hostKeys: [clawKey, ready.hostKeySha256], where: standby.vmName }, SSH);
  });
  u.undo.push("restore-snapshot", () => restoreSnapshotIfTouched(u));
  const since = ctx.df.currentUtcDateTime.toISOString();
  u.newImageTouchedDisk = true;
  yield* act.bootOnDisk({ ...base, hostKeys: [ready.hostKeySha256, clawKey], where: standby.vmName }, SSH);
  yield* bringUp(u, { since, expectVersion: u.to });
  const downUntil = ctx.df.currentUtcDateTime.toISOString();

  // Verified: the standby is the claw. Nothing is undone past this point.
  u.undo.clear();
  u.mark("adopt", standby.vmName);
  yield* act.adoptVm({ ...base, vm: standby, version: u.to, followSpec: true }, RECORD);

  u.mark("retire-old-vm", old.vmName);
  let leftover: string | undefined;
  try {
    yield* act.retireVm({ ...base, ...old, diskId: u.diskId }, ARM);
  } catch (e) {
    // The claw is upgraded and verified; an old VM left behind is recorded, not a failure.
    leftover = `${old.vmName} (${failureOf(e).message})`;
  }
  return {
    strategy: "handoff",
    vmName: standby.vmName,
    ...deferred,
    downtime: { from: downFrom, until: downUntil },
    ...(leftover ? { leftoverVm: leftover } : {}),
  };
}
