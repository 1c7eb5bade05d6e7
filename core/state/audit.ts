import { randomBytes } from "node:crypto";
import { odata } from "@azure/data-tables";
import type { Channel } from "../domain/commands";
import { clip, defined, invertedTime, readJson, str, writeJson } from "./columns";
import { queryEntities, storageError, type Table } from "./tables";

export interface AuditEntry {
  at: string;
  channel: Channel;
  principal: string;
  /** Command kind ("upgrade") or, for input that was not a command, "invalid". */
  kind: string;
  claw?: string;
  requestId?: string;
  /** The command as received (validated commands hold no secrets; raw input is clipped). */
  command: unknown;
  accepted: boolean;
  /** Why it was refused (or a note on acceptance). */
  reason?: string;
  operationId?: string;
}

export type AuditInput = Omit<AuditEntry, "at"> & { at?: string };

/** Rows are partitioned by UTC day; row keys sort newest first. */
export function auditDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

function fromEntity(e: Record<string, unknown>): AuditEntry {
  return {
    ...(defined({
      claw: str(e, "claw"),
      requestId: str(e, "requestId"),
      reason: str(e, "reason"),
      operationId: str(e, "operationId"),
    }) as Partial<AuditEntry>),
    at: str(e, "at") ?? "",
    channel: str(e, "channel") as Channel,
    principal: str(e, "principal") ?? "",
    kind: str(e, "kind") ?? "",
    command: readJson<unknown>(e, "command"),
    accepted: e.accepted === true,
  };
}

export interface AuditRepository {
  /** Records an accepted or refused command. Never overwrites an earlier entry. */
  record(entry: AuditInput): Promise<AuditEntry>;
  /** Entries of one UTC day (YYYY-MM-DD, default today), newest first. */
  list(opts?: { day?: string; limit?: number }): Promise<AuditEntry[]>;
  /** Newest entries over the last `days` days (default 7), newest first. */
  recent(opts?: { days?: number; limit?: number }): Promise<AuditEntry[]>;
}

export function createAuditRepository(table: Table, now: () => Date): AuditRepository {
  async function list(opts: { day?: string; limit?: number } = {}) {
    const day = opts.day ?? auditDay(now());
    const rows = await queryEntities<Record<string, unknown>>(
      table,
      odata`PartitionKey eq ${day}`,
      opts.limit ?? 100,
    );
    return rows.map(fromEntity);
  }
  return {
    async record(input) {
      await table.ready();
      const at = input.at ? new Date(input.at) : now();
      const entry: AuditEntry = { ...input, at: at.toISOString(), reason: clip(input.reason, 2000) };
      const e = defined({
        at: entry.at,
        channel: entry.channel,
        principal: clip(entry.principal, 256),
        kind: clip(entry.kind, 64),
        claw: entry.claw,
        requestId: entry.requestId,
        accepted: entry.accepted,
        reason: entry.reason,
        operationId: entry.operationId,
      });
      // Raw refused input can be anything: keep the audit row bounded.
      const raw = JSON.stringify(entry.command ?? null);
      writeJson(
        e,
        "command",
        raw.length > 60_000 ? { clipped: clip(raw, 2000) } : (entry.command ?? null),
        2,
      );
      const rowKey = `${invertedTime(at)}-${randomBytes(4).toString("hex")}`;
      try {
        await table.client.createEntity({ partitionKey: auditDay(at), rowKey, ...e });
      } catch (err) {
        throw storageError(err, "recording an audit entry");
      }
      return entry;
    },
    list,
    async recent(opts = {}) {
      const limit = opts.limit ?? 100;
      const out: AuditEntry[] = [];
      const today = now();
      for (let d = 0; d < (opts.days ?? 7) && out.length < limit; d++) {
        const day = auditDay(new Date(today.getTime() - d * 86_400_000));
        out.push(...(await list({ day, limit: limit - out.length })));
      }
      return out;
    },
  };
}
