/**
 * Managed disks and snapshots: the claw's portable data disk (created only when absent, never
 * modified), snapshots of it, disks restored from snapshots, and guarded deletes.
 */
import type { Disk, Snapshot } from "@azure/arm-compute";
import { ClawError } from "../errors";
import { clawResourceNames } from "../domain/naming";
import { deleted, isNotFound } from "./errors";
import { normalizeRegion } from "./images";
import { CLAW_TAG, type DiskInfo, type GatewayContext, type SnapshotInfo } from "./types";
import { sameId } from "./ids";

/** The confirmation deleteDisk demands, so no caller deletes a data disk by accident. */
export const DELETE_DATA_DISK = "delete-data-disk";

function toInfo(d: Disk): DiskInfo {
  return {
    id: d.id ?? "",
    name: d.name ?? "",
    location: normalizeRegion(d.location ?? ""),
    diskState: String(d.diskState ?? "Unknown"),
    ...(d.managedBy ? { managedBy: d.managedBy } : {}),
    ...(d.diskSizeGB !== undefined ? { sizeGb: d.diskSizeGB } : {}),
    ...(d.provisioningState ? { provisioningState: d.provisioningState } : {}),
    ...(d.timeCreated ? { timeCreated: new Date(d.timeCreated).toISOString() } : {}),
    ...(d.tags ? { tags: d.tags } : {}),
  };
}

function snapshotInfo(s: Snapshot): SnapshotInfo {
  return {
    id: s.id ?? "",
    name: s.name ?? "",
    location: normalizeRegion(s.location ?? ""),
    ...(s.timeCreated ? { timeCreated: new Date(s.timeCreated).toISOString() } : {}),
    ...(s.creationData?.sourceResourceId ? { sourceResourceId: s.creationData.sourceResourceId } : {}),
    ...(s.tags ? { tags: s.tags } : {}),
  };
}

export function diskOperations(g: GatewayContext) {
  /** A disk by name, or undefined when it does not exist. */
  async function getDisk(name: string): Promise<DiskInfo | undefined> {
    const d = await g.run.find({ operation: "getDisk", resource: name }, (abortSignal) =>
      g.compute.disks.get(g.rg, name, { abortSignal }),
    );
    return d && toInfo(d);
  }

  /**
   * The claw's data disk: created empty when absent; an existing disk is returned as it is (its
   * size, SKU and contents are never touched). A disk of that name in another region is a conflict.
   */
  async function ensureDataDisk(a: {
    claw: string;
    location: string;
    sizeGb: number;
    sku?: string;
    diskName?: string;
  }): Promise<DiskInfo & { created: boolean }> {
    const name = a.diskName ?? clawResourceNames(a.claw).dataDisk;
    const existing = await getDisk(name);
    if (existing) {
      if (existing.location !== normalizeRegion(a.location)) {
        throw new ClawError(
          "CONFLICT",
          `Data disk ${name} exists in ${existing.location}, not ${a.location}; a disk cannot change region.`,
          { details: { operation: "ensureDataDisk", resource: name } },
        );
      }
      return { ...existing, created: false };
    }
    const d = await g.run.lro({ operation: "ensureDataDisk", resource: name }, (signal) =>
      g.compute.disks
        .createOrUpdate(
          g.rg,
          name,
          {
            location: a.location,
            sku: { name: a.sku ?? "Premium_LRS" },
            creationData: { createOption: "Empty" },
            diskSizeGB: a.sizeGb,
            tags: { [CLAW_TAG]: a.claw },
          },
          g.lroOptions(signal),
        )
        .pollUntilDone({ abortSignal: signal }),
    );
    return { ...toInfo(d), created: true };
  }

  /** Snapshot of a disk (incremental by default); an existing snapshot of the same disk is reused. */
  async function snapshotDisk(a: {
    diskName: string;
    snapshotName: string;
    location?: string;
    incremental?: boolean;
  }): Promise<string> {
    const ctx = { operation: "snapshotDisk", resource: a.snapshotName };
    const disk = await getDisk(a.diskName);
    if (!disk) throw new ClawError("NOT_FOUND", `Disk ${a.diskName} does not exist; nothing to snapshot.`);
    try {
      const s = await g.run.request(ctx, (abortSignal) =>
        g.compute.snapshots.get(g.rg, a.snapshotName, { abortSignal }),
      );
      if (sameId(s.creationData?.sourceResourceId, disk.id)) return s.id ?? "";
      throw new ClawError("CONFLICT", `Snapshot ${a.snapshotName} exists and is not of disk ${a.diskName}.`, {
        details: ctx,
      });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    const s = await g.run.lro(ctx, (signal) =>
      g.compute.snapshots
        .createOrUpdate(
          g.rg,
          a.snapshotName,
          {
            location: a.location ?? disk.location,
            incremental: a.incremental ?? true,
            creationData: { createOption: "Copy", sourceResourceId: disk.id },
            tags: { "openclawps-source-disk": a.diskName },
          },
          g.lroOptions(signal),
        )
        .pollUntilDone({ abortSignal: signal }),
    );
    return s.id ?? "";
  }

  /** A new disk copied from a snapshot; an existing disk made from the same snapshot is reused. */
  async function createDiskFromSnapshot(a: {
    name: string;
    snapshotId: string;
    location: string;
    sku?: string;
  }): Promise<string> {
    const ctx = { operation: "createDiskFromSnapshot", resource: a.name };
    try {
      const d = await g.run.request(ctx, (abortSignal) => g.compute.disks.get(g.rg, a.name, { abortSignal }));
      if (sameId(d.creationData?.sourceResourceId, a.snapshotId)) return d.id ?? "";
      throw new ClawError("CONFLICT", `Disk ${a.name} exists and was not made from ${a.snapshotId}.`, {
        details: ctx,
      });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    const d = await g.run.lro(ctx, (signal) =>
      g.compute.disks
        .createOrUpdate(
          g.rg,
          a.name,
          {
            location: a.location,
            sku: { name: a.sku ?? "Premium_LRS" },
            creationData: { createOption: "Copy", sourceResourceId: a.snapshotId },
          },
          g.lroOptions(signal),
        )
        .pollUntilDone({ abortSignal: signal }),
    );
    return d.id ?? "";
  }

  /** Deletes a snapshot; one that does not exist is already deleted. */
  async function deleteSnapshot(name: string): Promise<void> {
    await deleted(
      g.run.lro({ operation: "deleteSnapshot", resource: name }, (signal) =>
        g.compute.snapshots.delete(g.rg, name, g.lroOptions(signal)).pollUntilDone({ abortSignal: signal }),
      ),
    );
  }

  /**
   * Deletes a disk, only with `{ confirm: "delete-data-disk" }` and only when no VM holds it
   * (Attached or Reserved: DISK_ATTACHED_ELSEWHERE). A disk that does not exist is already deleted.
   */
  async function deleteDisk(name: string, opts: { confirm: typeof DELETE_DATA_DISK }): Promise<void> {
    if (opts?.confirm !== DELETE_DATA_DISK) {
      throw new ClawError("BAD_REQUEST", `deleteDisk(${name}) needs { confirm: "${DELETE_DATA_DISK}" }.`);
    }
    const disk = await getDisk(name);
    if (!disk) return;
    if (disk.managedBy || disk.diskState === "Attached" || disk.diskState === "Reserved") {
      throw new ClawError(
        "DISK_ATTACHED_ELSEWHERE",
        `Disk ${name} is ${disk.diskState}${disk.managedBy ? ` to ${disk.managedBy}` : ""}; refusing to delete it.`,
        { details: { operation: "deleteDisk", resource: name, managedBy: disk.managedBy } },
      );
    }
    await deleted(
      g.run.lro({ operation: "deleteDisk", resource: name }, (signal) =>
        g.compute.disks.delete(g.rg, name, g.lroOptions(signal)).pollUntilDone({ abortSignal: signal }),
      ),
    );
  }

  async function listSnapshots(): Promise<SnapshotInfo[]> {
    return g.run.request({ operation: "listSnapshots" }, async (abortSignal) => {
      const out: SnapshotInfo[] = [];
      for await (const s of g.compute.snapshots.listByResourceGroup(g.rg, { abortSignal })) {
        out.push(snapshotInfo(s));
      }
      return out;
    });
  }

  async function listDisks(): Promise<DiskInfo[]> {
    return g.run.request({ operation: "listDisks" }, async (abortSignal) => {
      const out: DiskInfo[] = [];
      for await (const d of g.compute.disks.listByResourceGroup(g.rg, { abortSignal })) out.push(toInfo(d));
      return out;
    });
  }

  return {
    getDisk,
    listSnapshots,
    listDisks,
    /** Same as getDisk (the name the saga activities use). */
    getDiskState: getDisk,
    ensureDataDisk,
    snapshotDisk,
    createDiskFromSnapshot,
    deleteSnapshot,
    deleteDisk,
  };
}
