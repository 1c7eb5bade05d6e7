/**
 * The fleet automation's own small records, in one table (FleetState):
 *   pin/<claw>            pinned awake until (operators: "keep alice awake for 3 h")
 *   slot/<claw|action|t>  a schedule transition handled (or warned about): never acted on twice
 *   delivery/<id>         bake webhook delivery ids seen (replay protection)
 *   tick/last             when the schedule tick last ran (catch-up after downtime)
 */
import { odata } from "@azure/data-tables";
import { ClawError } from "../errors";
import { tableName, type StorageTarget } from "../state";
import { getEntity, openTable, queryEntities, statusOf, storageError, type Table } from "../state/tables";

export const FLEET_STATE_TABLE = "FleetState";

export interface SlotRecord {
  key: string;
  outcome: string;
  operationId?: string;
  at: string;
}

export interface FleetState {
  pins(): Promise<Map<string, Date>>;
  pin(claw: string, until: Date, by: string): Promise<void>;
  unpin(claw: string): Promise<void>;
  /** Slot keys handled since `since` (keys of older slots are not needed any more). */
  doneSlots(since: Date): Promise<Set<string>>;
  /** Records a slot as handled; false when it already was (someone else got there first). */
  claimSlot(key: string, slotAt: Date, outcome: string, operationId?: string): Promise<boolean>;
  /** Records the first sighting of a delivery id; false when it was seen before. */
  claimDelivery(id: string, info: Record<string, string>): Promise<boolean>;
  lastTick(): Promise<Date | undefined>;
  setLastTick(at: Date): Promise<void>;
}

/** Opens FleetState beside a state store with the same prefix. */
export function createFleetState(
  target: StorageTarget,
  { prefix = "", now = () => new Date() }: { prefix?: string; now?: () => Date } = {},
): FleetState {
  return fleetStateOn(openTable(target, tableName(prefix, FLEET_STATE_TABLE)), now);
}

// Row keys may not hold / \ # ? or control characters; ours hold names, ISO times and "|".
function safeKey(key: string): string {
  if (/[/\\#?\u0000-\u001f]/.test(key))
    throw new ClawError("BAD_REQUEST", `invalid key '${key.slice(0, 80)}'`);
  return key;
}

export function fleetStateOn(table: Table, now: () => Date): FleetState {
  async function insert(pk: string, rk: string, props: Record<string, unknown>): Promise<boolean> {
    await table.ready();
    try {
      await table.client.createEntity({ partitionKey: pk, rowKey: safeKey(rk), ...props });
      return true;
    } catch (e) {
      if (statusOf(e) === 409) return false;
      throw storageError(e, `recording ${pk} ${rk}`);
    }
  }
  async function upsert(pk: string, rk: string, props: Record<string, unknown>) {
    await table.ready();
    try {
      await table.client.upsertEntity({ partitionKey: pk, rowKey: safeKey(rk), ...props }, "Replace");
    } catch (e) {
      throw storageError(e, `writing ${pk} ${rk}`);
    }
  }
  return {
    async pins() {
      const rows = await queryEntities<Record<string, unknown>>(table, odata`PartitionKey eq 'pin'`);
      return new Map(rows.map((r) => [String(r.rowKey), new Date(String(r.until))]));
    },
    pin(claw, until, by) {
      return upsert("pin", claw, { until: until.toISOString(), by, at: now().toISOString() });
    },
    async unpin(claw) {
      await table.ready();
      try {
        await table.client.deleteEntity("pin", claw);
      } catch (e) {
        if (statusOf(e) !== 404) throw storageError(e, `unpinning ${claw}`);
      }
    },
    async doneSlots(since) {
      const rows = await queryEntities<Record<string, unknown>>(
        table,
        odata`PartitionKey eq 'slot' and slotAt ge ${since.toISOString()}`,
      );
      return new Set(rows.map((r) => String(r.rowKey)));
    },
    claimSlot(key, slotAt, outcome, operationId) {
      return insert("slot", key, {
        slotAt: slotAt.toISOString(),
        outcome: outcome.slice(0, 500),
        at: now().toISOString(),
        ...(operationId ? { operationId } : {}),
      });
    },
    claimDelivery(id, info) {
      return insert("delivery", id, { ...info, at: now().toISOString() });
    },
    async lastTick() {
      const e = await getEntity<Record<string, unknown>>(table, "tick", "last");
      return e && typeof e.at === "string" ? new Date(e.at) : undefined;
    },
    setLastTick(at) {
      return upsert("tick", "last", { at: at.toISOString() });
    },
  };
}
