/**
 * The timer schedule monitor (the host's `useMonitor`): each timer's last and next occurrence,
 * persisted so that a run missed while the dev host was down fires once, as past due, at startup.
 * Azure keeps this in a blob under azure-webjobs-hosts/timers; the dev host keeps one Azurite table
 * row per function.
 */
import type { TableClient } from "@azure/data-tables";

export const MONITOR_TABLE = "DevHostTimerStatus";

export interface ScheduleStatus {
  last?: Date;
  next: Date;
  lastUpdated: Date;
}

interface StatusEntity {
  partitionKey: string;
  rowKey: string;
  Last: string;
  Next: string;
  LastUpdated: string;
}

export class ScheduleMonitor {
  readonly #table: TableClient;
  readonly #hostId: string;
  #created: Promise<void> | undefined;

  constructor(table: TableClient, hostId: string) {
    this.#table = table;
    this.#hostId = hostId;
  }

  #ensureTable(): Promise<void> {
    this.#created ??= this.#table.createTable().catch((err: unknown) => {
      this.#created = undefined;
      throw err;
    });
    return this.#created;
  }

  /** The stored status of a timer function, if any. */
  async get(functionName: string): Promise<ScheduleStatus | undefined> {
    await this.#ensureTable();
    try {
      const e = await this.#table.getEntity<StatusEntity>(this.#hostId, functionName.toLowerCase());
      return {
        last: e.Last ? new Date(e.Last) : undefined,
        next: new Date(e.Next),
        lastUpdated: new Date(e.LastUpdated),
      };
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return undefined;
      throw err;
    }
  }

  /** Stores (replaces) the status of a timer function. */
  async set(functionName: string, status: ScheduleStatus): Promise<void> {
    await this.#ensureTable();
    await this.#table.upsertEntity<StatusEntity>(
      {
        partitionKey: this.#hostId,
        rowKey: functionName.toLowerCase(),
        Last: status.last?.toISOString() ?? "",
        Next: status.next.toISOString(),
        LastUpdated: status.lastUpdated.toISOString(),
      },
      "Replace",
    );
  }
}
