import type { ClawSpec } from "../domain/spec";
import { echo } from "../domain/ids";
import { ClawError } from "../errors";
import { defined, readJson, str, writeJson } from "./columns";
import { updateWithRetry, type UpdateRetryOptions } from "./retry";
import { getEntity, queryEntities, statusOf, storageError, type Table } from "./tables";
import { odata } from "@azure/data-tables";

/** Azure's power states (PowerState/<code>), plus "absent" when the claw has no VM. */
export type PowerState =
  "running" | "starting" | "stopping" | "stopped" | "deallocating" | "deallocated" | "absent" | "unknown";

/** What the last verify found, without the full check list (that is in the operation record). */
export interface VerifySummary {
  at: string;
  ok: boolean;
  total: number;
  /** Names of the checks that failed (required ones; optional ones are prefixed "optional:"). */
  failed: string[];
  imageVersion?: string;
  runtimeVersion?: string;
  updateVersion?: string;
}

/** What the control plane last saw of the claw in Azure and on the guest. */
export interface ClawObserved {
  powerState?: PowerState;
  /** Image version the current VM was created from (the VM model does not always say; tagged at create). */
  imageVersion?: string;
  vmId?: string;
  /** ARM name of the claw's VM: the claw's name until a handoff upgrade makes a standby the claw. */
  vmName?: string;
  osDiskId?: string;
  nicId?: string;
  publicIpId?: string;
  diskId?: string;
  publicIp?: string;
  /** Pinned SSH host key: "SHA256:<base64>" as `ssh-keygen -l` prints it. */
  hostKeySha256?: string;
  lastVerify?: VerifySummary;
  /** What the control plane last delivered to the claw's data disk: versions and times, never values. */
  delivered?: DeliveredState;
}

/** Per secret key (and for the access password) the version on the claw's disk and since when. */
export interface DeliveredState {
  secrets: Record<string, { version: string; at: string }>;
  accessPassword?: { version: string; at: string };
  /** When the agent's settings (default model, operator id) last changed on the disk. */
  settingsAt?: string;
}

export interface ClawRecord {
  name: string;
  spec: ClawSpec;
  observed: ClawObserved;
  /** The saga that holds this claw, if any (one at a time). */
  runningOperationId?: string;
  /** When runningOperationId took the claw (the claim's lease runs from here). */
  runningSince?: string;
  createdAt: string;
  updatedAt: string;
  etag: string;
}

/** Patch for observed state: a value sets the field, null clears it, a missing key keeps it. */
export type ObservedPatch = { [K in keyof ClawObserved]?: ClawObserved[K] | null };

const PK = "claw";
const OBSERVED_COLUMNS = [
  "powerState", "imageVersion", "vmId", "vmName", "osDiskId", "nicId", "publicIpId", "diskId", "publicIp", "hostKeySha256",
] as const; // prettier-ignore

function toEntity(
  r: Omit<ClawRecord, "etag">,
): Record<string, unknown> & { partitionKey: string; rowKey: string } {
  const e: Record<string, unknown> = defined({
    name: r.name,
    runningOperationId: r.runningOperationId,
    runningSince: r.runningOperationId ? r.runningSince : undefined,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  });
  for (const c of OBSERVED_COLUMNS) if (r.observed[c] !== undefined) e[c] = r.observed[c];
  writeJson(e, "spec", r.spec, 4);
  writeJson(e, "lastVerify", r.observed.lastVerify, 1);
  writeJson(e, "delivered", r.observed.delivered, 1);
  return { partitionKey: PK, rowKey: r.name, ...e };
}

function fromEntity(e: Record<string, unknown> & { etag: string; rowKey?: string }): ClawRecord {
  const observed: ClawObserved = {};
  for (const c of OBSERVED_COLUMNS) {
    const v = str(e, c);
    if (v !== undefined) (observed as Record<string, string>)[c] = v;
  }
  const lastVerify = readJson<VerifySummary>(e, "lastVerify");
  if (lastVerify) observed.lastVerify = lastVerify;
  const delivered = readJson<DeliveredState>(e, "delivered");
  if (delivered) observed.delivered = delivered;
  const record: ClawRecord = {
    name: str(e, "name") ?? String(e.rowKey),
    spec: readJson<ClawSpec>(e, "spec") as ClawSpec,
    observed,
    createdAt: str(e, "createdAt") ?? "",
    updatedAt: str(e, "updatedAt") ?? "",
    etag: e.etag,
  };
  const op = str(e, "runningOperationId");
  if (op) record.runningOperationId = op;
  const since = str(e, "runningSince");
  if (op && since) record.runningSince = since;
  return record;
}

export interface ClawsRepository {
  get(name: string): Promise<ClawRecord | undefined>;
  /** Like get, but a missing claw is ClawError CLAW_NOT_FOUND. */
  require(name: string): Promise<ClawRecord>;
  list(): Promise<ClawRecord[]>;
  /** Inserts a new claw; CLAW_EXISTS when the name is taken. */
  create(spec: ClawSpec): Promise<ClawRecord>;
  /** Writes `record` if its etag is still current; a stale etag is ClawError CONFLICT (retryable). */
  replace(record: ClawRecord): Promise<ClawRecord>;
  /** Read-modify-write with retries on concurrent change; `change` returns undefined for "no change". */
  update(
    name: string,
    change: (current: ClawRecord) => ClawRecord | undefined | Promise<ClawRecord | undefined>,
    opts?: UpdateRetryOptions,
  ): Promise<ClawRecord>;
  updateObserved(name: string, patch: ObservedPatch): Promise<ClawRecord>;
  /**
   * Takes the claw's single operation slot (or renews it when `operationId` holds it already);
   * CLAW_BUSY (details.operationId) when another holds it, unless that one is `o.replacing` (a
   * claim found stale: no saga runs it).
   */
  claimOperation(name: string, operationId: string, o?: { replacing?: string }): Promise<ClawRecord>;
  /** Frees the slot if `operationId` holds it (safe to repeat). */
  releaseOperation(name: string, operationId: string): Promise<ClawRecord | undefined>;
  /** Deletes the row; with `etag` only if unchanged. A missing row is success. */
  delete(name: string, etag?: string): Promise<void>;
}

export function createClawsRepository(table: Table, now: () => Date): ClawsRepository {
  const what = (name: string) => `claw '${name}'`;

  async function get(name: string) {
    const e = await getEntity<Record<string, unknown>>(table, PK, name);
    return e ? fromEntity(e) : undefined;
  }

  async function require(name: string) {
    const r = await get(name);
    if (!r) throw new ClawError("CLAW_NOT_FOUND", `no claw named '${echo(name)}'`);
    return r;
  }

  async function replace(record: ClawRecord) {
    await table.ready();
    const next = { ...record, updatedAt: now().toISOString() };
    try {
      const res = await table.client.updateEntity(toEntity(next), "Replace", { etag: record.etag });
      return { ...next, etag: res.etag ?? "" };
    } catch (e) {
      if (statusOf(e) === 404) throw new ClawError("CLAW_NOT_FOUND", `no claw named '${record.name}'`);
      throw storageError(e, `updating ${what(record.name)}`);
    }
  }

  function update(
    name: string,
    change: (current: ClawRecord) => ClawRecord | undefined | Promise<ClawRecord | undefined>,
    opts?: UpdateRetryOptions,
  ) {
    return updateWithRetry(() => require(name), change, replace, opts);
  }

  return {
    get,
    require,
    async list() {
      const rows = await queryEntities<Record<string, unknown>>(table, odata`PartitionKey eq ${PK}`);
      return rows.map(fromEntity);
    },
    async create(spec) {
      await table.ready();
      const at = now().toISOString();
      const record = { name: spec.name, spec, observed: {}, createdAt: at, updatedAt: at };
      try {
        const res = await table.client.createEntity(toEntity(record));
        return { ...record, etag: res.etag ?? "" };
      } catch (e) {
        if (statusOf(e) === 409)
          throw new ClawError("CLAW_EXISTS", `a claw named '${spec.name}' already exists`);
        throw storageError(e, `creating ${what(spec.name)}`);
      }
    },
    replace,
    update,
    updateObserved(name, patch) {
      return update(name, (c) => {
        const observed: Record<string, unknown> = { ...c.observed };
        for (const [k, v] of Object.entries(patch)) {
          if (v === null) delete observed[k];
          else if (v !== undefined) observed[k] = v;
        }
        return { ...c, observed: observed as ClawObserved };
      });
    },
    claimOperation(name, operationId, o = {}) {
      return update(name, (c) => {
        if (
          c.runningOperationId &&
          c.runningOperationId !== operationId &&
          c.runningOperationId !== o.replacing
        ) {
          throw new ClawError("CLAW_BUSY", `claw '${name}' is busy with operation ${c.runningOperationId}`, {
            details: { operationId: c.runningOperationId },
          });
        }
        return { ...c, runningOperationId: operationId, runningSince: now().toISOString() };
      });
    },
    async releaseOperation(name, operationId) {
      try {
        return await update(name, (c) => {
          if (c.runningOperationId !== operationId) return undefined;
          const { runningOperationId: _released, runningSince: _since, ...rest } = c;
          return rest;
        });
      } catch (e) {
        if (e instanceof ClawError && e.code === "CLAW_NOT_FOUND") return undefined;
        throw e;
      }
    },
    async delete(name, etag) {
      await table.ready();
      try {
        await table.client.deleteEntity(PK, name, etag ? { etag } : undefined);
      } catch (e) {
        if (statusOf(e) === 404) return;
        throw storageError(e, `deleting ${what(name)}`);
      }
    },
  };
}
