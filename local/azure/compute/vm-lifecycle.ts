/**
 * What VM operations do when they complete (create, update, delete) and how an update of an
 * existing VM (PUT or PATCH) is checked and started. Guest effects (boot, disk hot-plug, shutdown)
 * happen here, at the moment Azure would make them happen.
 */
import type { EmulatorContext } from "../context";
import { ArmError, concurrentRequest, conflict } from "../arm/errors";
import type { ArmRequest, ArmResponse } from "../arm/http";
import { key, normalizeLocation } from "../arm/ids";
import type { OperationRecord } from "../store";
import { asObject, locationMismatch, properties, readTags } from "../resources/common";
import { destroyDisk, diskDir, type DiskMeta } from "./disks";
import { PROVIDER, propertyChangeNotAllowed, vmMarkedForDeletion } from "./constants";
import { applyOsDiskSwap, checkOsDiskSwap } from "./vm-os-swap";
import { applyDiskChange, dataDisksOf, planDiskChange, type DiskChange } from "./vm-disks";
import {
  diskStateFor,
  linkDisk,
  resolveDataDisks,
  sub,
  validateCustomData,
  type Vm,
  type VmMeta,
} from "./vm-model";

export { dataDisksOf };

function vmOf(ctx: EmulatorContext, op: OperationRecord): Vm {
  const vm = ctx.store.get<VmMeta>(op.resourceId);
  if (!vm) throw new ArmError(404, "NotFound", `The VM ${op.resourceId} no longer exists.`);
  return vm;
}

/** The guest's root directory (its OS disk's contents). */
export function guestRoot(ctx: EmulatorContext, vm: Vm): string {
  const os = ctx.store.get<DiskMeta>(vm.meta.osDiskId);
  if (!os) throw new ArmError(500, "InternalExecutionError", "The VM's OS disk is missing.");
  return diskDir(ctx, os);
}

/** Plugs every attached data disk into the guest (its /dev/disk/azure/scsi1/lunN links). */
export async function plugDisks(ctx: EmulatorContext, vm: Vm): Promise<void> {
  const root = guestRoot(ctx, vm);
  for (const d of dataDisksOf(vm)) {
    const disk = ctx.store.get<DiskMeta>(d.managedDisk.id);
    if (disk) await ctx.guests.attach(root, d.lun, diskDir(ctx, disk));
  }
}

/**
 * Brings the guest up: SSH listening, boot script scheduled ("guest.provision" delay on a VM's
 * first boot, when cloud-init installs the app layer; "guest.boot" otherwise). A swapped-in OS
 * disk boots as it is: Azure runs no provisioning for it.
 */
export async function bootGuest(ctx: EmulatorContext, vm: Vm, firstBoot: boolean): Promise<void> {
  await plugDisks(ctx, vm);
  vm.meta.sshPort = await ctx.guests.powerOn({
    vmId: vm.id,
    root: guestRoot(ctx, vm),
    adminUsername: String(sub(vm.body.properties, "osProfile")?.adminUsername),
    firstBoot,
    preferredPort: vm.meta.sshPort,
  });
  ctx.store.save();
}

export function registerVmCompleters(ctx: EmulatorContext): void {
  ctx.ops.register("vm.create", {
    async complete(op) {
      const vm = vmOf(ctx, op);
      vm.meta.power = "running";
      vm.body.properties.provisioningState = "Succeeded";
      ctx.store.save();
      await bootGuest(ctx, vm, true);
    },
    fail(op) {
      const vm = ctx.store.get<VmMeta>(op.resourceId);
      if (!vm || vm.meta.deleting) return;
      vm.body.properties.provisioningState = "Failed";
      vm.meta.power = "stopped";
      vm.meta.createFailed = true;
      ctx.store.save();
    },
  });
  ctx.ops.register("vm.update", {
    async complete(op) {
      const vm = vmOf(ctx, op);
      const root = guestRoot(ctx, vm);
      const detached = new Set<string>();
      for (const id of (op.input?.detach ?? []) as string[]) {
        const disk = ctx.store.get<DiskMeta>(id);
        linkDisk(ctx, id, undefined, "Unattached");
        detached.add(key(id));
        // The device leaves the guest; a file system still mounted on it goes with it, unclean.
        if (disk) await ctx.guests.detach(root, diskDir(ctx, disk));
      }
      const storage = vm.body.properties.storageProfile as Record<string, unknown>;
      storage.dataDisks = dataDisksOf(vm).filter((d) => !detached.has(key(d.managedDisk.id)));
      // A PUT on a VM whose create failed provisions it again, as CRP does: it ends up running.
      if (op.input?.recover === true) {
        vm.meta.power = "running";
        delete vm.meta.createFailed;
      }
      for (const d of dataDisksOf(vm)) linkDisk(ctx, d.managedDisk.id, vm.id, diskStateFor(vm.meta.power));
      vm.body.properties.provisioningState = "Succeeded";
      if (op.input?.output === "storageProfile") op.output = storage;
      ctx.store.save();
      if (op.input?.recover === true) await bootGuest(ctx, vm, true);
      else if (vm.meta.power === "running") await plugDisks(ctx, vm);
    },
    fail(op) {
      const vm = ctx.store.get<VmMeta>(op.resourceId);
      if (vm && !vm.meta.deleting) vm.body.properties.provisioningState = "Failed";
      ctx.store.save();
    },
  });
  ctx.ops.register("vm.delete", {
    async complete(op) {
      const vm = ctx.store.get<VmMeta>(op.resourceId);
      if (!vm) return;
      await ctx.guests.powerOff(vm.id);
      const root = guestRoot(ctx, vm);
      for (const d of dataDisksOf(vm)) {
        const disk = ctx.store.get<DiskMeta>(d.managedDisk.id);
        if (!disk) continue;
        await ctx.guests.detach(root, diskDir(ctx, disk));
        if (d.deleteOption.toLowerCase() === "delete") await destroyDisk(ctx, disk);
        else linkDisk(ctx, disk.id, undefined, "Unattached");
      }
      const osDisk = ctx.store.get<DiskMeta>(vm.meta.osDiskId);
      const osDelete = String(sub(vm.body.properties, "storageProfile", "osDisk")?.deleteOption ?? "Detach");
      if (osDisk && osDelete.toLowerCase() === "delete") await destroyDisk(ctx, osDisk);
      else if (osDisk) linkDisk(ctx, osDisk.id, undefined, "Unattached");
      for (const ref of (sub(vm.body.properties, "networkProfile")?.networkInterfaces ?? []) as Record<
        string,
        unknown
      >[]) {
        const nic = ctx.store.get(String(ref.id));
        if (!nic) continue;
        delete nic.body.properties.virtualMachine;
        if (String(asObject(ref.properties)?.deleteOption ?? "Detach").toLowerCase() === "delete") {
          releasePublicIps(ctx, nic.id);
          ctx.store.delete(nic.id);
        }
      }
      ctx.guests.forget(vm.id);
      ctx.store.delete(vm.id);
    },
  });
}

function releasePublicIps(ctx: EmulatorContext, nicId: string): void {
  for (const pip of ctx.store.list("Microsoft.Network/publicIPAddresses")) {
    const user = asObject(pip.body.properties.ipConfiguration)?.id;
    if (user && key(String(user)).startsWith(key(nicId) + "/")) delete pip.body.properties.ipConfiguration;
  }
  ctx.store.save();
}

/** Refuses a new operation on a VM that is being deleted or already busy. */
export function assertVmIdle(ctx: EmulatorContext, vm: Vm, operation: string): void {
  if (vm.meta.deleting) throw vmMarkedForDeletion(operation, vm.body.name);
  if (ctx.ops.running(vm.id)) throw concurrentRequest();
}

/**
 * PUT on an existing VM or PATCH: the properties Azure lets change (tags, size, data disks, the OS
 * disk of a stopped VM) are applied; the ones it refuses give its errors. Disk attach/detach
 * completes with the operation; an OS-disk swap is in the model at once (vm-os-swap.ts).
 */
export async function updateVm(
  ctx: EmulatorContext,
  req: ArmRequest,
  vm: Vm,
  body: Record<string, unknown>,
  patch: boolean,
): Promise<ArmResponse> {
  assertVmIdle(ctx, vm, "Update VM");
  const props = properties(body);
  if (body.location !== undefined && normalizeLocation(String(body.location)) !== vm.body.location) {
    throw locationMismatch(
      vm.body.name,
      String(vm.body.location),
      String(body.location),
      req.params.resourceGroupName,
    );
  }
  const imageId = sub(props, "storageProfile", "imageReference")?.id;
  const current = sub(vm.body.properties, "storageProfile", "imageReference")?.id;
  if (imageId !== undefined && String(imageId).toLowerCase() !== String(current).toLowerCase()) {
    throw propertyChangeNotAllowed("imageReference.id");
  }
  const admin = sub(props, "osProfile")?.adminUsername;
  if (admin !== undefined && admin !== sub(vm.body.properties, "osProfile")?.adminUsername) {
    throw propertyChangeNotAllowed("osProfile.adminUsername");
  }
  const swap = checkOsDiskSwap(ctx, vm, props);
  const customData = sub(props, "osProfile")?.customData;
  if (customData !== undefined) validateCustomData(customData);
  const nics = sub(props, "networkProfile")?.networkInterfaces;
  if (Array.isArray(nics)) {
    const want = nics
      .map((n) => key(String(asObject(n)?.id)))
      .sort()
      .join();
    const have = ((sub(vm.body.properties, "networkProfile")?.networkInterfaces ?? []) as { id: string }[])
      .map((n) => key(n.id))
      .sort()
      .join();
    if (want !== have)
      throw conflict(
        "OperationNotAllowed",
        "Changing network interfaces requires the VM to be deallocated; the emulator does not support it.",
      );
  }
  let change: DiskChange | undefined;
  const requestedDisks = sub(props, "storageProfile")?.dataDisks;
  if (requestedDisks !== undefined) {
    const { entries, toCreate } = resolveDataDisks(
      ctx,
      vm.id,
      vm.body.name,
      String(vm.body.location),
      requestedDisks,
    );
    if (toCreate.length > 0)
      throw conflict(
        "OperationNotAllowed",
        "The emulator attaches existing disks only on update (createOption Attach).",
      );
    change = planDiskChange(vm, entries);
  }
  const size = sub(props, "hardwareProfile")?.vmSize;
  if (size !== undefined)
    vm.body.properties.hardwareProfile = { ...sub(vm.body.properties, "hardwareProfile"), vmSize: size };
  const tags = readTags(body);
  if (tags !== undefined || !patch) {
    if (tags) vm.body.tags = tags;
    else delete vm.body.tags;
  }
  if (customData !== undefined) vm.meta.customData = String(customData);
  if (swap) await applyOsDiskSwap(ctx, vm, swap);
  const recover = vm.meta.createFailed === true && !patch;
  const op = beginVmUpdate(ctx, req, vm, change, { recover });
  return { status: 200, headers: ctx.ops.headers(op, req.baseUrl, patch), body: vm.body };
}

/**
 * Starts a VM update operation (model update, data-disk attach/detach): provisioningState
 * Updating, the disk change in the model, completion and guest effects when it is due.
 */
export function beginVmUpdate(
  ctx: EmulatorContext,
  req: ArmRequest,
  vm: Vm,
  change: DiskChange | undefined,
  o: { recover?: boolean; output?: "storageProfile" } = {},
): OperationRecord {
  if (change) applyDiskChange(ctx, vm, change);
  const disksChanged = change !== undefined && change.attach.length + change.detach.length > 0;
  vm.body.properties.provisioningState = "Updating";
  ctx.store.save();
  return ctx.ops.begin(req, {
    kind: "vm.update",
    resourceId: vm.id,
    provider: PROVIDER,
    location: String(vm.body.location),
    durationKind: o.recover ? "vm.create" : disksChanged ? "vm.attachDetach" : "vm.update",
    input: { detach: change?.detach ?? [], recover: o.recover === true, output: o.output },
    monitorReturnsResource: true,
  });
}
