import { DefaultAzureCredential } from "@azure/identity";
import type { StorageConfig } from "../config";
import type { StorageTarget } from "./tables";

/** The tables' location from configuration: the connection string, or the account URL with the identity. */
export function storageTargetFromConfig(storage: StorageConfig): StorageTarget {
  if (storage.kind === "connectionString") return storage.connectionString;
  const credential = new DefaultAzureCredential(
    storage.clientId ? { managedIdentityClientId: storage.clientId } : {},
  );
  return { tableUrl: storage.tableUrl, credential };
}
