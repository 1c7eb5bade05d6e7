/**
 * The retention policy for what upgrades, rollbacks and backups leave behind: snapshots of a claw's
 * data disk and the data disks a rollback set aside. Per claw, the newest `keepLast` of each kind
 * are kept whatever their age, and so is anything younger than `keepDays`; the rest may go. Pure:
 * the caller lists, this decides, the caller deletes (re-checking each disk right before).
 *
 * Never deleted, whatever the policy says: a claw's current data disk (the one its record points
 * at, and its default name), any disk a VM holds, anything of a claw a saga is working on (an
 * upgrade may be about to restore from a snapshot), and anything that belongs to no claw in the
 * table (a destroyed claw's kept disk is the only copy of its state).
 */
import type { ClawRecord } from "../state";
import type { DiskInfo, SnapshotInfo } from "../azure/types";
import { clawResourceNames } from "../domain/naming";
import { numberSetting } from "../settings";

export interface RetentionPolicy {
  /** Newest snapshots (and set-aside disks) kept per claw whatever their age. */
  keepLast: number;
  /** Anything younger than this many days is kept. */
  keepDays: number;
  /** Take a backup snapshot when a claw's newest snapshot is older than this (0: never). */
  backupHours: number;
}

export interface RetentionItem {
  kind: "snapshot" | "disk";
  name: string;
  id: string;
  claw: string;
  timeCreated?: string;
}

export interface RetentionPlan {
  delete: RetentionItem[];
  keep: (RetentionItem & { reason: string })[];
}

/** RETENTION_KEEP_LAST (default 3), RETENTION_KEEP_DAYS (default 14), BACKUP_SNAPSHOT_HOURS (default 0). */
export function retentionPolicyFrom(env: Record<string, string | undefined> = process.env): RetentionPolicy {
  return {
    keepLast: Math.floor(numberSetting(env, "RETENTION_KEEP_LAST", 3, 0, 1000)),
    keepDays: numberSetting(env, "RETENTION_KEEP_DAYS", 14, 0, 3650),
    backupHours: numberSetting(env, "BACKUP_SNAPSHOT_HOURS", 0, 0, 24 * 365),
  };
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const lower = (s: string | undefined) => (s ?? "").toLowerCase();
const nameOf = (id: string) => id.split("/").pop() ?? id;

/** The snapshots of `claw`'s data disk (names from core/domain/naming.ts), newest first. */
export function clawSnapshots(claw: string, snapshots: SnapshotInfo[]): SnapshotInfo[] {
  const re = new RegExp(`^${escape(clawResourceNames(claw).dataDisk)}-snap-[a-z0-9]{1,12}$`);
  return snapshots.filter((s) => re.test(s.name)).sort(newestFirst);
}

function newestFirst(a: { timeCreated?: string }, b: { timeCreated?: string }): number {
  // Without a creation time an item counts as newest: kept rather than guessed old.
  const t = (x: { timeCreated?: string }) => (x.timeCreated ? Date.parse(x.timeCreated) : Infinity);
  return t(b) - t(a);
}

/** Decides, as of `at`, what of each claw's snapshots and set-aside disks may be deleted. */
export function planRetention(
  claws: ClawRecord[],
  snapshots: SnapshotInfo[],
  disks: DiskInfo[],
  policy: RetentionPolicy,
  at: Date,
): RetentionPlan {
  const plan: RetentionPlan = { delete: [], keep: [] };
  // Every claw's current data disk, by id and by name (and its default name): never a candidate.
  const current = new Set<string>();
  for (const c of claws) {
    current.add(lower(clawResourceNames(c.name).dataDisk));
    if (c.observed.diskId) {
      current.add(lower(c.observed.diskId));
      current.add(lower(nameOf(c.observed.diskId)));
    }
  }
  const youngerThan = at.getTime() - policy.keepDays * 86_400_000;
  const decide = (items: RetentionItem[], busy: boolean) => {
    items.forEach((item, i) => {
      if (busy) plan.keep.push({ ...item, reason: "a saga is running on the claw" });
      else if (i < policy.keepLast)
        plan.keep.push({ ...item, reason: `one of the newest ${policy.keepLast}` });
      else if (!item.timeCreated || Date.parse(item.timeCreated) > youngerThan)
        plan.keep.push({ ...item, reason: `younger than ${policy.keepDays} days` });
      else plan.delete.push(item);
    });
  };
  for (const c of claws) {
    const busy = Boolean(c.runningOperationId);
    const snaps = clawSnapshots(c.name, snapshots).map((s): RetentionItem => ({
      kind: "snapshot",
      name: s.name,
      id: s.id,
      claw: c.name,
      timeCreated: s.timeCreated,
    }));
    decide(snaps, busy);
    const re = new RegExp(`^${escape(clawResourceNames(c.name).dataDisk)}(-r[a-z0-9]{1,12})?$`);
    const setAside = disks
      .filter((d) => re.test(d.name))
      .filter((d) => {
        if (current.has(lower(d.id)) || current.has(lower(d.name))) return false;
        if (d.managedBy || d.diskState !== "Unattached") {
          plan.keep.push({ kind: "disk", name: d.name, id: d.id, claw: c.name, reason: `${d.diskState}` });
          return false;
        }
        return true;
      })
      .sort(newestFirst)
      .map((d): RetentionItem => ({
        kind: "disk",
        name: d.name,
        id: d.id,
        claw: c.name,
        timeCreated: d.timeCreated,
      }));
    decide(setAside, busy);
  }
  return plan;
}
