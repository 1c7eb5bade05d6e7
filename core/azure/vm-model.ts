/**
 * The claw VM's ARM model: what createVm sends, and how a VM read back is summarised (power state
 * from the instance view, image version from our tag) and compared with a requested spec.
 */
import { randomBytes } from "node:crypto";
import type { VirtualMachine } from "@azure/arm-compute";
import { clawResourceNames } from "../domain/naming";
import { CLAW_TAG, IMAGE_VERSION_TAG, type CreateVmInput, type PowerState, type VmInfo } from "./types";
import { sameId } from "./ids";

const POWER_STATES = new Set<PowerState>([
  "starting",
  "running",
  "stopping",
  "stopped",
  "deallocating",
  "deallocated",
]);

/** The power state from `PowerState/<state>` in the instance view ("unknown" when absent). */
export function powerStateOf(vm: VirtualMachine): PowerState {
  const code = vm.instanceView?.statuses?.find((s) => s.code?.startsWith("PowerState/"))?.code;
  const state = code?.slice("PowerState/".length).toLowerCase() as PowerState | undefined;
  return state && POWER_STATES.has(state) ? state : "unknown";
}

export function toVmInfo(vm: VirtualMachine): VmInfo {
  const tags = vm.tags ?? {};
  return {
    id: vm.id ?? "",
    ...(vm.vmId ? { vmId: vm.vmId } : {}),
    ...(vm.provisioningState ? { provisioningState: vm.provisioningState } : {}),
    powerState: powerStateOf(vm),
    ...(tags[IMAGE_VERSION_TAG] ? { imageVersion: tags[IMAGE_VERSION_TAG] } : {}),
    ...(vm.storageProfile?.imageReference?.id
      ? { imageReferenceId: vm.storageProfile.imageReference.id }
      : {}),
    dataDisks: (vm.storageProfile?.dataDisks ?? [])
      .filter((d) => d.managedDisk?.id && !d.toBeDetached)
      .map((d) => ({
        lun: d.lun,
        diskId: d.managedDisk!.id!,
        ...(d.deleteOption ? { deleteOption: d.deleteOption } : {}),
      })),
    nicIds: (vm.networkProfile?.networkInterfaces ?? []).map((n) => n.id ?? "").filter(Boolean),
    tags,
  };
}

/** What differs between an existing VM and the requested spec (empty when it is the same claw VM). */
export function specDifferences(vm: VirtualMachine, a: CreateVmInput, imageId: string): string[] {
  const info = toVmInfo(vm);
  const out: string[] = [];
  if (!sameId(info.imageReferenceId, imageId)) {
    out.push(`image ${info.imageVersion ?? info.imageReferenceId ?? "?"} instead of ${a.imageVersion}`);
  }
  // A VM created without a data disk (a standby) may have had one handed to it since.
  const lun0 = info.dataDisks.find((d) => d.lun === 0);
  if (a.dataDiskId && !sameId(lun0?.diskId, a.dataDiskId))
    out.push(`data disk ${lun0?.diskId ?? "none"} at LUN 0`);
  if (!info.nicIds.some((n) => sameId(n, a.nicId))) out.push(`NICs ${info.nicIds.join(", ") || "none"}`);
  return out;
}

/**
 * The VM model for a claw: OS disk from the gallery version (deleted with the VM), the data disk
 * attached at LUN 0 and the NIC, both detached (kept) when the VM is deleted.
 */
export function clawVmModel(a: CreateVmInput, imageId: string, osDiskName?: string): VirtualMachine {
  const names = clawResourceNames(a.claw);
  return {
    location: a.location,
    tags: { ...a.tags, [CLAW_TAG]: a.claw, [IMAGE_VERSION_TAG]: a.imageVersion },
    hardwareProfile: { vmSize: a.vmSize },
    storageProfile: {
      imageReference: { id: imageId },
      osDisk: {
        name: osDiskName ?? names.osDisk(a.imageVersion, randomBytes(4).toString("hex")),
        createOption: "FromImage",
        caching: "ReadWrite",
        deleteOption: "Delete",
        managedDisk: { storageAccountType: a.osDiskSku ?? "Premium_LRS" },
      },
      dataDisks: a.dataDiskId
        ? [
            {
              lun: 0,
              createOption: "Attach",
              caching: "ReadWrite",
              managedDisk: { id: a.dataDiskId },
              deleteOption: "Detach",
            },
          ]
        : [],
    },
    osProfile: {
      // A standby keeps the claw's hostname: it becomes the claw.
      computerName: a.claw,
      adminUsername: a.adminUsername,
      customData: a.customDataBase64,
      linuxConfiguration: {
        disablePasswordAuthentication: true,
        ssh: {
          publicKeys: [
            { path: `/home/${a.adminUsername}/.ssh/authorized_keys`, keyData: a.sshPublicKey.trim() },
          ],
        },
      },
    },
    networkProfile: { networkInterfaces: [{ id: a.nicId, primary: true, deleteOption: "Detach" }] },
  };
}
