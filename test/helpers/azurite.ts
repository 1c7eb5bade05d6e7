/**
 * Starts real Azurite servers in this process (in-memory, ephemeral ports on 127.0.0.1) for tests.
 * Azurite's package `main` is its VS Code extension, so the servers are loaded by deep import
 * (see the durable-functions facts note, §5). Each call gets its own servers: tests never share
 * state through a fixed port.
 */

interface AzuriteServer {
  start(): Promise<void>;
  close(): Promise<void>;
  getHttpServerAddress(): string;
}
type ServerCtor = new (config: unknown) => AzuriteServer;
type ConfigCtor = new (...args: unknown[]) => unknown;

/* eslint-disable @typescript-eslint/no-require-imports -- azurite ships no typings for its servers */
function load(kind: "table" | "queue"): { Server: ServerCtor; Configuration: ConfigCtor } {
  const base = `azurite/dist/src/${kind}/${kind === "table" ? "Table" : "Queue"}`;
  return {
    Server: (require(`${base}Server`) as { default: ServerCtor }).default,
    Configuration: (require(`${base}Configuration`) as { default: ConfigCtor }).default,
  };
}
/* eslint-enable @typescript-eslint/no-require-imports */

export const AZURITE_ACCOUNT = "devstoreaccount1";
export const AZURITE_KEY =
  "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

export interface Azurite {
  /** Connection string with the endpoints that were started. */
  connectionString: string;
  tableUrl?: string;
  queueUrl?: string;
  close(): Promise<void>;
}

function tableServer(): AzuriteServer {
  const { Server, Configuration } = load("table");
  // (host, port, keepAlive, dbPath, debugLog, accessLog, accessLogStream, debugLogPath, loose,
  //  skipApiVersionCheck, cert, key, pwd, oauth, disableProductStyleUrl, isMemoryPersistence)
  const config = new Configuration(
    "127.0.0.1", 0, undefined, "table-db", false, false, undefined, undefined, false, true,
    "", "", "", undefined, false, true,
  ); // prettier-ignore
  return new Server(config);
}

function queueServer(): AzuriteServer {
  const { Server, Configuration } = load("queue");
  // (host, port, keepAlive, dbPath, extentDbPath, persistence, accessLog, accessLogStream, debugLog,
  //  debugLogPath, loose, skipApiVersionCheck, cert, key, pwd, oauth, disableProductStyleUrl, isMemoryPersistence)
  const config = new Configuration(
    "127.0.0.1", 0, undefined, "queue-db", "queue-extent-db", undefined, false, undefined, false,
    undefined, false, true, "", "", "", undefined, false, true,
  ); // prettier-ignore
  return new Server(config);
}

/** Starts Azurite's table and/or queue service (both by default). */
export async function startAzurite(opts: { table?: boolean; queue?: boolean } = {}): Promise<Azurite> {
  const wantTable = opts.table ?? true;
  const wantQueue = opts.queue ?? true;
  const servers: AzuriteServer[] = [];
  const parts = [
    `DefaultEndpointsProtocol=http`,
    `AccountName=${AZURITE_ACCOUNT}`,
    `AccountKey=${AZURITE_KEY}`,
  ];
  const result: Azurite = {
    connectionString: "",
    close: async () => {
      await Promise.all(servers.map((s) => s.close()));
    },
  };
  try {
    if (wantTable) {
      const s = tableServer();
      await s.start();
      servers.push(s);
      result.tableUrl = `${s.getHttpServerAddress()}/${AZURITE_ACCOUNT}`;
      parts.push(`TableEndpoint=${result.tableUrl}`);
    }
    if (wantQueue) {
      const s = queueServer();
      await s.start();
      servers.push(s);
      result.queueUrl = `${s.getHttpServerAddress()}/${AZURITE_ACCOUNT}`;
      parts.push(`QueueEndpoint=${result.queueUrl}`);
    }
  } catch (e) {
    await result.close();
    throw e;
  }
  result.connectionString = parts.join(";") + ";";
  return result;
}
