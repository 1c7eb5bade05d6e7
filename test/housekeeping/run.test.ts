/**
 * A housekeeping run over stand-in state and gateway: backups under the same policy, audit, and the
 * re-check that keeps a disk which became a claw's data disk after the plan was made.
 */
import { describe, expect, it } from "vitest";
import { backupSnapshotName, runHousekeeping, type HousekeepingDeps } from "../../core/housekeeping/run";
import type { ClawRecord } from "../../core/state";
import type { DiskInfo, SnapshotInfo } from "../../core/azure/types";

const AT = new Date("2026-12-01T12:00:00Z");
const hoursAgo = (h: number) => new Date(AT.getTime() - h * 3_600_000).toISOString();
const RG = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute";

function fixture() {
  const claws = new Map<string, ClawRecord>();
  const add = (name: string, diskName = `${name}-data`) =>
    claws.set(name, {
      name,
      spec: { name, region: "westus" } as ClawRecord["spec"],
      observed: { diskId: `${RG}/disks/${diskName}` },
      createdAt: "",
      updatedAt: "",
      etag: "",
    });
  const snapshots: SnapshotInfo[] = [];
  const disks: DiskInfo[] = [];
  const calls: string[] = [];
  const audit: { kind: string; claw?: string }[] = [];
  const ops: unknown[] = [];
  const deps: HousekeepingDeps = {
    state: {
      claws: {
        list: async () => [...claws.values()],
        get: async (n: string) => claws.get(n),
      },
      operations: {
        start: async () => ({ id: "op-h" }),
        finish: async (_id: string, f: unknown) => ops.push(f),
      },
      audit: { record: async (e: { kind: string; claw?: string }) => audit.push(e) },
    } as unknown as HousekeepingDeps["state"],
    azure: {
      listSnapshots: async () => [...snapshots],
      listDisks: async () => [...disks],
      getDisk: async (n: string) => disks.find((d) => d.name === n),
      deleteSnapshot: async (n: string) => {
        calls.push(`delete-snapshot ${n}`);
        snapshots.splice(
          snapshots.findIndex((s) => s.name === n),
          1,
        );
      },
      deleteDisk: async (n: string) => {
        calls.push(`delete-disk ${n}`);
        disks.splice(
          disks.findIndex((d) => d.name === n),
          1,
        );
      },
      snapshotDisk: async (a: { diskName: string; snapshotName: string }) => {
        calls.push(`snapshot ${a.snapshotName} of ${a.diskName}`);
        snapshots.push({
          id: `${RG}/snapshots/${a.snapshotName}`,
          name: a.snapshotName,
          location: "westus",
          timeCreated: AT.toISOString(),
        });
        return a.snapshotName;
      },
    },
    policy: { keepLast: 1, keepDays: 0, backupHours: 24 },
    log: () => undefined,
  };
  const disk = (name: string, ageH: number): DiskInfo => ({
    id: `${RG}/disks/${name}`,
    name,
    location: "westus",
    diskState: "Unattached",
    timeCreated: hoursAgo(ageH),
  });
  return { claws, add, snapshots, disks, calls, audit, ops, deps, disk };
}

describe("housekeeping run", () => {
  it("runHousekeeping: backs up a claw whose newest snapshot is older than the backup interval, then applies the policy", async () => {
    const f = fixture();
    f.add("ann");
    f.add("ben");
    f.disks.push(f.disk("ann-data", 1000), f.disk("ben-data", 1000));
    f.snapshots.push(
      { id: "s1", name: "ann-data-snap-old1", location: "westus", timeCreated: hoursAgo(48) },
      { id: "s2", name: "ben-data-snap-new1", location: "westus", timeCreated: hoursAgo(2) },
    );
    const r = await runHousekeeping(f.deps, { at: AT.toISOString() });
    const backup = backupSnapshotName("ann", AT);
    expect(r.backups).toEqual([backup]);
    // ann: the backup is the newest (kept: keepLast 1), the 48 h old one goes; ben is backed up recently enough.
    expect(f.calls).toEqual([`snapshot ${backup} of ann-data`, "delete-snapshot ann-data-snap-old1"]);
    expect(f.audit.map((a) => `${a.kind} ${a.claw}`)).toEqual([
      "backup-snapshot ann",
      "retention-delete ann",
    ]);
    expect(f.ops).toEqual([expect.objectContaining({ status: "succeeded" })]);
    // The same run again: the backup name is the same (reused), nothing else to do.
    expect(backupSnapshotName("ann", new Date(AT.getTime() + 30_000))).toBe(backup);
  });

  it("runHousekeeping: keeps a set-aside disk that became the claw's data disk after the plan", async () => {
    const f = fixture();
    f.add("ann");
    f.deps.policy = { keepLast: 0, keepDays: 0, backupHours: 0 };
    f.disks.push(f.disk("ann-data", 1000), f.disk("ann-data-rx1", 500), f.disk("ann-data-rx2", 400));
    // A rollback restores ann-data-rx1 as ann's data disk while the run lists and plans.
    const listDisks = f.deps.azure.listDisks;
    f.deps.azure.listDisks = async () => {
      const out = await listDisks();
      f.add("ann", "ann-data-rx1");
      return out;
    };
    const r = await runHousekeeping(f.deps, { at: AT.toISOString() });
    expect(f.calls).toEqual(["delete-disk ann-data-rx2"]);
    expect(r.errors).toEqual(["ann: kept disk ann-data-rx1: it is the claw's current data disk"]);
    expect(f.disks.map((d) => d.name).sort()).toEqual(["ann-data", "ann-data-rx1"]);
    expect(f.ops).toEqual([expect.objectContaining({ status: "failed" })]);
  });
});
