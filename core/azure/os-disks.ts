/**
 * OS-disk swap (notes §4 B), the faster upgrade: an OS disk made FromImage from the new gallery
 * version while the VM still runs, then, with the VM stopped, a PUT of the VM pointing
 * storageProfile.osDisk at it. The VM keeps its NIC, IP, vmId and data disks; its model keeps the
 * old imageReference (as on Azure), so the running version is our tag. The old OS disk is left
 * Unattached for a rollback until deleteOsDisk removes it.
 */
import type { Disk, OSDisk, VirtualMachine } from "@azure/arm-compute";
import { ClawError } from "../errors";
import { clawResourceNames } from "../domain/naming";
import { deleted } from "./errors";
import { normalizeRegion } from "./images";
import { powerStateOf } from "./vm-model";
import { CLAW_TAG, IMAGE_VERSION_TAG, PREVIOUS_OS_DISK_TAG, type GatewayContext } from "./types";
import { lastSegment, resourceGroupOf, sameId } from "./ids";

/** Suffix of the OS disk createOsDiskFromImage names when the caller gives none. */
export const DEFAULT_OS_DISK_SUFFIX = "swap";

/** ARM's limit for a tag value. */
const MAX_TAG_VALUE = 256;

export function osDiskOperations(
  g: GatewayContext,
  readVm: (claw: string) => Promise<VirtualMachine | undefined>,
) {
  async function readDisk(operation: string, rg: string, name: string): Promise<Disk | undefined> {
    return g.run.find({ operation, resource: name }, (abortSignal) =>
      g.compute.disks.get(rg, name, { abortSignal }),
    );
  }

  /**
   * An OS disk for `claw` made from gallery version `imageVersion` (named by naming.ts's
   * osDisk(version, suffix), suffix "swap" unless given). Idempotent: a disk of that name made from
   * that version is reused; one made from anything else, or in another region, is a CONFLICT. A
   * missing or unreplicated version is IMAGE_NOT_FOUND.
   */
  async function createOsDiskFromImage(a: {
    claw: string;
    imageVersion: string;
    location: string;
    sku?: string;
    suffix?: string;
  }): Promise<{ id: string; name: string }> {
    const name = clawResourceNames(a.claw).osDisk(a.imageVersion, a.suffix ?? DEFAULT_OS_DISK_SUFFIX);
    const ctx = { operation: "createOsDiskFromImage", resource: name };
    const imageId = `${g.galleryImageId}/versions/${a.imageVersion}`;
    const existing = await readDisk(ctx.operation, g.rg, name);
    if (existing) {
      if (!sameId(existing.creationData?.galleryImageReference?.id, imageId)) {
        throw new ClawError(
          "CONFLICT",
          `Disk ${name} exists and was not made from image ${a.imageVersion}.`,
          {
            details: ctx,
          },
        );
      }
      if (normalizeRegion(existing.location ?? "") !== normalizeRegion(a.location)) {
        throw new ClawError("CONFLICT", `Disk ${name} exists in ${existing.location}, not ${a.location}.`, {
          details: ctx,
        });
      }
      if (existing.provisioningState?.toLowerCase() === "succeeded") return { id: existing.id ?? "", name };
      g.log(
        `azure: createOsDiskFromImage ${name}: disk is ${existing.provisioningState}; submitting it again`,
      );
    }
    const d = await g.run.lro(ctx, (signal) =>
      g.compute.disks
        .createOrUpdate(
          g.rg,
          name,
          {
            location: a.location,
            sku: { name: a.sku ?? "Premium_LRS" },
            creationData: { createOption: "FromImage", galleryImageReference: { id: imageId } },
            tags: { [CLAW_TAG]: a.claw, [IMAGE_VERSION_TAG]: a.imageVersion },
          },
          g.lroOptions(signal),
        )
        .pollUntilDone({ abortSignal: signal }),
    );
    return { id: d.id ?? "", name };
  }

  /** Refuses a target disk that is missing or held by a VM, before the PUT. */
  async function assertSwappable(claw: string, osDiskId: string): Promise<void> {
    const name = lastSegment(osDiskId);
    const disk = await readDisk("swapOsDisk", resourceGroupOf(osDiskId, g.rg), name);
    if (!disk) {
      throw new ClawError("NOT_FOUND", `OS disk ${name} does not exist.`, {
        details: { operation: "swapOsDisk", resource: name },
      });
    }
    if (disk.managedBy) {
      throw new ClawError(
        "DISK_ATTACHED_ELSEWHERE",
        `Disk ${name} is attached to ${disk.managedBy}; it cannot become the OS disk of ${claw}.`,
        { details: { operation: "swapOsDisk", resource: name, managedBy: disk.managedBy } },
      );
    }
  }

  /**
   * Makes `osDiskId` the OS disk of the claw's VM (GET, modify osDisk name and id, PUT) and sets the
   * image-version tag to `imageVersion`. The VM must be stopped or deallocated (CONFLICT, not
   * retryable, otherwise). Idempotent: a VM already on that disk only gets its tag fixed. Returns the
   * OS disk it had before (from the tag written by the swap when the swap had already happened).
   */
  async function swapOsDisk(a: {
    claw: string;
    osDiskId: string;
    imageVersion: string;
  }): Promise<{ previousOsDiskId: string }> {
    const ctx = { operation: "swapOsDisk", resource: a.claw };
    const vm = await readVm(a.claw);
    if (!vm) throw new ClawError("NOT_FOUND", `Claw ${a.claw} has no VM.`, { details: ctx });
    const osDisk: OSDisk = vm.storageProfile?.osDisk ?? { createOption: "FromImage" };
    const current = osDisk.managedDisk?.id ?? "";
    const tags = vm.tags ?? {};
    const already = sameId(current, a.osDiskId);
    if (already && tags[IMAGE_VERSION_TAG] === a.imageVersion) {
      return { previousOsDiskId: tags[PREVIOUS_OS_DISK_TAG] ?? "" };
    }
    const power = powerStateOf(vm);
    if (!already && power !== "stopped" && power !== "deallocated") {
      throw new ClawError(
        "CONFLICT",
        `VM ${a.claw} is ${power}; its OS disk can be swapped only while it is stopped or deallocated (powerOffVm first).`,
        { details: { ...ctx, powerState: power } },
      );
    }
    if (!already) await assertSwappable(a.claw, a.osDiskId);
    const previous = already ? (tags[PREVIOUS_OS_DISK_TAG] ?? "") : current;
    const { instanceView: _view, resources: _extensions, ...model } = vm;
    const { diskSizeGB: _size, ...keptOsDisk } = osDisk;
    const next: VirtualMachine = {
      ...model,
      tags: {
        ...tags,
        [IMAGE_VERSION_TAG]: a.imageVersion,
        ...(previous && previous.length <= MAX_TAG_VALUE ? { [PREVIOUS_OS_DISK_TAG]: previous } : {}),
      },
      storageProfile: {
        ...vm.storageProfile,
        // The new disk's own size and SKU apply; sending the old ones could ask Azure to resize it.
        osDisk: { ...keptOsDisk, name: lastSegment(a.osDiskId), managedDisk: { id: a.osDiskId } },
      },
    };
    await g.run.lro(ctx, (signal) =>
      g.compute.virtualMachines
        .createOrUpdate(g.rg, a.claw, next, g.lroOptions(signal))
        .pollUntilDone({ abortSignal: signal }),
    );
    return { previousOsDiskId: previous };
  }

  /**
   * Deletes an OS disk no VM holds (an old one after a swap). A disk held by a VM is
   * DISK_ATTACHED_ELSEWHERE; a disk that is not an OS disk (no osType: a data disk) is BAD_REQUEST,
   * so this can never delete a claw's data. A disk that does not exist is already deleted.
   */
  async function deleteOsDisk(name: string): Promise<void> {
    const ctx = { operation: "deleteOsDisk", resource: name };
    const disk = await readDisk(ctx.operation, g.rg, name);
    if (!disk) return;
    if (disk.managedBy || disk.diskState === "Attached" || disk.diskState === "Reserved") {
      throw new ClawError(
        "DISK_ATTACHED_ELSEWHERE",
        `Disk ${name} is ${disk.diskState}${disk.managedBy ? ` to ${disk.managedBy}` : ""}; refusing to delete it.`,
        { details: { ...ctx, managedBy: disk.managedBy } },
      );
    }
    if (!disk.osType) {
      throw new ClawError("BAD_REQUEST", `Disk ${name} is not an OS disk; deleteOsDisk refuses it.`, {
        details: ctx,
      });
    }
    await deleted(
      g.run.lro(ctx, (signal) =>
        g.compute.disks.delete(g.rg, name, g.lroOptions(signal)).pollUntilDone({ abortSignal: signal }),
      ),
    );
  }

  return { createOsDiskFromImage, swapOsDisk, deleteOsDisk };
}
