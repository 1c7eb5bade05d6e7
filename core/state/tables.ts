import { TableClient, type TableEntityResult } from "@azure/data-tables";
import type { TokenCredential } from "@azure/core-auth";
import { ClawError } from "../errors";

/** Where the tables live: a connection string (Azurite, keys) or an account URL with an identity. */
export type StorageTarget = string | { tableUrl: string; credential: TokenCredential };

/** Base table names; a store's prefix is put in front (tests isolate with a random prefix). */
export const TABLE_NAMES = {
  claws: "Claws",
  operations: "Operations",
  images: "Images",
  audit: "Audit",
} as const;

/** Table Storage's rule: 3..63 alphanumerics starting with a letter. */
export function tableName(prefix: string, base: string): string {
  const name = `${prefix}${base}`;
  if (!/^[A-Za-z][A-Za-z0-9]{2,62}$/.test(name)) {
    throw new ClawError("INTERNAL", `table name '${name}' is invalid: the prefix must be letters and digits`);
  }
  return name;
}

/** A table client plus a once-only "create if missing" that every repository awaits first. */
export interface Table {
  client: TableClient;
  ready(): Promise<void>;
}

export function openTable(target: StorageTarget, name: string): Table {
  const client =
    typeof target === "string"
      ? // Azurite speaks plain http on loopback; the SDK refuses http unless told.
        TableClient.fromConnectionString(target, name, { allowInsecureConnection: true })
      : new TableClient(target.tableUrl, name, target.credential);
  let creating: Promise<void> | undefined;
  return {
    client,
    ready() {
      creating ??= client.createTable().catch((e: unknown) => {
        creating = undefined; // let the next call try again
        throw storageError(e, `creating table ${name}`);
      });
      return creating;
    },
  };
}

export function statusOf(e: unknown): number | undefined {
  const status = (e as { statusCode?: unknown })?.statusCode;
  return typeof status === "number" ? status : undefined;
}

/** Maps a storage failure to a ClawError; 412 (stale ETag) becomes a retryable CONFLICT. */
export function storageError(e: unknown, what: string): ClawError {
  if (e instanceof ClawError) return e;
  const status = statusOf(e);
  const message = e instanceof Error ? e.message.split("\n")[0] : String(e);
  if (status === 412) {
    return new ClawError("CONFLICT", `${what}: the row changed since it was read (stale ETag)`, {
      retryable: true,
    });
  }
  if (status === 409) return new ClawError("CONFLICT", `${what}: ${message}`, { retryable: false });
  const retryable = status === undefined || status === 408 || status === 429 || status >= 500;
  return new ClawError("INTERNAL", `${what}: table storage failed (${status ?? "no status"}): ${message}`, {
    retryable,
  });
}

/** Reads one entity; undefined when absent. */
export async function getEntity<T extends object>(
  table: Table,
  partitionKey: string,
  rowKey: string,
): Promise<TableEntityResult<T> | undefined> {
  await table.ready();
  try {
    return await table.client.getEntity<T>(partitionKey, rowKey);
  } catch (e) {
    if (statusOf(e) === 404) return undefined;
    throw storageError(e, `reading ${table.client.tableName}/${partitionKey}/${rowKey}`);
  }
}

/** Reads every entity matching an OData filter (e.g. odata`PartitionKey eq ${pk}`), up to `limit`. */
export async function queryEntities<T extends object>(
  table: Table,
  filter: string | undefined,
  limit = Number.POSITIVE_INFINITY,
): Promise<TableEntityResult<T>[]> {
  await table.ready();
  const out: TableEntityResult<T>[] = [];
  try {
    for await (const e of table.client.listEntities<T>({ queryOptions: filter ? { filter } : {} })) {
      out.push(e);
      if (out.length >= limit) break;
    }
  } catch (e) {
    throw storageError(e, `querying ${table.client.tableName}`);
  }
  return out;
}
