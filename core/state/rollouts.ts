/**
 * Rollouts table: one row per rollout (partition "rollout", newest first) and one row per claw of
 * each rollout (partition "claws-<id>"), so per-claw progress is written without contention on the
 * rollout's own row.
 */
import { echo } from "../domain/ids";
import { odata } from "@azure/data-tables";
import type { Channel } from "../domain/commands";
import { ClawError } from "../errors";
import { clip, defined, readJson, str, writeJson } from "./columns";
import { updateWithRetry } from "./retry";
import {
  getEntity,
  openTable,
  queryEntities,
  statusOf,
  storageError,
  tableName,
  type StorageTarget,
  type Table,
} from "./tables";

export type RolloutStatus =
  | "starting"
  | "running"
  | "awaiting-approval"
  | "paused"
  | "completed"
  | "halted"
  | "cancelled"
  | "rejected"
  | "timed-out"
  | "failed";

export const ACTIVE_ROLLOUT_STATUSES: readonly RolloutStatus[] = [
  "starting",
  "running",
  "awaiting-approval",
  "paused",
];

export type RolloutClawStatus = "pending" | "running" | "succeeded" | "failed" | "compensated" | "skipped";

export interface RolloutRecord {
  id: string;
  version: string;
  status: RolloutStatus;
  channel: Channel;
  principal: string;
  /** The validated request (canary, batches, soak, thresholds, approval). */
  request: Record<string, unknown>;
  /** canary and batches once planned; excluded claws with reasons. */
  plan?: { canary: string[]; batches: string[][]; excluded: { claw: string; reason: string }[] };
  /** What it is doing now ("batch 2 of 3", "soaking until ..."). */
  phase?: string;
  /** Why it ended the way it did. */
  reason?: string;
  digest?: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
  endedAt?: string;
  etag: string;
}

export interface RolloutClawRecord {
  claw: string;
  phase: string;
  status: RolloutClawStatus;
  operationId?: string;
  detail?: string;
  startedAt?: string;
  endedAt?: string;
}

/** Base name of the table (TABLE_NAMES lists the state store's own tables; this one stands apart). */
export const ROLLOUTS_TABLE = "Rollouts";

const PK = "rollout";
const clawsPk = (id: string) => `claws-${id}`;

function toEntity(r: Omit<RolloutRecord, "etag">) {
  const e = defined({
    version: r.version,
    status: r.status,
    channel: r.channel,
    principal: r.principal,
    phase: clip(r.phase, 500),
    reason: clip(r.reason, 2000),
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    endedAt: r.endedAt,
  });
  writeJson(e, "request", r.request, 1);
  writeJson(e, "plan", r.plan, 4);
  writeJson(e, "digest", r.digest, 4);
  return { partitionKey: PK, rowKey: r.id, ...e };
}

function fromEntity(e: Record<string, unknown> & { etag: string; rowKey?: string }): RolloutRecord {
  return {
    ...(defined({
      plan: readJson(e, "plan"),
      phase: str(e, "phase"),
      reason: str(e, "reason"),
      digest: readJson(e, "digest"),
      endedAt: str(e, "endedAt"),
    }) as Partial<RolloutRecord>),
    id: String(e.rowKey),
    version: str(e, "version") ?? "",
    status: (str(e, "status") ?? "failed") as RolloutStatus,
    channel: str(e, "channel") as Channel,
    principal: str(e, "principal") ?? "",
    request: readJson<Record<string, unknown>>(e, "request") ?? {},
    createdAt: str(e, "createdAt") ?? "",
    updatedAt: str(e, "updatedAt") ?? "",
    etag: e.etag,
  };
}

export interface RolloutsRepository {
  /** Inserts a rollout; CONFLICT when the id exists. */
  create(r: Omit<RolloutRecord, "etag" | "createdAt" | "updatedAt">): Promise<RolloutRecord>;
  get(id: string): Promise<RolloutRecord | undefined>;
  /** Like get, but a missing rollout is NOT_FOUND. */
  require(id: string): Promise<RolloutRecord>;
  /** Newest first. */
  list(opts?: { limit?: number; status?: RolloutStatus }): Promise<RolloutRecord[]>;
  update(id: string, change: (c: RolloutRecord) => RolloutRecord | undefined): Promise<RolloutRecord>;
  /** Upserts one claw's progress (fields given replace the stored ones). */
  setClaw(id: string, claw: RolloutClawRecord): Promise<void>;
  listClaws(id: string): Promise<RolloutClawRecord[]>;
}

/** Opens the Rollouts table beside a state store with the same prefix. */
export function createRolloutsRepository(
  target: StorageTarget,
  { prefix = "", now = () => new Date() }: { prefix?: string; now?: () => Date } = {},
): RolloutsRepository {
  return rolloutsOn(openTable(target, tableName(prefix, ROLLOUTS_TABLE)), now);
}

/** The repository on an already opened table. */
export function rolloutsOn(table: Table, now: () => Date): RolloutsRepository {
  async function get(id: string) {
    const e = await getEntity<Record<string, unknown>>(table, PK, id);
    return e ? fromEntity(e) : undefined;
  }
  async function require(id: string) {
    const r = await get(id);
    if (!r) throw new ClawError("NOT_FOUND", `no rollout with id '${echo(id)}'`);
    return r;
  }
  return {
    async create(r) {
      await table.ready();
      const at = now().toISOString();
      const record = { ...r, createdAt: at, updatedAt: at };
      try {
        const res = await table.client.createEntity(toEntity(record));
        return { ...record, etag: res.etag ?? "" };
      } catch (e) {
        if (statusOf(e) === 409) throw new ClawError("CONFLICT", `rollout '${r.id}' already exists`);
        throw storageError(e, `creating rollout ${r.id}`);
      }
    },
    get,
    require,
    async list(opts = {}) {
      const parts = [odata`PartitionKey eq ${PK}`];
      if (opts.status) parts.push(odata`status eq ${opts.status}`);
      const rows = await queryEntities<Record<string, unknown>>(table, parts.join(" and "), opts.limit ?? 50);
      return rows.map(fromEntity);
    },
    update(id, change) {
      return updateWithRetry(
        () => require(id),
        (c) => {
          const next = change(c);
          return next && { ...next, updatedAt: now().toISOString() };
        },
        async (r) => {
          try {
            const res = await table.client.updateEntity(toEntity(r), "Replace", { etag: r.etag });
            return { ...r, etag: res.etag ?? "" };
          } catch (e) {
            throw storageError(e, `updating rollout ${id}`);
          }
        },
      );
    },
    async setClaw(id, c) {
      await table.ready();
      const e = defined({ ...c, detail: clip(c.detail, 1000) });
      try {
        await table.client.upsertEntity({ partitionKey: clawsPk(id), rowKey: c.claw, ...e }, "Merge");
      } catch (err) {
        throw storageError(err, `recording claw ${c.claw} of rollout ${id}`);
      }
    },
    async listClaws(id) {
      const rows = await queryEntities<Record<string, unknown>>(table, odata`PartitionKey eq ${clawsPk(id)}`);
      return rows.map(
        (e) =>
          defined({
            claw: str(e, "claw") ?? String(e.rowKey),
            phase: str(e, "phase") ?? "",
            status: (str(e, "status") ?? "pending") as RolloutClawStatus,
            operationId: str(e, "operationId"),
            detail: str(e, "detail"),
            startedAt: str(e, "startedAt"),
            endedAt: str(e, "endedAt"),
          }) as unknown as RolloutClawRecord,
      );
    },
  };
}
