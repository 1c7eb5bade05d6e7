/**
 * Data-disk attach and detach on an existing VM, running or not, in both forms Azure offers: a VM
 * update (PUT/PATCH whose dataDisks drop a disk or mark it `toBeDetached`) and
 * POST .../attachDetachDataDisks. While the operation runs the model shows a leaving disk with
 * `toBeDetached: true` and the disk stays Attached (managedBy the VM); when it completes the disk is
 * Unattached and the guest's LUN link disappears (a mounted file system goes with it, unclean).
 * An arriving disk is the VM's at once (managedBy, so a second VM's attach gets 409) and appears
 * in the guest at its LUN when the operation completes.
 */
import type { EmulatorContext } from "../context";
import { invalidParameter } from "../arm/errors";
import { objectBody, type ArmRequest, type ArmResponse } from "../arm/http";
import { key } from "../arm/ids";
import { asObject } from "../resources/common";
import { MAX_DATA_DISKS } from "./constants";
import { diskStateFor, linkDisk, resolveDataDisks, sub, type DataDiskEntry, type Vm } from "./vm-model";

/** The VM's data disk entries as stored (leaving ones included, marked toBeDetached). */
export function dataDisksOf(vm: Vm): DataDiskEntry[] {
  return (sub(vm.body.properties, "storageProfile")?.dataDisks ?? []) as DataDiskEntry[];
}

export interface DiskChange {
  /** The entries the VM keeps or gains. */
  entries: DataDiskEntry[];
  attach: string[];
  detach: string[];
}

/** What moving from the VM's current data disks to `entries` attaches and detaches. */
export function planDiskChange(vm: Vm, entries: DataDiskEntry[]): DiskChange {
  const before = dataDisksOf(vm);
  const keep = new Set(entries.map((e) => key(e.managedDisk.id)));
  const had = new Set(before.filter((d) => !d.toBeDetached).map((d) => key(d.managedDisk.id)));
  return {
    entries,
    detach: before.filter((d) => !keep.has(key(d.managedDisk.id))).map((d) => d.managedDisk.id),
    attach: entries.filter((e) => !had.has(key(e.managedDisk.id))).map((e) => e.managedDisk.id),
  };
}

/** Puts the change in the model at once: arriving disks owned, leaving ones marked toBeDetached. */
export function applyDiskChange(ctx: EmulatorContext, vm: Vm, change: DiskChange): void {
  for (const id of change.attach) linkDisk(ctx, id, vm.id, diskStateFor(vm.meta.power));
  const leaving = new Set(change.detach.map(key));
  const marked = dataDisksOf(vm)
    .filter((d) => leaving.has(key(d.managedDisk.id)))
    .map((d) => ({ ...d, toBeDetached: true }));
  (vm.body.properties.storageProfile as Record<string, unknown>).dataDisks = [
    ...change.entries,
    ...marked,
  ].sort((a, b) => a.lun - b.lun);
  ctx.store.save();
}

function list(v: unknown, name: string): Record<string, unknown>[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw invalidParameter(`${name} must be an array.`, name);
  return v.map((x) => asObject(x) ?? {});
}

/**
 * POST .../attachDetachDataDisks: `{ dataDisksToAttach: [{ diskId, lun?, caching?, deleteOption? }],
 * dataDisksToDetach: [{ diskId, detachOption? }] }`. Answers 202 with Azure-AsyncOperation and
 * Location; the monitor's final answer is the VM's storageProfile, as the REST spec's example shows.
 */
export async function attachDetachDataDisks(
  ctx: EmulatorContext,
  req: ArmRequest,
  vm: Vm,
  beginUpdate: (change: DiskChange, output: "storageProfile") => ArmResponse,
): Promise<ArmResponse> {
  const body = objectBody(req);
  const toAttach = list(body.dataDisksToAttach, "dataDisksToAttach");
  const toDetach = list(body.dataDisksToDetach, "dataDisksToDetach");
  if (toAttach.length === 0 && toDetach.length === 0) {
    throw invalidParameter(
      "At least one of dataDisksToAttach or dataDisksToDetach must be specified.",
      "dataDisksToAttach",
    );
  }
  const current = dataDisksOf(vm);
  const detach = new Set<string>();
  for (const d of toDetach) {
    const id = String(d.diskId ?? "");
    if (!current.some((c) => key(c.managedDisk.id) === key(id))) {
      throw invalidParameter(
        `Disk '${id.split("/").pop() ?? id}' is not attached to VM '${vm.body.name}'.`,
        "dataDisksToDetach.diskId",
      );
    }
    detach.add(key(id));
  }
  const kept = current.filter((c) => !c.toBeDetached && !detach.has(key(c.managedDisk.id)));
  const used = new Set(kept.map((c) => c.lun));
  const requested: Record<string, unknown>[] = kept.map((c) => ({ ...c }));
  for (const a of toAttach) {
    let lun = a.lun === undefined ? undefined : Number(a.lun);
    if (lun === undefined) {
      lun = 0;
      while (used.has(lun) && lun < MAX_DATA_DISKS) lun++;
    }
    used.add(lun);
    requested.push({
      lun,
      createOption: "Attach",
      managedDisk: { id: String(a.diskId ?? "") },
      caching: a.caching ?? "None",
      deleteOption: a.deleteOption ?? "Detach",
      writeAcceleratorEnabled: a.writeAcceleratorEnabled === true,
    });
  }
  const { entries } = resolveDataDisks(ctx, vm.id, vm.body.name, String(vm.body.location), requested);
  return beginUpdate(planDiskChange(vm, entries), "storageProfile");
}
