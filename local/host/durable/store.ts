/**
 * Durable state of the dev host's task hub in Azurite tables, laid out like the Azure Storage
 * provider: `<hub>Instances` (one row per instance; `historyLength` is the commit point) and
 * `<hub>History` (one partition per instance: `h-<index>` event rows and `inbox-*` rows for events
 * received but not yet replayed). History rows are written before the instance row, so a crash
 * between the two leaves only rows past the commit point, which are ignored and overwritten.
 */
import { TableClient, TableTransaction, odata, type TableEntity } from "@azure/data-tables";
import type { HistoryEvent } from "./history";

export type RuntimeStatus =
  "Pending" | "Running" | "Completed" | "ContinuedAsNew" | "Failed" | "Terminated" | "Suspended";
export const TERMINAL: ReadonlySet<RuntimeStatus> = new Set(["Completed", "Failed", "Terminated"]);

export interface InstanceRecord {
  instanceId: string;
  name: string;
  status: RuntimeStatus;
  input: string; // JSON text
  output: string; // JSON text ("null" when none)
  customStatus: string; // JSON text
  createdTime: string;
  lastUpdatedTime: string;
  historyLength: number;
  nextSeq: number;
  /** Leaf actions already acted on, as "type:name:seq" (for determinism checks and timer cancels). */
  leafLog: string[];
  parentInstanceId?: string;
  parentSeq?: number;
  generation: number;
}

const CHUNK = 30_000; // characters per string property (Azure's limit is 64 KiB = 32K UTF-16 chars)
const KEY_RE = /[^A-Za-z0-9\-_.~!*'()]/g;

/** Table keys may not contain / \ # ? or control characters. */
export function keyOf(instanceId: string): string {
  return instanceId.replace(KEY_RE, (c) => "%" + c.charCodeAt(0).toString(16).padStart(2, "0"));
}

function putBig(entity: Record<string, unknown>, prop: string, text: string): void {
  const n = Math.max(1, Math.ceil(text.length / CHUNK));
  entity[`${prop}_n`] = n;
  for (let i = 0; i < n; i++) entity[`${prop}_${i}`] = text.slice(i * CHUNK, (i + 1) * CHUNK);
}

function getBig(entity: Record<string, unknown>, prop: string): string {
  const n = Number(entity[`${prop}_n`] ?? 0);
  let s = "";
  for (let i = 0; i < n; i++) s += String(entity[`${prop}_${i}`] ?? "");
  return s;
}

const pageKey = (generation: number, start: number, part: number) =>
  `p-${String(generation).padStart(6, "0")}-${String(start).padStart(9, "0")}-${String(part).padStart(3, "0")}`;

export class HubStore {
  readonly instances: TableClient;
  readonly history: TableClient;

  constructor(connectionString: string, hubName: string) {
    const opts = { allowInsecureConnection: true };
    this.instances = TableClient.fromConnectionString(connectionString, `${hubName}Instances`, opts);
    this.history = TableClient.fromConnectionString(connectionString, `${hubName}History`, opts);
  }

  async init(): Promise<void> {
    for (const t of [this.instances, this.history]) {
      try {
        await t.createTable();
      } catch (e) {
        if ((e as { statusCode?: number }).statusCode !== 409) throw e;
      }
    }
  }

  async getInstance(instanceId: string): Promise<InstanceRecord | undefined> {
    try {
      const e = await this.instances.getEntity<Record<string, unknown>>(keyOf(instanceId), "");
      return fromEntity(e);
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode === 404) return undefined;
      throw e;
    }
  }

  async putInstance(rec: InstanceRecord): Promise<void> {
    await this.instances.upsertEntity(toEntity(rec, "") as TableEntity, "Replace");
  }

  async listInstances(filter?: { statuses?: RuntimeStatus[] }): Promise<InstanceRecord[]> {
    const out: InstanceRecord[] = [];
    const statuses = filter?.statuses ?? [];
    const q = statuses.length ? statuses.map((s) => odata`status eq ${s}`).join(" or ") : undefined;
    for await (const e of this.instances.listEntities<Record<string, unknown>>({
      queryOptions: { filter: q },
    })) {
      out.push(fromEntity(e));
    }
    return out;
  }

  /**
   * Commit one step: the events appended since `from` and the instance as it stands afterwards go in
   * ONE row (a page), so a step is a single atomic upsert. Pages are keyed by generation (bumped by
   * continue-as-new and restarts) and start index; a page too large for one entity is split into
   * several rows written in one transaction.
   */
  async appendHistory(rec: InstanceRecord, events: HistoryEvent[], from: number): Promise<void> {
    const pk = keyOf(rec.instanceId);
    const page = JSON.stringify({ events: events.slice(from), meta: rec });
    const rows: Record<string, unknown>[] = [];
    const perRow = CHUNK * 25; // ~750K characters: under the 1 MiB entity limit in UTF-16
    for (let off = 0, part = 0; off < page.length || part === 0; off += perRow, part++) {
      const e: Record<string, unknown> = { partitionKey: pk, rowKey: pageKey(rec.generation, from, part) };
      putBig(e, "d", page.slice(off, off + perRow));
      rows.push(e);
    }
    if (rows.length === 1) {
      await this.history.upsertEntity(rows[0] as TableEntity, "Replace");
      return;
    }
    const tx = new TableTransaction();
    for (const r of rows) tx.upsertEntity(r as TableEntity, "Replace");
    await this.history.submitTransaction(tx.actions);
  }

  /** The committed history and instance state of the latest generation (undefined: none written). */
  async loadCommitted(
    instanceId: string,
  ): Promise<{ rec: InstanceRecord; history: HistoryEvent[] } | undefined> {
    const pk = keyOf(instanceId);
    const rows: Array<{ rk: string; d: string }> = [];
    const iter = this.history.listEntities<Record<string, unknown>>({
      queryOptions: { filter: odata`PartitionKey eq ${pk} and RowKey ge 'p-' and RowKey lt 'p.'` },
    });
    for await (const e of iter) rows.push({ rk: String(e.rowKey), d: getBig(e, "d") });
    if (!rows.length) return undefined;
    rows.sort((x, y) => (x.rk < y.rk ? -1 : 1));
    const gen = rows[rows.length - 1].rk.split("-")[1];
    const history: HistoryEvent[] = [];
    let rec: InstanceRecord | undefined;
    let buf = "";
    for (const r of rows.filter((x) => x.rk.split("-")[1] === gen)) {
      buf += r.d;
      let page: { events: HistoryEvent[]; meta: InstanceRecord };
      try {
        page = JSON.parse(buf) as typeof page;
      } catch {
        continue; // a page split over several rows: keep reading
      }
      buf = "";
      history.length = page.meta.historyLength - page.events.length;
      history.push(...page.events);
      rec = page.meta;
    }
    return rec ? { rec, history } : undefined;
  }

  async putInbox(instanceId: string, inboxId: string, event: HistoryEvent): Promise<void> {
    const e: Record<string, unknown> = { partitionKey: keyOf(instanceId), rowKey: `inbox-${inboxId}` };
    putBig(e, "d", JSON.stringify(event));
    await this.history.upsertEntity(e as TableEntity, "Replace");
  }

  async listInbox(instanceId: string): Promise<HistoryEvent[]> {
    const pk = keyOf(instanceId);
    const out: HistoryEvent[] = [];
    const iter = this.history.listEntities<Record<string, unknown>>({
      queryOptions: { filter: odata`PartitionKey eq ${pk} and RowKey ge 'inbox-' and RowKey lt 'inbox.'` },
    });
    for await (const e of iter) out.push(JSON.parse(getBig(e, "d")) as HistoryEvent);
    return out;
  }

  async deleteInbox(instanceId: string, inboxIds: string[]): Promise<void> {
    for (const id of inboxIds) {
      try {
        await this.history.deleteEntity(keyOf(instanceId), `inbox-${id}`);
      } catch (e) {
        if ((e as { statusCode?: number }).statusCode !== 404) throw e;
      }
    }
  }

  /** Remove an instance and its whole history partition. */
  async purge(instanceId: string): Promise<void> {
    const pk = keyOf(instanceId);
    const keys: string[] = [];
    for await (const e of this.history.listEntities({
      queryOptions: { filter: odata`PartitionKey eq ${pk}`, select: ["rowKey"] },
    })) {
      keys.push(String(e.rowKey));
    }
    for (let i = 0; i < keys.length; i += 100) {
      const tx = new TableTransaction();
      for (const rk of keys.slice(i, i + 100)) tx.deleteEntity(pk, rk);
      await this.history.submitTransaction(tx.actions);
    }
    try {
      await this.instances.deleteEntity(pk, "");
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode !== 404) throw e;
    }
  }
}

function toEntity(rec: InstanceRecord, rk: string): Record<string, unknown> {
  const e: Record<string, unknown> = {
    partitionKey: keyOf(rec.instanceId),
    rowKey: rk,
    instanceId: rec.instanceId,
    name: rec.name,
    status: rec.status,
    createdTime: rec.createdTime,
    lastUpdatedTime: rec.lastUpdatedTime,
    historyLength: rec.historyLength,
    nextSeq: rec.nextSeq,
    generation: rec.generation,
    parentInstanceId: rec.parentInstanceId ?? "",
    parentSeq: rec.parentSeq ?? -1,
  };
  putBig(e, "input", rec.input);
  putBig(e, "output", rec.output);
  putBig(e, "customStatus", rec.customStatus);
  putBig(e, "leafLog", JSON.stringify(rec.leafLog));
  return e;
}

function fromEntity(e: Record<string, unknown>): InstanceRecord {
  const parent = String(e.parentInstanceId ?? "");
  return {
    instanceId: String(e.instanceId),
    name: String(e.name),
    status: String(e.status) as RuntimeStatus,
    input: getBig(e, "input") || "null",
    output: getBig(e, "output") || "null",
    customStatus: getBig(e, "customStatus") || "null",
    createdTime: String(e.createdTime),
    lastUpdatedTime: String(e.lastUpdatedTime),
    historyLength: Number(e.historyLength ?? 0),
    nextSeq: Number(e.nextSeq ?? 0),
    generation: Number(e.generation ?? 0),
    leafLog: JSON.parse(getBig(e, "leafLog") || "[]") as string[],
    parentInstanceId: parent || undefined,
    parentSeq: parent ? Number(e.parentSeq) : undefined,
  };
}
