/**
 * OS-disk swap: a PUT or PATCH of an existing VM that points storageProfile.osDisk.managedDisk.id
 * at another disk (notes §4 B). CRP allows it only on a stopped or deallocated VM and only to a
 * free OS disk in the VM's region. The model keeps the old imageReference and createOption, as a
 * recording of `az vm update --os-disk` shows; the old disk is left Unattached, not deleted.
 * A swapped-in disk made FromImage is provisioned on its first boot (see bootGuest).
 */
import type { EmulatorContext } from "../context";
import { ArmError, badRequest, conflict, invalidParameter } from "../arm/errors";
import { key } from "../arm/ids";
import { asObject } from "../resources/common";
import { diskDir, type DiskMeta } from "./disks";
import { DISK_TYPE, diskAttachedElsewhere } from "./constants";
import { diskStateFor, linkDisk, sub, type Vm } from "./vm-model";
import type { StoredResource } from "../store";

export interface OsDiskSwap {
  from: string;
  to: StoredResource<DiskMeta>;
}

function notStopped(vm: Vm): ArmError {
  // ⚠ CRP's exact text for this refusal is not in Azure's docs or the recorded bodies; code and status follow its other refusals.
  return conflict(
    "OperationNotAllowed",
    `Operation 'Update VM' is not allowed on VM '${vm.body.name}' since the OS disk can be swapped only ` +
      "while the VM is stopped or deallocated. Stop or deallocate the VM and retry the operation.",
  );
}

/**
 * The swap a VM update asks for (undefined when osDisk.managedDisk.id is absent or unchanged),
 * after CRP's checks: the VM is stopped or deallocated, the disk exists, is an OS disk, is
 * provisioned, is attached to no VM and is in the VM's region.
 */
export function checkOsDiskSwap(
  ctx: EmulatorContext,
  vm: Vm,
  props: Record<string, unknown>,
): OsDiskSwap | undefined {
  const wanted = sub(props, "storageProfile", "osDisk", "managedDisk")?.id;
  if (wanted === undefined || key(String(wanted)) === key(vm.meta.osDiskId)) return undefined;
  if (vm.meta.power !== "stopped" && vm.meta.power !== "deallocated") throw notStopped(vm);
  const id = String(wanted);
  const disk = ctx.store.get<DiskMeta>(id);
  if (!disk || disk.type !== DISK_TYPE) {
    throw new ArmError(404, "NotFound", `Disk ${id.split("/").pop() ?? id} not found.`, {
      target: "osDisk.managedDisk.id",
    });
  }
  if (typeof disk.body.properties.osType !== "string") {
    throw invalidParameter(
      `Disk ${disk.body.name} cannot be used as an OS disk: it has no osType.`,
      "osDisk.managedDisk.id",
    );
  }
  if (disk.body.properties.provisioningState !== "Succeeded" || ctx.ops.running(disk.id)) {
    throw conflict(
      "OperationNotAllowed",
      `Disk ${disk.body.name} is not ready to be attached (provisioningState ${String(disk.body.properties.provisioningState)}).`,
      "osDisk.managedDisk.id",
    );
  }
  const owner = disk.body.managedBy;
  if (typeof owner === "string") {
    if (key(owner) !== key(vm.id)) throw diskAttachedElsewhere(disk.id, vm.id, owner);
    throw conflict(
      "OperationNotAllowed",
      `Disk ${disk.body.name} is already attached to VM ${vm.id} as a data disk.`,
      "osDisk.managedDisk.id",
    );
  }
  if (disk.body.location !== vm.body.location) {
    throw badRequest(
      "BadRequest",
      `Disk ${disk.id} is in region '${String(disk.body.location)}', the VM in '${String(vm.body.location)}'.`,
    );
  }
  return { from: vm.meta.osDiskId, to: disk };
}

/**
 * Points the VM at the new OS disk: model (osDisk name, id, SKU, size), disk ownership (the new one
 * Attached or Reserved, the old one Unattached) and the data disks' LUN links, which leave the old
 * root (the next boot makes them in the new root).
 */
export async function applyOsDiskSwap(ctx: EmulatorContext, vm: Vm, swap: OsDiskSwap): Promise<void> {
  const osDisk = sub(vm.body.properties, "storageProfile", "osDisk") ?? {};
  const managed = asObject(osDisk.managedDisk) ?? {};
  (vm.body.properties.storageProfile as Record<string, unknown>).osDisk = {
    ...osDisk,
    name: swap.to.body.name,
    managedDisk: {
      ...managed,
      id: swap.to.id,
      storageAccountType: String(
        asObject(swap.to.body.sku)?.name ?? managed.storageAccountType ?? "Premium_LRS",
      ),
    },
    diskSizeGB: Number(swap.to.body.properties.diskSizeGB),
  };
  vm.meta.osDiskId = swap.to.id;
  linkDisk(ctx, swap.to.id, vm.id, diskStateFor(vm.meta.power));
  const old = ctx.store.get<DiskMeta>(swap.from);
  linkDisk(ctx, swap.from, undefined, "Unattached");
  ctx.store.save();
  if (old) await ctx.guests.detachAll(diskDir(ctx, old));
}
