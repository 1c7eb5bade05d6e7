/**
 * Wiring of the command handler's storage from the app settings, shared by every trigger: the
 * AzureWebJobsStorage account holds the tables and the command queue. On the twin that setting is
 * a connection string (Azurite); on Azure it is identity-based (`AzureWebJobsStorage__accountName`
 * with the user-assigned identity in `AzureWebJobsStorage__clientId`), as bicep sets it up.
 */
import { DefaultAzureCredential } from "@azure/identity";
import { QueueClient } from "@azure/storage-queue";
import { ClawError } from "../errors";
import { createStateStore, type StateStore, type StorageTarget } from "../state";
import { createRequestLog, type RequestLog } from "./requests";

export interface CommandRuntime {
  state: StateStore;
  requests: RequestLog;
  /** A client of a queue in the same account (created on first use). */
  queue(name: string): Promise<QueueClient>;
}

type Env = Record<string, string | undefined>;

interface StorageSettings {
  connectionString?: string;
  tableUrl?: string;
  queueUrl?: string;
  clientId?: string;
}

function storageSettings(env: Env): StorageSettings {
  const connectionString = env.AzureWebJobsStorage;
  if (connectionString) return { connectionString };
  const account = env.AzureWebJobsStorage__accountName;
  const tableUrl =
    env.AzureWebJobsStorage__tableServiceUri ?? (account && `https://${account}.table.core.windows.net`);
  const queueUrl =
    env.AzureWebJobsStorage__queueServiceUri ?? (account && `https://${account}.queue.core.windows.net`);
  if (!tableUrl || !queueUrl) {
    throw new ClawError(
      "INTERNAL",
      "storage is not configured: set AzureWebJobsStorage (twin) or AzureWebJobsStorage__accountName (Azure)",
    );
  }
  return { tableUrl, queueUrl, clientId: env.AzureWebJobsStorage__clientId };
}

const cache = new Map<string, CommandRuntime>();

/** The runtime for the current settings; one per storage account and process. */
export function commandRuntime(env: Env = process.env): CommandRuntime {
  const s = storageSettings(env);
  const key = s.connectionString ?? `${s.tableUrl}|${s.queueUrl}|${s.clientId ?? ""}`;
  let rt = cache.get(key);
  if (!rt) {
    rt = createRuntime(s);
    cache.set(key, rt);
  }
  return rt;
}

function createRuntime(s: StorageSettings): CommandRuntime {
  const credential = s.connectionString
    ? undefined
    : new DefaultAzureCredential(s.clientId ? { managedIdentityClientId: s.clientId } : {});
  const target: StorageTarget = s.connectionString ?? { tableUrl: s.tableUrl ?? "", credential: credential! };
  const queues = new Map<string, Promise<QueueClient>>();
  return {
    state: createStateStore(target),
    requests: createRequestLog(target),
    queue(name) {
      let q = queues.get(name);
      if (!q) {
        const client = s.connectionString
          ? new QueueClient(s.connectionString, name)
          : new QueueClient(`${s.queueUrl}/${name}`, credential!);
        q = client.createIfNotExists().then(() => client);
        void q.catch(() => queues.delete(name));
        queues.set(name, q);
      }
      return q;
    },
  };
}
