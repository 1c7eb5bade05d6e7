import { createAuditRepository, type AuditRepository } from "./audit";
import { createClawsRepository, type ClawsRepository } from "./claws";
import { createImagesRepository, type ImagesRepository } from "./images";
import { createOperationsRepository, type OperationsRepository } from "./operations";
import { openTable, TABLE_NAMES, tableName, type StorageTarget } from "./tables";

export * from "./audit";
export * from "./claws";
export * from "./images";
export * from "./operations";
export * from "./rollouts";
export { updateWithRetry, type UpdateRetryOptions } from "./retry";
export { TABLE_NAMES, tableName, type StorageTarget } from "./tables";

export interface StateStoreOptions {
  /** Put in front of every table name ("" on Azure; tests use a random one to isolate). */
  prefix?: string;
  /** Replaceable clock for timestamps. */
  now?: () => Date;
}

export interface StateStore {
  claws: ClawsRepository;
  operations: OperationsRepository;
  images: ImagesRepository;
  audit: AuditRepository;
  /** Creates the tables if missing (repositories also do this on first use). */
  ensureTables(): Promise<void>;
  /** The actual table names, for tests and diagnostics. */
  tableNames: Record<keyof typeof TABLE_NAMES, string>;
}

/** Opens the control plane's tables (created on first use) and returns their repositories. */
export function createStateStore(
  target: StorageTarget,
  { prefix = "", now = () => new Date() }: StateStoreOptions = {},
): StateStore {
  const tableNames = {
    claws: tableName(prefix, TABLE_NAMES.claws),
    operations: tableName(prefix, TABLE_NAMES.operations),
    images: tableName(prefix, TABLE_NAMES.images),
    audit: tableName(prefix, TABLE_NAMES.audit),
  };
  const tables = {
    claws: openTable(target, tableNames.claws),
    operations: openTable(target, tableNames.operations),
    images: openTable(target, tableNames.images),
    audit: openTable(target, tableNames.audit),
  };
  return {
    claws: createClawsRepository(tables.claws, now),
    operations: createOperationsRepository(tables.operations, now),
    images: createImagesRepository(tables.images, now),
    audit: createAuditRepository(tables.audit, now),
    async ensureTables() {
      await Promise.all(Object.values(tables).map((t) => t.ready()));
    },
    tableNames,
  };
}
