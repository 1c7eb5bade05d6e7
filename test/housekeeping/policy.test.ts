/**
 * The retention policy on its own: what it keeps, what it lets go, and what it never touches.
 */
import { describe, expect, it } from "vitest";
import { planRetention, retentionPolicyFrom, type RetentionPolicy } from "../../core/housekeeping/policy";
import type { ClawRecord } from "../../core/state";
import type { DiskInfo, SnapshotInfo } from "../../core/azure/types";

const AT = new Date("2026-12-01T00:00:00Z");
const daysAgo = (d: number) => new Date(AT.getTime() - d * 86_400_000).toISOString();
const RG = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute";

function claw(name: string, o: { diskName?: string; running?: string } = {}): ClawRecord {
  return {
    name,
    spec: { name, region: "westus", vmSize: "Standard_D2s_v5", imageVersion: "1.0.0" } as ClawRecord["spec"],
    observed: o.diskName ? { diskId: `${RG}/disks/${o.diskName}` } : {},
    ...(o.running ? { runningOperationId: o.running } : {}),
    createdAt: "",
    updatedAt: "",
    etag: "",
  };
}
const snap = (name: string, age: number): SnapshotInfo => ({
  id: `${RG}/snapshots/${name}`,
  name,
  location: "westus",
  timeCreated: daysAgo(age),
});
const disk = (name: string, age: number, o: Partial<DiskInfo> = {}): DiskInfo => ({
  id: `${RG}/disks/${name}`,
  name,
  location: "westus",
  diskState: "Unattached",
  timeCreated: daysAgo(age),
  ...o,
});
const policy: RetentionPolicy = { keepLast: 2, keepDays: 14, backupHours: 0 };
const names = (items: { name: string }[]) => items.map((i) => i.name).sort();

describe("retention policy", () => {
  it("planRetention: keeps the newest N and anything younger than D days, lets the rest go", () => {
    const snaps = [
      snap("alice-data-snap-a1", 40),
      snap("alice-data-snap-a2", 30),
      snap("alice-data-snap-a3", 20),
      snap("alice-data-snap-a4", 10),
      snap("alice-data-snap-a5", 1),
    ];
    const plan = planRetention([claw("alice", { diskName: "alice-data" })], snaps, [], policy, AT);
    // a5, a4: the newest two; a3 (20 d), a2, a1: older than 14 days and beyond the newest two.
    expect(names(plan.delete)).toEqual(["alice-data-snap-a1", "alice-data-snap-a2", "alice-data-snap-a3"]);
    expect(names(plan.keep)).toEqual(["alice-data-snap-a4", "alice-data-snap-a5"]);
    // The same snapshots a month earlier: everything is young.
    const earlier = planRetention(
      [claw("alice")],
      snaps,
      [],
      { ...policy, keepLast: 1 },
      new Date(daysAgo(35)),
    );
    expect(names(earlier.delete)).toEqual([]);
  });

  it("planRetention: never the claw's current data disk, even a restored one that is old and beyond N", () => {
    const disks = [
      disk("alice-data", 90), // the original, set aside by a rollback long ago
      disk("alice-data-rold1", 80),
      disk("alice-data-rold2", 70),
      disk("alice-data-rcur", 60), // the claw's current data disk (a rollback restored it)
      disk("alice-data-rnew", 1),
    ];
    const plan = planRetention(
      [claw("alice", { diskName: "alice-data-rcur" })],
      [],
      disks,
      { ...policy, keepLast: 1 },
      AT,
    );
    expect(names(plan.delete)).toEqual(["alice-data-rold1", "alice-data-rold2"]);
    expect([...plan.delete, ...plan.keep].map((i) => i.name)).not.toContain("alice-data-rcur");
    // The default-named disk is never a candidate either (a claw's disk by convention).
    expect(names(plan.delete)).not.toContain("alice-data");
  });

  it("planRetention: an attached disk, a claw mid-saga and resources of unknown claws are left alone", () => {
    const disks = [
      disk("bob-data-rx1", 90, { diskState: "Attached", managedBy: `${RG}/virtualMachines/bob` }),
      disk("bob-data-rx2", 90),
      disk("gone-data", 300),
    ];
    const snaps = [
      snap("carol-data-snap-c1", 90),
      snap("carol-data-snap-c2", 80),
      snap("carol-data-snap-c3", 70),
    ];
    const plan = planRetention(
      [claw("bob", { diskName: "bob-data" }), claw("carol", { running: "op-1" })],
      [...snaps, snap("gone-data-snap-g1", 300)],
      disks,
      { ...policy, keepLast: 0 },
      AT,
    );
    expect(names(plan.delete)).toEqual(["bob-data-rx2"]);
    expect(plan.keep.find((k) => k.name === "bob-data-rx1")?.reason).toBe("Attached");
    expect(plan.keep.filter((k) => k.claw === "carol").map((k) => k.reason)).toEqual(
      Array(3).fill("a saga is running on the claw"),
    );
  });

  it("planRetention: a claw whose name extends another's keeps its own resources", () => {
    const snaps = [snap("al-data-snap-x1", 90), snap("al-data-x-data-snap-y1", 90)];
    const plan = planRetention([claw("al"), claw("al-data-x")], snaps, [], { ...policy, keepLast: 0 }, AT);
    expect(plan.delete.map((d) => `${d.claw}:${d.name}`).sort()).toEqual([
      "al-data-x:al-data-x-data-snap-y1",
      "al:al-data-snap-x1",
    ]);
  });

  it("retentionPolicyFrom: defaults, and a bad value names the setting", () => {
    expect(retentionPolicyFrom({})).toEqual({ keepLast: 3, keepDays: 14, backupHours: 0 });
    expect(() => retentionPolicyFrom({ RETENTION_KEEP_DAYS: "-1" })).toThrow(/RETENTION_KEEP_DAYS/);
  });
});
