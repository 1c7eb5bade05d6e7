/**
 * Dedupe records for requestIds: one row per requestId in the Operations table, in its own
 * partition ("request") so operation listings never see it. The row fixes which operation a
 * requestId maps to, so a redelivered queue message or a retried HTTP call gets the same
 * operation and never a second saga. A row stays "pending" while its command is being handled;
 * a refused command deletes its row so the same requestId may be tried again.
 */
import { ClawError } from "../errors";
import { TABLE_NAMES, tableName, type StorageTarget } from "../state";
import { getEntity, openTable, statusOf, storageError, type Table } from "../state/tables";

const PK = "request";

export type RequestState = "pending" | "done";

export interface RequestRecord {
  requestId: string;
  kind: string;
  claw: string;
  /** The operation this request started (saga commands; absent for synchronous ones). */
  operationId?: string;
  state: RequestState;
  /** When the current owner took the row (a stale pending row may be taken over). */
  claimedAt: string;
  etag: string;
}

export type NewRequest = Pick<RequestRecord, "requestId" | "kind" | "claw" | "operationId">;

export interface RequestLog {
  /** Inserts a pending row; when the requestId is known, returns the existing row instead. */
  claim(req: NewRequest): Promise<{ created: boolean; record: RequestRecord }>;
  /** Takes over a stale pending row; CONFLICT (retryable) when someone else changed it first. */
  takeOver(record: RequestRecord): Promise<RequestRecord>;
  /** Marks the request handled (its operation started or its table write done). */
  complete(record: RequestRecord): Promise<void>;
  /**
   * Forgets the request (it was refused or could not start), so it may be sent again. Only the
   * owner's row is deleted: a row someone else took over since (another ETag) stays.
   */
  release(record: RequestRecord): Promise<void>;
  get(requestId: string): Promise<RequestRecord | undefined>;
}

export interface RequestLogOptions {
  /** The state store's table prefix (the rows live in its Operations table). */
  prefix?: string;
  now?: () => Date;
}

function fromEntity(e: Record<string, unknown> & { etag: string; rowKey?: string }): RequestRecord {
  const r: RequestRecord = {
    requestId: String(e.rowKey),
    kind: String(e.kind ?? ""),
    claw: String(e.claw ?? ""),
    state: e.state === "done" ? "done" : "pending",
    claimedAt: String(e.claimedAt ?? ""),
    etag: e.etag,
  };
  if (typeof e.operationId === "string") r.operationId = e.operationId;
  return r;
}

function toEntity(r: Omit<RequestRecord, "etag">) {
  const e: Record<string, unknown> = { kind: r.kind, claw: r.claw, state: r.state, claimedAt: r.claimedAt };
  if (r.operationId) e.operationId = r.operationId;
  return { partitionKey: PK, rowKey: r.requestId, ...e };
}

/** Opens the request log beside the operations of a state store with the same prefix. */
export function createRequestLog(target: StorageTarget, opts: RequestLogOptions = {}): RequestLog {
  const table = openTable(target, tableName(opts.prefix ?? "", TABLE_NAMES.operations));
  return requestLogOn(table, opts.now ?? (() => new Date()));
}

/** The request log on an already opened table (tests, other stores). */
export function requestLogOn(table: Table, now: () => Date): RequestLog {
  async function get(requestId: string) {
    const e = await getEntity<Record<string, unknown>>(table, PK, requestId);
    return e ? fromEntity(e) : undefined;
  }
  async function write(r: RequestRecord, what: string): Promise<RequestRecord> {
    try {
      const res = await table.client.updateEntity(toEntity(r), "Replace", { etag: r.etag });
      return { ...r, etag: res.etag ?? "" };
    } catch (e) {
      if (statusOf(e) === 404) {
        throw new ClawError("CONFLICT", `request '${r.requestId}' was released while ${what}`, {
          retryable: true,
        });
      }
      throw storageError(e, `${what} request '${r.requestId}'`);
    }
  }
  return {
    get,
    async claim(req) {
      await table.ready();
      const record = { ...req, state: "pending" as const, claimedAt: now().toISOString() };
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          const res = await table.client.createEntity(toEntity(record));
          return { created: true, record: { ...record, etag: res.etag ?? "" } };
        } catch (e) {
          if (statusOf(e) !== 409) throw storageError(e, `recording request '${req.requestId}'`);
        }
        const existing = await get(req.requestId);
        // Released between our insert and our read: try the insert again.
        if (existing) return { created: false, record: existing };
      }
      throw new ClawError("CONFLICT", `request '${req.requestId}' keeps changing; retry`, {
        retryable: true,
      });
    },
    takeOver(record) {
      return write({ ...record, state: "pending", claimedAt: now().toISOString() }, "taking over");
    },
    async complete(record) {
      await write({ ...record, state: "done" }, "completing");
    },
    async release(record) {
      await table.ready();
      try {
        await table.client.deleteEntity(PK, record.requestId, { etag: record.etag });
      } catch (e) {
        const status = statusOf(e);
        if (status !== 404 && status !== 412) {
          throw storageError(e, `releasing request '${record.requestId}'`);
        }
      }
    },
  };
}
