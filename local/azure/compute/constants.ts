/**
 * Compute RP names, limits and error messages, worded as Azure words them
 * (from Azure's REST API specs and error bodies recorded from real calls).
 */
import { ArmError, conflict } from "../arm/errors";

export const PROVIDER = "Microsoft.Compute";
export const VM_TYPE = "Microsoft.Compute/virtualMachines";
export const DISK_TYPE = "Microsoft.Compute/disks";
export const SNAPSHOT_TYPE = "Microsoft.Compute/snapshots";
export const GALLERY_TYPE = "Microsoft.Compute/galleries";
export const GALLERY_IMAGE_TYPE = "Microsoft.Compute/galleries/images";
export const GALLERY_IMAGE_VERSION_TYPE = "Microsoft.Compute/galleries/images/versions";

/** Largest base64 customData CRP accepts. */
export const MAX_CUSTOM_DATA_CHARS = 87_380;
/** Data disks per VM; the twin's sizes all allow this many. */
export const MAX_DATA_DISKS = 64;
export const MAX_DISK_SIZE_GB = 32_767;

export type PowerState = "starting" | "running" | "stopping" | "stopped" | "deallocating" | "deallocated";

export function diskAttachedElsewhere(diskId: string, vmId: string, ownerId: string): ArmError {
  return new ArmError(
    409,
    "ConflictingUserInput",
    `Cannot attach the disk ${diskId.split("/").pop()} to VM ${vmId} because it is already attached to VM ${ownerId}. ` +
      "A disk can be attached to only one VM at a time.",
    { target: diskId },
  );
}

export function diskAttachedCannotDelete(diskName: string, ownerId: string): ArmError {
  return conflict("OperationNotAllowed", `Disk ${diskName} is attached to VM ${ownerId}.`);
}

export function vmMarkedForDeletion(operation: string, vmName: string): ArmError {
  return conflict(
    "OperationNotAllowed",
    `Operation '${operation}' is not allowed on VM '${vmName}' since the VM is marked for deletion. ` +
      "You can only retry the Delete operation (or wait for an ongoing one to complete).",
  );
}

export function vmNotRunning(): ArmError {
  return conflict("OperationNotAllowed", "The operation requires the VM to be running (or set to run).");
}

export function propertyChangeNotAllowed(property: string): ArmError {
  return new ArmError(409, "PropertyChangeNotAllowed", `Changing property '${property}' is not allowed.`, {
    target: property,
  });
}

export function galleryImageNotAvailable(imageId: string, location: string): ArmError {
  return new ArmError(
    404,
    "GalleryImageNotFound",
    `The gallery image ${imageId} is not available in ${location} region. Please contact image owner to replicate ` +
      "to this region, or change your requested region.",
    { target: "imageReference" },
  );
}

export function patchNotFound(name: string, id: string): ArmError {
  return new ArmError(
    404,
    "PatchResourceNotFound",
    `The resource '${id}' was not found when evaluating policies for a PATCH operation.`,
    { target: name, headers: { "x-ms-failure-cause": "gateway" } },
  );
}
