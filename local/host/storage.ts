/**
 * Storage clients for bindings, keyed by the binding's `connection` setting name, as the host resolves
 * them: the setting's value is a connection string; "AzureWebJobsStorage" (the default) is the
 * dev host's own storage (Azurite). Queues are created on first use, as the host does for triggers
 * and outputs.
 */
import { QueueClient, QueueServiceClient } from "@azure/storage-queue";
import { TableClient } from "@azure/data-tables";
import { getSetting, type Settings } from "./settings";

export class StorageClients {
  readonly #settings: Settings;
  readonly #defaultConnection: string;
  readonly #services = new Map<string, QueueServiceClient>();
  readonly #ready = new Map<string, Promise<QueueClient>>();

  constructor(settings: Settings, defaultConnectionString: string) {
    this.#settings = settings;
    this.#defaultConnection = defaultConnectionString;
  }

  /** The connection string behind a binding's `connection` (setting name; default AzureWebJobsStorage). */
  connectionString(connection?: string): string {
    const name = connection && connection.length > 0 ? connection : "AzureWebJobsStorage";
    if (name === "AzureWebJobsStorage") return this.#defaultConnection;
    const value = getSetting(this.#settings, name) ?? getSetting(this.#settings, `AzureWebJobs${name}`);
    if (!value) throw new Error(`Connection setting "${name}" is not set.`);
    return value;
  }

  /** A client for `queueName`, creating the queue if it does not exist yet. */
  queue(queueName: string, connection?: string): Promise<QueueClient> {
    const cs = this.connectionString(connection);
    const key = `${cs}\n${queueName}`;
    let ready = this.#ready.get(key);
    if (!ready) {
      let service = this.#services.get(cs);
      if (!service) {
        service = QueueServiceClient.fromConnectionString(cs);
        this.#services.set(cs, service);
      }
      const client = service.getQueueClient(queueName);
      ready = client.createIfNotExists().then(() => client);
      ready.catch(() => this.#ready.delete(key));
      this.#ready.set(key, ready);
    }
    return ready;
  }

  /** A table client (the table is not created here). */
  table(tableName: string, connection?: string): TableClient {
    return TableClient.fromConnectionString(this.connectionString(connection), tableName, {
      allowInsecureConnection: true,
    });
  }
}
