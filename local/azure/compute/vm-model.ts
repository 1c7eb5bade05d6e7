/**
 * The VM's ARM model: request validation (what CRP refuses and how it words it), data-disk
 * attach/detach resolution and disk-state bookkeeping shared by create, update and delete.
 */
import { randomBytes } from "node:crypto";
import type { EmulatorContext } from "../context";
import { ArmError, badRequest, invalidParameter } from "../arm/errors";
import { parseId } from "../arm/ids";
import type { StoredResource } from "../store";
import { asObject, requiredParameter } from "../resources/common";
import {
  DISK_TYPE,
  MAX_CUSTOM_DATA_CHARS,
  MAX_DATA_DISKS,
  type PowerState,
  diskAttachedElsewhere,
} from "./constants";
import type { DiskMeta } from "./disks";

export interface VmMeta {
  power: PowerState;
  imageVersionId: string;
  osDiskId: string;
  /**
   * base64 custom data from the create (or a later update): Azure keeps it, the GET never shows
   * it. Only the create's provisioning uses it (nothing re-runs it for a swapped-in OS disk).
   */
  customData?: string;
  /** Loopback port of the guest's SSH server, kept so it stays put across restarts. */
  sshPort?: number;
  deleting?: boolean;
  /** The create failed: a later PUT provisions the VM again (CRP's recovery). */
  createFailed?: boolean;
}

export type Vm = StoredResource<VmMeta>;

export interface DataDiskEntry {
  lun: number;
  name: string;
  createOption: string;
  caching: string;
  managedDisk: { id: string; storageAccountType?: string };
  deleteOption: string;
  diskSizeGB?: number;
  toBeDetached: boolean;
  writeAcceleratorEnabled: boolean;
}

/** Admin names CRP rejects on Linux. */
const RESERVED_ADMIN_NAMES = new Set([
  "root",
  "admin",
  "administrator",
  "adm",
  "sys",
  "guest",
  "test",
  "user",
  "daemon",
  "bin",
]);

export function sub(body: Record<string, unknown>, ...path: string[]): Record<string, unknown> | undefined {
  let cur: Record<string, unknown> | undefined = body;
  for (const p of path) cur = asObject(cur?.[p]);
  return cur;
}

/** Checks the parts of a new VM's model that CRP checks synchronously. */
export function validateNewVm(props: Record<string, unknown>): void {
  if (!sub(props, "hardwareProfile")?.vmSize) throw requiredParameter("hardwareProfile.vmSize");
  const image = sub(props, "storageProfile", "imageReference");
  if (!image) throw requiredParameter("storageProfile.imageReference");
  if (typeof image.id !== "string") {
    throw invalidParameter(
      "The emulator creates VMs from Compute Gallery images only: set storageProfile.imageReference.id.",
      "imageReference",
    );
  }
  const osDisk = sub(props, "storageProfile", "osDisk");
  if (osDisk?.createOption !== undefined && String(osDisk.createOption).toLowerCase() !== "fromimage") {
    throw invalidParameter(
      "The emulator supports osDisk.createOption 'FromImage' only.",
      "osDisk.createOption",
    );
  }
  const os = sub(props, "osProfile");
  if (!os) throw requiredParameter("osProfile");
  const admin = os.adminUsername;
  if (typeof admin !== "string" || admin === "") throw requiredParameter("osProfile.adminUsername");
  if (RESERVED_ADMIN_NAMES.has(admin.toLowerCase()) || !/^[a-z_][a-z0-9_.-]{0,63}$/i.test(admin)) {
    throw invalidParameter("The Admin Username specified is not allowed.", "adminUsername");
  }
  const keys = sub(os, "linuxConfiguration", "ssh")?.publicKeys;
  if (!Array.isArray(keys) || keys.length === 0) {
    if (typeof os.adminPassword !== "string")
      throw requiredParameter("osProfile.linuxConfiguration.ssh.publicKeys");
  }
  if (os.customData !== undefined) validateCustomData(os.customData);
  const nics = sub(props, "networkProfile")?.networkInterfaces;
  if (!Array.isArray(nics) || nics.length === 0) throw requiredParameter("networkProfile.networkInterfaces");
}

export function validateCustomData(v: unknown): void {
  const s = String(v);
  if (s.length > MAX_CUSTOM_DATA_CHARS || !/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) {
    throw invalidParameter(
      `Custom data in OSProfile must be in Base64 encoding and with a maximum length of ${MAX_CUSTOM_DATA_CHARS} characters.`,
      "customData",
    );
  }
}

/** The keys a Linux VM's admin may log in with (authorized_keys lines). */
export function authorizedKeys(props: Record<string, unknown>): string[] {
  const keys = sub(props, "osProfile", "linuxConfiguration", "ssh")?.publicKeys;
  return Array.isArray(keys)
    ? keys.map((k) => String(asObject(k)?.keyData ?? "").trim()).filter(Boolean)
    : [];
}

/** Whether the disk is "Attached" or "Reserved" (VM deallocated), as Azure reports diskState. */
export function diskStateFor(power: PowerState): string {
  return power === "deallocated" || power === "deallocating" ? "Reserved" : "Attached";
}

/**
 * Resolves the requested data disks of `vmId` (entries marked toBeDetached dropped): normalised
 * entries plus the disks that must be attached. Throws CRP's errors for missing disks, disks owned by
 * another VM, region mismatches and duplicate LUNs. Empty disks are returned to be created.
 */
export function resolveDataDisks(
  ctx: EmulatorContext,
  vmId: string,
  vmName: string,
  location: string,
  requested: unknown,
): { entries: DataDiskEntry[]; toCreate: DataDiskEntry[] } {
  if (requested === undefined) return { entries: [], toCreate: [] };
  if (!Array.isArray(requested)) throw invalidParameter("dataDisks must be an array.", "dataDisks");
  const entries: DataDiskEntry[] = [];
  const toCreate: DataDiskEntry[] = [];
  const luns = new Set<number>();
  for (const raw of requested) {
    const d = asObject(raw) ?? {};
    if (d.toBeDetached === true) continue;
    const lun = Number(d.lun);
    if (!Number.isInteger(lun) || lun < 0 || lun >= MAX_DATA_DISKS) throw requiredParameter("dataDisks.lun");
    if (luns.has(lun))
      throw invalidParameter(`Data disk LUN ${lun} is specified more than once.`, "dataDisks");
    luns.add(lun);
    const option = String(d.createOption ?? "");
    const managed = asObject(d.managedDisk) ?? {};
    const base = {
      lun,
      caching: String(d.caching ?? "None"),
      deleteOption: String(d.deleteOption ?? "Detach"),
      toBeDetached: false,
      writeAcceleratorEnabled: d.writeAcceleratorEnabled === true,
    };
    if (option.toLowerCase() === "attach") {
      const diskId = String(managed.id ?? "");
      const disk = ctx.store.get<DiskMeta>(diskId);
      if (!disk || disk.type !== DISK_TYPE) {
        throw new ArmError(404, "NotFound", `Disk ${diskId.split("/").pop() ?? diskId} not found.`, {
          target: "managedDisk.id",
        });
      }
      const owner = disk.body.managedBy;
      if (typeof owner === "string" && owner.toLowerCase() !== vmId.toLowerCase()) {
        throw diskAttachedElsewhere(disk.id, vmId, owner);
      }
      if (disk.body.location !== location) {
        throw badRequest(
          "BadRequest",
          `Disk ${disk.id} is in region '${String(disk.body.location)}', the VM in '${location}'.`,
        );
      }
      entries.push({
        ...base,
        name: disk.body.name,
        createOption: "Attach",
        managedDisk: {
          id: disk.id,
          storageAccountType: (asObject(disk.body.sku)?.name as string) ?? "Standard_LRS",
        },
        diskSizeGB: Number(disk.body.properties.diskSizeGB),
      });
    } else if (option.toLowerCase() === "empty") {
      if (d.diskSizeGB === undefined) throw requiredParameter("dataDisks.diskSizeGB");
      const name = String(d.name ?? `${vmName}_disk${lun + 1}_${randomBytes(16).toString("hex")}`);
      const id = `/subscriptions/${parseId(vmId)!.subscriptionId}/resourceGroups/${parseId(vmId)!.resourceGroup}/providers/Microsoft.Compute/disks/${name}`;
      const entry = {
        ...base,
        name,
        createOption: "Empty",
        managedDisk: { id, storageAccountType: String(managed.storageAccountType ?? "Standard_LRS") },
        diskSizeGB: Number(d.diskSizeGB),
      };
      entries.push(entry);
      toCreate.push(entry);
    } else {
      throw invalidParameter(
        `The emulator supports dataDisks createOption Attach or Empty, not '${option}'.`,
        "dataDisks.createOption",
      );
    }
  }
  return { entries, toCreate };
}

/** Sets a disk's owner and state (undefined owner = detached). */
export function linkDisk(
  ctx: EmulatorContext,
  diskId: string,
  owner: string | undefined,
  state: string,
): void {
  const disk = ctx.store.get(diskId);
  if (!disk) return;
  if (owner) disk.body.managedBy = owner;
  else delete disk.body.managedBy;
  disk.body.properties.diskState = owner ? state : "Unattached";
  ctx.store.save();
}
