/**
 * The claw's VM: read (with the instance view), create from a gallery version with the data disk
 * attached (idempotent), and delete keeping the data disk.
 */
import type { DataDisk, VirtualMachine } from "@azure/arm-compute";
import { ClawError } from "../errors";
import { deleted } from "./errors";
import { clawVmModel, specDifferences, toVmInfo } from "./vm-model";
import type { CreateVmInput, GatewayContext, VmInfo } from "./types";
import { lastSegment, resourceGroupOf } from "./ids";

const SETTLED = new Set(["succeeded", "failed", "canceled"]);

export function vmOperations(g: GatewayContext, timeouts: { lroMs: number }, pollIntervalMs: number) {
  /** The VM model with its instance view, or undefined when there is no VM. */
  async function readVm(claw: string): Promise<VirtualMachine | undefined> {
    return g.run.find({ operation: "getVm", resource: claw }, (abortSignal) =>
      g.compute.virtualMachines.get(g.rg, claw, { expand: "instanceView", abortSignal }),
    );
  }

  /** The claw's VM (power state, image version, disks, NICs), or undefined when it has none. */
  async function getVm(claw: string): Promise<VmInfo | undefined> {
    const vm = await readVm(claw);
    return vm && toVmInfo(vm);
  }

  /** Waits (polling the model) until a VM's provisioning has settled, within the LRO deadline. */
  async function settledVm(claw: string): Promise<VirtualMachine | undefined> {
    const until = Date.now() + timeouts.lroMs;
    for (;;) {
      const vm = await readVm(claw);
      if (!vm || SETTLED.has((vm.provisioningState ?? "succeeded").toLowerCase())) return vm;
      if (Date.now() >= until) {
        throw new ClawError(
          "AZURE_TIMEOUT",
          `VM ${claw} is still ${vm.provisioningState} after ${timeouts.lroMs} ms.`,
          {
            retryable: true,
            details: { operation: "createVm", resource: claw, timeoutMs: timeouts.lroMs },
          },
        );
      }
      await new Promise((r) => setTimeout(r, pollIntervalMs));
    }
  }

  /** Refuses a data disk that another VM holds, before asking ARM (which would answer 409). */
  async function assertDiskFree(diskId: string, vmId: string): Promise<void> {
    const name = lastSegment(diskId);
    const disk = await g.run.request({ operation: "createVm", resource: name }, (abortSignal) =>
      g.compute.disks.get(resourceGroupOf(diskId, g.rg), name, { abortSignal }),
    );
    if (disk.managedBy && disk.managedBy.toLowerCase() !== vmId.toLowerCase()) {
      throw new ClawError(
        "DISK_ATTACHED_ELSEWHERE",
        `Data disk ${name} is attached to ${disk.managedBy}; it cannot be attached to ${lastSegment(vmId)}.`,
        { details: { operation: "createVm", resource: name, managedBy: disk.managedBy } },
      );
    }
  }

  /**
   * Creates the claw's VM. Idempotent: a VM that already exists from the same spec (image
   * version, data disk at LUN 0, NIC) is returned as it is (after its provisioning settles; a
   * Failed one is PUT again); one from another spec is a CONFLICT. A data disk held by another VM
   * is DISK_ATTACHED_ELSEWHERE, never retried.
   */
  async function createVm(a: CreateVmInput): Promise<{ id: string; vmId?: string }> {
    const imageId = `${g.galleryImageId}/versions/${a.imageVersion}`;
    const vmName = a.vmName ?? a.claw;
    const existing = await settledVm(vmName);
    if (existing) {
      const diff = specDifferences(existing, a, imageId);
      if (diff.length > 0) {
        throw new ClawError(
          "CONFLICT",
          `VM ${vmName} already exists with ${diff.join("; ")}; delete it first.`,
          {
            details: { operation: "createVm", resource: vmName, vmResourceId: existing.id },
          },
        );
      }
      if (existing.provisioningState?.toLowerCase() !== "failed") {
        return { id: existing.id!, ...(existing.vmId ? { vmId: existing.vmId } : {}) };
      }
      g.log(`azure: createVm ${vmName}: VM exists in state Failed; submitting its model again`);
    }
    const vmResourceId = `/subscriptions/${g.subscriptionId}/resourceGroups/${g.rg}/providers/Microsoft.Compute/virtualMachines/${vmName}`;
    if (a.dataDiskId) await assertDiskFree(a.dataDiskId, existing?.id ?? vmResourceId);
    const model = clawVmModel(a, imageId, existing?.storageProfile?.osDisk?.name);
    const vm = await g.run.lro({ operation: "createVm", resource: vmName }, (signal) =>
      g.compute.virtualMachines.createOrUpdate(g.rg, vmName, model, g.lroOptions(signal)).pollUntilDone({
        abortSignal: signal,
      }),
    );
    return { id: vm.id!, ...(vm.vmId ? { vmId: vm.vmId } : {}) };
  }

  /** Makes every data disk of the VM survive its deletion (deleteOption Detach), by PATCH if needed. */
  async function keepDataDisks(claw: string, vm: VirtualMachine): Promise<void> {
    const disks: DataDisk[] = vm.storageProfile?.dataDisks ?? [];
    if (disks.every((d) => (d.deleteOption ?? "Detach").toLowerCase() === "detach")) return;
    g.log(`azure: deleteVm ${claw}: setting deleteOption Detach on its data disks before the delete`);
    const dataDisks: DataDisk[] = disks.map((d) => ({
      lun: d.lun,
      createOption: "Attach",
      ...(d.caching ? { caching: d.caching } : {}),
      managedDisk: { id: d.managedDisk?.id },
      deleteOption: "Detach",
    }));
    await g.run.lro({ operation: "deleteVm", resource: claw }, (signal) =>
      g.compute.virtualMachines
        .update(g.rg, claw, { storageProfile: { dataDisks } }, g.lroOptions(signal))
        .pollUntilDone({ abortSignal: signal }),
    );
  }

  /**
   * Deletes the claw's VM (its OS disk goes with it) and checks that its data disks are left
   * Unattached (AZURE_ERROR, retryable, if one is not). No VM is success.
   */
  async function deleteVm(claw: string): Promise<void> {
    const vm = await readVm(claw);
    if (!vm) return;
    if (vm.provisioningState?.toLowerCase() !== "deleting") await keepDataDisks(claw, vm);
    await deleted(
      g.run.lro({ operation: "deleteVm", resource: claw }, (signal) =>
        g.compute.virtualMachines
          .delete(g.rg, claw, g.lroOptions(signal))
          .pollUntilDone({ abortSignal: signal }),
      ),
    );
    const diskIds = toVmInfo(vm).dataDisks.map((d) => d.diskId);
    for (const id of diskIds) {
      const name = lastSegment(id);
      const disk = await g.run.request({ operation: "deleteVm", resource: name }, (abortSignal) =>
        g.compute.disks.get(resourceGroupOf(id, g.rg), name, { abortSignal }),
      );
      if (disk.managedBy || (disk.diskState && disk.diskState !== "Unattached")) {
        throw new ClawError(
          "AZURE_ERROR",
          `VM ${claw} is deleted but its data disk ${name} is ${disk.diskState} (managedBy ${disk.managedBy ?? "none"}).`,
          { retryable: true, details: { operation: "deleteVm", resource: name } },
        );
      }
    }
  }

  return { getVm, createVm, deleteVm, readVm };
}
