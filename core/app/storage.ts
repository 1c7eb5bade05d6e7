/**
 * The control plane's storage account (AzureWebJobsStorage), opened once: every table under the
 * configured TABLE_PREFIX, and the queues. On the twin the setting is a connection string (Azurite);
 * on Azure it is identity-based (`AzureWebJobsStorage__accountName` with the user-assigned identity
 * in `AzureWebJobsStorage__clientId`), as bicep sets it up.
 */
import { DefaultAzureCredential } from "@azure/identity";
import type { TableClient } from "@azure/data-tables";
import { QueueClient } from "@azure/storage-queue";
import { createRequestLog, type RequestLog } from "../commands/requests";
import type { StorageSettings } from "../config";
import { createFleetState, type FleetState } from "../fleet/fleet-state";
import {
  createRolloutsRepository,
  createStateStore,
  type RolloutsRepository,
  type StateStore,
} from "../state";
import { openTable, tableName, type StorageTarget } from "../state/tables";
import { createChatStore, type ChatStore } from "../telegram/store";
import { createTraceLinks, type TraceLinks } from "../telemetry/links";

export interface AppStorage {
  target: StorageTarget;
  tablePrefix: string;
  state: StateStore;
  requests: RequestLog;
  rollouts: RolloutsRepository;
  fleet: FleetState;
  /** The Telegram bot's own table. */
  chats: ChatStore;
  /** Saga spans by operation or instance id, for their activities' spans (core/telemetry). */
  traceLinks: TraceLinks;
  /** A client of a queue in the same account (created on first use). */
  queue(name: string): Promise<QueueClient>;
  /** A client of table `name` under the prefix, not created (readiness probes). */
  tableClient(name: string): TableClient;
  /** A client of queue `name`, not created (readiness probes). */
  queueClient(name: string): QueueClient;
}

/** Opens every table of the account with one prefix, so no two parts of the app can disagree. */
export function createAppStorage({ storage, tablePrefix }: StorageSettings): AppStorage {
  const credential =
    storage.kind === "identity"
      ? new DefaultAzureCredential(storage.clientId ? { managedIdentityClientId: storage.clientId } : {})
      : undefined;
  const target: StorageTarget =
    storage.kind === "connectionString"
      ? storage.connectionString
      : { tableUrl: storage.tableUrl, credential: credential! };
  const opts = { prefix: tablePrefix };
  const queues = new Map<string, Promise<QueueClient>>();
  const tableClient = (name: string) => openTable(target, tableName(tablePrefix, name)).client;
  const queueClient = (name: string) =>
    storage.kind === "connectionString"
      ? new QueueClient(storage.connectionString, name)
      : new QueueClient(`${storage.queueUrl}/${name}`, credential!);
  return {
    target,
    tablePrefix,
    state: createStateStore(target, opts),
    requests: createRequestLog(target, opts),
    rollouts: createRolloutsRepository(target, opts),
    fleet: createFleetState(target, opts),
    chats: createChatStore(target, opts),
    traceLinks: createTraceLinks(tableClient("TraceLinks")),
    tableClient,
    queueClient,
    queue(name) {
      let q = queues.get(name);
      if (!q) {
        const client = queueClient(name);
        q = client.createIfNotExists().then(() => client);
        void q.catch(() => queues.delete(name));
        queues.set(name, q);
      }
      return q;
    },
  };
}
