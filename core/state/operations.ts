import { randomBytes } from "node:crypto";
import { echo } from "../domain/ids";
import { odata } from "@azure/data-tables";
import type { Channel } from "../domain/commands";
import { ClawError } from "../errors";
import { clip, defined, fitJson, invertedTime, readJson, str, writeJson } from "./columns";
import { updateWithRetry, type UpdateRetryOptions } from "./retry";
import { getEntity, queryEntities, statusOf, storageError, type Table } from "./tables";
import { record } from "../telemetry/metrics";

export type OperationStatus = "running" | "succeeded" | "failed" | "compensated";

export interface OperationStep {
  name: string;
  startedAt: string;
  endedAt?: string;
  ok?: boolean;
  detail?: string;
}

export interface OperationError {
  code: string;
  message: string;
  /** The step that failed. */
  step?: string;
}

/** What a saga did to undo a failure, and what it restored. */
export interface OperationCompensation {
  summary: string;
  steps: OperationStep[];
  /** E.g. { imageVersion: "1.2.3", snapshot: "alice-data-snap-ab12cd" }. */
  restored?: Record<string, string>;
}

export interface OperationRecord {
  id: string;
  /** Saga kind: deploy, upgrade, park, wake, verify, destroy, rollout, ... */
  kind: string;
  claw: string;
  channel: Channel;
  principal: string;
  requestId?: string;
  status: OperationStatus;
  startedAt: string;
  endedAt?: string;
  steps: OperationStep[];
  error?: OperationError;
  compensation?: OperationCompensation;
  /** Small facts of the run (fromVersion, toVersion, deferredBySeconds, ...). Never secrets. */
  details?: Record<string, unknown>;
  etag: string;
}

export type NewOperation = Pick<OperationRecord, "kind" | "claw" | "channel" | "principal"> &
  Partial<Pick<OperationRecord, "id" | "requestId" | "details">>;

const PK = "op";
/** Keeps a row far below 1 MiB however chatty a saga is. */
const MAX_DETAIL = 500;
const MAX_STEPS = 200;

/** Operation ids sort newest first as row keys: inverted start time + random. */
export function newOperationId(at: Date = new Date()): string {
  return `${invertedTime(at)}-${randomBytes(3).toString("hex")}`;
}

function trimSteps(steps: OperationStep[]): OperationStep[] {
  const clipped = steps.map((s) => (s.detail ? { ...s, detail: clip(s.detail, MAX_DETAIL) } : s));
  if (clipped.length <= MAX_STEPS) return clipped;
  const head = clipped.slice(0, 20);
  const tail = clipped.slice(-(MAX_STEPS - 21));
  const gap = {
    name: "…",
    startedAt: tail[0].startedAt,
    detail: `${clipped.length - head.length - tail.length} steps omitted`,
  };
  return [...head, gap, ...tail];
}

function toEntity(
  r: Omit<OperationRecord, "etag">,
): Record<string, unknown> & { partitionKey: string; rowKey: string } {
  const e = defined({
    kind: r.kind,
    claw: r.claw,
    channel: r.channel,
    principal: r.principal,
    requestId: r.requestId,
    status: r.status,
    startedAt: r.startedAt,
    endedAt: r.endedAt,
  });
  writeJson(e, "steps", trimSteps(r.steps), 8);
  writeJson(e, "error", r.error && { ...r.error, message: clip(r.error.message, 4000) }, 1);
  if (r.compensation) {
    writeJson(e, "compensation", { ...r.compensation, steps: trimSteps(r.compensation.steps) }, 4);
  }
  // A fleet run's digest grows with the fleet; past four chunks its longest lists are cut, counted.
  writeJson(e, "details", fitJson(r.details, 4 * 30_000 - 1_000), 4);
  return { partitionKey: PK, rowKey: r.id, ...e };
}

function fromEntity(e: Record<string, unknown> & { etag: string; rowKey?: string }): OperationRecord {
  return {
    ...(defined({
      requestId: str(e, "requestId"),
      endedAt: str(e, "endedAt"),
      error: readJson<OperationError>(e, "error"),
      compensation: readJson<OperationCompensation>(e, "compensation"),
      details: readJson<Record<string, unknown>>(e, "details"),
    }) as Partial<OperationRecord>),
    id: String(e.rowKey),
    kind: str(e, "kind") ?? "",
    claw: str(e, "claw") ?? "",
    channel: str(e, "channel") as Channel,
    principal: str(e, "principal") ?? "",
    status: str(e, "status") as OperationStatus,
    startedAt: str(e, "startedAt") ?? "",
    steps: readJson<OperationStep[]>(e, "steps") ?? [],
    etag: e.etag,
  };
}

export interface OperationsRepository {
  /**
   * Records a new running operation. Idempotent: when `id` exists for the same kind and claw it
   * is returned as it is (a redelivered command); for another kind or claw it is CONFLICT.
   */
  start(op: NewOperation): Promise<OperationRecord>;
  get(id: string): Promise<OperationRecord | undefined>;
  /** Like get, but a missing operation is ClawError NOT_FOUND. */
  require(id: string): Promise<OperationRecord>;
  /** Newest first; filter by claw and/or status. */
  list(filter?: { claw?: string; status?: OperationStatus; limit?: number }): Promise<OperationRecord[]>;
  update(
    id: string,
    change: (current: OperationRecord) => OperationRecord | undefined | Promise<OperationRecord | undefined>,
    opts?: UpdateRetryOptions,
  ): Promise<OperationRecord>;
  /** Appends a started step (a step of the same name still open is restarted, for replays). */
  startStep(id: string, name: string, detail?: string): Promise<OperationRecord>;
  /** Closes the newest open step of that name (appends a closed one if none is open). */
  endStep(id: string, name: string, result: { ok: boolean; detail?: string }): Promise<OperationRecord>;
  /** Ends the operation with its outcome. */
  finish(
    id: string,
    outcome: {
      status: Exclude<OperationStatus, "running">;
      error?: OperationError;
      compensation?: OperationCompensation;
      details?: Record<string, unknown>;
    },
  ): Promise<OperationRecord>;
}

export function createOperationsRepository(table: Table, now: () => Date): OperationsRepository {
  async function get(id: string) {
    const e = await getEntity<Record<string, unknown>>(table, PK, id);
    return e ? fromEntity(e) : undefined;
  }
  async function require(id: string) {
    const r = await get(id);
    if (!r) throw new ClawError("NOT_FOUND", `no operation with id '${echo(id)}'`);
    return r;
  }
  async function replace(r: OperationRecord) {
    try {
      const res = await table.client.updateEntity(toEntity(r), "Replace", { etag: r.etag });
      return { ...r, etag: res.etag ?? "" };
    } catch (e) {
      throw storageError(e, `updating operation ${r.id}`);
    }
  }
  function update(
    id: string,
    change: (c: OperationRecord) => OperationRecord | undefined | Promise<OperationRecord | undefined>,
    opts?: UpdateRetryOptions,
  ) {
    return updateWithRetry(() => require(id), change, replace, opts);
  }

  return {
    async start(op) {
      await table.ready();
      const at = now();
      const record = {
        ...op,
        id: op.id ?? newOperationId(at),
        status: "running" as const,
        startedAt: at.toISOString(),
        steps: [],
      };
      try {
        const res = await table.client.createEntity(toEntity(record));
        return { ...record, etag: res.etag ?? "" };
      } catch (e) {
        if (statusOf(e) !== 409) throw storageError(e, `recording operation ${record.id}`);
        const existing = await require(record.id);
        if (existing.kind === op.kind && existing.claw === op.claw) return existing;
        throw new ClawError(
          "CONFLICT",
          `operation id '${record.id}' is already used by a ${existing.kind} of '${existing.claw}'`,
        );
      }
    },
    get,
    require,
    async list(filter = {}) {
      const parts = [odata`PartitionKey eq ${PK}`];
      if (filter.claw) parts.push(odata`claw eq ${filter.claw}`);
      if (filter.status) parts.push(odata`status eq ${filter.status}`);
      const rows = await queryEntities<Record<string, unknown>>(
        table,
        parts.join(" and "),
        filter.limit ?? 100,
      );
      return rows.map(fromEntity);
    },
    update,
    startStep(id, name, detail) {
      return update(id, (c) => {
        const steps = c.steps.filter((s) => !(s.name === name && s.endedAt === undefined));
        return {
          ...c,
          steps: [
            ...steps,
            detail === undefined
              ? { name, startedAt: now().toISOString() }
              : { name, startedAt: now().toISOString(), detail },
          ],
        };
      });
    },
    endStep(id, name, result) {
      return update(id, (c) => {
        const at = now().toISOString();
        const steps = [...c.steps];
        const open = steps.map((s) => s.name === name && s.endedAt === undefined).lastIndexOf(true);
        const closed = { ...(open >= 0 ? steps[open] : { name, startedAt: at }), endedAt: at, ok: result.ok };
        if (result.detail !== undefined) closed.detail = result.detail;
        if (open >= 0) steps[open] = closed;
        else steps.push(closed);
        return { ...c, steps };
      });
    },
    async finish(id, outcome) {
      let wasRunning = false;
      const done = await update(id, (c) => {
        wasRunning = c.status === "running";
        return {
          ...c,
          ...defined(outcome),
          details: outcome.details ? { ...c.details, ...outcome.details } : c.details,
          endedAt: now().toISOString(),
        };
      });
      // Every operation ends here, whichever saga or command ran it: counted once, when it ends.
      if (wasRunning) {
        const ms = Date.parse(done.endedAt ?? "") - Date.parse(done.startedAt);
        record.operationEnded(done.kind, done.status, Number.isFinite(ms) ? Math.max(0, ms) : undefined);
      }
      return done;
    },
  };
}
