/**
 * One housekeeping run: optional backup snapshots, then the retention policy (policy.ts) applied to
 * every claw's snapshots and set-aside data disks. Each deletion is audited and re-checked right
 * before it happens; one failure never stops the others. The run is recorded as an operation on
 * "fleet" when it did or failed anything.
 */
import type { AzureGateway, DiskInfo } from "../azure/types";
import { DELETE_DATA_DISK } from "../azure/disks";
import { clawResourceNames } from "../domain/naming";
import { ClawError } from "../errors";
import type { ClawRecord, StateStore } from "../state";
import { clawSnapshots, planRetention, type RetentionItem, type RetentionPolicy } from "./policy";

export interface HousekeepingDeps {
  state: Pick<StateStore, "claws" | "operations" | "audit">;
  azure: Pick<
    AzureGateway,
    "listSnapshots" | "listDisks" | "getDisk" | "deleteSnapshot" | "deleteDisk" | "snapshotDisk"
  >;
  policy: RetentionPolicy;
  log(level: "info" | "warn", message: string): void;
}

export interface HousekeepingResult {
  at: string;
  backups: string[];
  deleted: RetentionItem[];
  kept: number;
  errors: string[];
  operationId?: string;
}

const PRINCIPAL = "timer:housekeeping";
const nameOf = (id: string) => id.split("/").pop() ?? id;
const message = (e: unknown) => (e instanceof Error ? e.message.split("\n")[0] : String(e));

/** The claw's current data disk name (its record's, or the default). */
function dataDiskOf(c: ClawRecord): string {
  return c.observed.diskId ? nameOf(c.observed.diskId) : clawResourceNames(c.name).dataDisk;
}

/** A backup snapshot name for `at`: one per claw per minute, so a repeated run reuses it. */
export function backupSnapshotName(claw: string, at: Date): string {
  return clawResourceNames(claw).dataSnapshot(`b${Math.floor(at.getTime() / 60_000).toString(36)}`);
}

/** Activity body: backups, then retention, as of `input.at`. */
export async function runHousekeeping(
  deps: HousekeepingDeps,
  input: { at: string },
): Promise<HousekeepingResult> {
  const at = new Date(input.at);
  if (Number.isNaN(at.getTime()))
    throw new ClawError("BAD_REQUEST", `housekeeping: 'at' is not a time: ${input.at}`);
  const result: HousekeepingResult = { at: at.toISOString(), backups: [], deleted: [], kept: 0, errors: [] };
  const claws = await deps.state.claws.list();

  if (deps.policy.backupHours > 0) {
    const snapshots = await deps.azure.listSnapshots();
    for (const c of claws) {
      if (c.runningOperationId) continue;
      const newest = clawSnapshots(c.name, snapshots)[0];
      const age = newest?.timeCreated ? at.getTime() - Date.parse(newest.timeCreated) : Infinity;
      if (age < deps.policy.backupHours * 3_600_000) continue;
      const diskName = dataDiskOf(c);
      try {
        if (!(await deps.azure.getDisk(diskName))) continue;
        const name = backupSnapshotName(c.name, at);
        await deps.azure.snapshotDisk({
          diskName,
          snapshotName: name,
          location: c.spec.region,
          incremental: true,
        });
        result.backups.push(name);
        await audit(deps, c.name, "backup-snapshot", `backup snapshot ${name} of ${diskName}`);
      } catch (e) {
        result.errors.push(`${c.name}: backup of ${diskName}: ${message(e)}`);
      }
    }
  }

  const [snapshots, disks] = await Promise.all([deps.azure.listSnapshots(), deps.azure.listDisks()]);
  const plan = planRetention(claws, snapshots, disks, deps.policy, at);
  result.kept = plan.keep.length;
  for (const item of plan.delete) {
    try {
      if (item.kind === "snapshot") await deps.azure.deleteSnapshot(item.name);
      else {
        const refusal = await diskStillDisposable(deps, item);
        if (refusal) {
          result.errors.push(`${item.claw}: kept disk ${item.name}: ${refusal}`);
          continue;
        }
        await deps.azure.deleteDisk(item.name, { confirm: DELETE_DATA_DISK });
      }
      result.deleted.push(item);
      await audit(
        deps,
        item.claw,
        "retention-delete",
        `deleted ${item.kind} ${item.name} (created ${item.timeCreated ?? "?"}; beyond the newest ${deps.policy.keepLast} and older than ${deps.policy.keepDays} days)`,
      );
    } catch (e) {
      result.errors.push(`${item.claw}: ${item.kind} ${item.name}: ${message(e)}`);
    }
  }

  if (result.backups.length || result.deleted.length || result.errors.length) {
    const op = await deps.state.operations.start({
      kind: "housekeeping",
      claw: "fleet",
      channel: "timer",
      principal: PRINCIPAL,
    });
    result.operationId = op.id;
    await deps.state.operations.finish(op.id, {
      status: result.errors.length ? "failed" : "succeeded",
      ...(result.errors.length
        ? { error: { code: "HOUSEKEEPING_INCOMPLETE", message: result.errors.slice(0, 5).join("; ") } }
        : {}),
      details: {
        at: result.at,
        policy: { ...deps.policy },
        backups: result.backups,
        deleted: result.deleted.map((d) => `${d.kind} ${d.name}`),
        kept: result.kept,
      },
    });
  }
  deps.log(
    "info",
    `housekeeping ${result.at}: ${result.backups.length} backups, ${result.deleted.length} deleted, ${result.kept} kept, ${result.errors.length} errors`,
  );
  return result;
}

/** Why a set-aside disk must stay after all (read again just before deleting), or undefined. */
async function diskStillDisposable(deps: HousekeepingDeps, item: RetentionItem): Promise<string | undefined> {
  const claw = await deps.state.claws.get(item.claw);
  if (!claw) return "its claw is gone (the disk may be the only copy)";
  if (claw.runningOperationId) return `operation ${claw.runningOperationId} runs on the claw`;
  if (dataDiskOf(claw).toLowerCase() === item.name.toLowerCase()) return "it is the claw's current data disk";
  const d: DiskInfo | undefined = await deps.azure.getDisk(item.name);
  if (!d) return undefined;
  if (d.managedBy || d.diskState !== "Unattached") return `it is ${d.diskState}`;
  return undefined;
}

async function audit(deps: HousekeepingDeps, claw: string, kind: string, reason: string): Promise<void> {
  await deps.state.audit
    .record({ channel: "timer", principal: PRINCIPAL, kind, claw, command: { kind }, accepted: true, reason })
    .catch((e: unknown) => deps.log("warn", `auditing ${kind} of ${claw} failed: ${message(e)}`));
}
