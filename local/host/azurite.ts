/**
 * Azurite (the npm package) started in this process through its deep modules: the package's "main"
 * is the VS Code extension, which cannot load outside VS Code. Data lives under `location` (a
 * gitignored folder such as .data/azurite) or only in memory. Note that Azurite's file persistence
 * (LokiJS) saves every 5 s and on close: a graceful stop loses nothing, a SIGKILL of the process
 * that hosts Azurite can lose the last few seconds (hence `npm start` hosts it in a process of its
 * own, see azurite-process.ts).
 */
import fs from "fs";
import http from "http";
import path from "path";

export const DEV_ACCOUNT = "devstoreaccount1";
export const DEV_ACCOUNT_KEY =
  "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

export interface AzuriteOptions {
  /** Data folder; omit for in-memory storage (tests). */
  location?: string;
  host?: string;
  /**
   * Also start the blob service. Off by default: nothing in the twin uses blobs, and loading
   * Azurite's blob modules alone takes seconds.
   */
  blob?: boolean;
  /** Ports; 0 picks free ones. Defaults are Azurite's own: 10000, 10001, 10002. */
  blobPort?: number;
  queuePort?: number;
  tablePort?: number;
}

export interface AzuriteHandle {
  connectionString: string;
  /** Undefined unless started with `blob: true`. */
  blobEndpoint?: string;
  queueEndpoint: string;
  tableEndpoint: string;
  close(): Promise<void>;
}

interface AzuriteServer {
  start(): Promise<void>;
  close(): Promise<void>;
  getHttpServerAddress(): string;
}
type ServerCtor = new (config: unknown) => AzuriteServer;
type ConfigCtor = new (...args: unknown[]) => unknown;

// eslint-disable-next-line @typescript-eslint/no-require-imports -- Azurite has no importable entry point
const load = <T>(m: string): T => (require(`azurite/dist/src/${m}`) as { default: T }).default;

/** Starts Azurite's queue and table services (and blob, when asked). */
export async function startAzurite(opts: AzuriteOptions = {}): Promise<AzuriteHandle> {
  const host = opts.host ?? "127.0.0.1";
  const memory = opts.location === undefined;
  const loc = opts.location ? path.resolve(opts.location) : "";
  if (!memory) fs.mkdirSync(loc, { recursive: true });
  const at = (name: string): string => (memory ? name : path.join(loc, name));
  const persistence = (dir: string) => [{ locationId: "Default", locationPath: at(dir), maxConcurrency: 1 }];

  const QueueServer = load<ServerCtor>("queue/QueueServer");
  const QueueConfiguration = load<ConfigCtor>("queue/QueueConfiguration");
  const TableServer = load<ServerCtor>("table/TableServer");
  const TableConfiguration = load<ConfigCtor>("table/TableConfiguration");

  // Positional arguments, as dist/src/azurite.js passes them (no access log, no debug log, strict
  // mode off for unknown headers, API version check skipped so newer SDKs work).
  const common = [false, undefined, false, undefined, false, true, "", "", "", undefined, false, memory];
  let blob: AzuriteServer | undefined;
  if (opts.blob) {
    const BlobServer = load<ServerCtor>("blob/BlobServer");
    const BlobConfiguration = load<ConfigCtor>("blob/BlobConfiguration");
    blob = new BlobServer(
      new BlobConfiguration(
        host,
        opts.blobPort ?? 10000,
        undefined,
        at("__azurite_db_blob__.json"),
        at("__azurite_db_blob_extent__.json"),
        persistence("__blobstorage__"),
        ...common,
      ),
    );
  }
  const queue = new QueueServer(
    new QueueConfiguration(
      host,
      opts.queuePort ?? 10001,
      undefined,
      at("__azurite_db_queue__.json"),
      at("__azurite_db_queue_extent__.json"),
      persistence("__queuestorage__"),
      ...common,
    ),
  );
  const table = new TableServer(
    new TableConfiguration(
      host,
      opts.tablePort ?? 10002,
      undefined,
      at("__azurite_db_table__.json"),
      false,
      false,
      undefined,
      undefined,
      false,
      true,
      "",
      "",
      "",
      undefined,
      false,
      memory,
    ),
  );
  const started: AzuriteServer[] = [];
  try {
    for (const s of [blob, queue, table]) {
      if (!s) continue;
      await s.start();
      started.push(s);
    }
  } catch (err) {
    await Promise.allSettled(started.map((s) => s.close()));
    throw err;
  }
  const endpoint = (s: AzuriteServer) =>
    `http://${s.getHttpServerAddress().replace(/^https?:\/\//, "")}/${DEV_ACCOUNT}`;
  const endpoints = {
    blobEndpoint: blob ? endpoint(blob) : undefined,
    queueEndpoint: endpoint(queue),
    tableEndpoint: endpoint(table),
  };
  let closed = false;
  return {
    ...endpoints,
    connectionString: devConnectionString(endpoints),
    async close() {
      if (closed) return;
      closed = true;
      await Promise.allSettled([blob?.close(), queue.close(), table.close()]);
    },
  };
}

/** The full development-storage connection string for the given endpoints. */
export function devConnectionString(e: {
  blobEndpoint?: string;
  queueEndpoint: string;
  tableEndpoint: string;
}): string {
  return (
    `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_ACCOUNT_KEY};` +
    (e.blobEndpoint ? `BlobEndpoint=${e.blobEndpoint};` : "") +
    `QueueEndpoint=${e.queueEndpoint};TableEndpoint=${e.tableEndpoint};`
  );
}

/** The queue endpoint a connection string points at (UseDevelopmentStorage=true means the default). */
export function queueEndpointOf(connectionString: string): string | undefined {
  if (/UseDevelopmentStorage=true/i.test(connectionString)) return `http://127.0.0.1:10001/${DEV_ACCOUNT}`;
  return /QueueEndpoint=([^;]+)/i.exec(connectionString)?.[1];
}

/** True when something answers HTTP at the queue endpoint of `connectionString` (an Azurite already running). */
export function isStorageReachable(connectionString: string, timeoutMs = 1000): Promise<boolean> {
  const endpoint = queueEndpointOf(connectionString);
  if (!endpoint) return Promise.resolve(false);
  return new Promise((resolve) => {
    const req = http.get(endpoint + "?comp=list", { timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(false));
  });
}

export interface StorageChoice {
  connectionString: string;
  /** Set when Azurite was started here (the caller closes it). */
  azurite?: AzuriteHandle;
  source: "configured" | "running" | "started";
}

/**
 * Storage for the twin from the AzureWebJobsStorage setting: a remote account is used as is; a local
 * one (UseDevelopmentStorage=true or a 127.0.0.1 Azurite string) is used when something answers there,
 * otherwise Azurite is started (by `start`: here, or in a process of its own) on the ports it names,
 * with data under `location` (undefined: memory).
 */
export async function ensureStorage(
  configured: string,
  location: string | undefined,
  start: (opts: AzuriteOptions) => Promise<AzuriteHandle> = startAzurite,
): Promise<StorageChoice> {
  if (!/UseDevelopmentStorage=true|127\.0\.0\.1|localhost/i.test(configured)) {
    return { connectionString: configured, source: "configured" };
  }
  if (await isStorageReachable(configured)) return { connectionString: configured, source: "running" };
  const port = (name: string, fallback: number) =>
    Number(new RegExp(`${name}Endpoint=https?://[^:/;]+:(\\d+)`, "i").exec(configured)?.[1] ?? fallback);
  const azurite = await start({
    location,
    queuePort: port("Queue", 10001),
    tablePort: port("Table", 10002),
  });
  return { connectionString: azurite.connectionString, azurite, source: "started" };
}

/** Where a started Azurite keeps its data: AZURITE_IN_MEMORY=true means nowhere, else AZURITE_LOCATION or <root>/.data/azurite. */
export function azuriteLocation(
  settings: Record<string, string | undefined>,
  rootDir: string,
): string | undefined {
  if (/^(1|true|yes)$/i.test(settings.AZURITE_IN_MEMORY ?? process.env.AZURITE_IN_MEMORY ?? ""))
    return undefined;
  const configured = settings.AZURITE_LOCATION ?? process.env.AZURITE_LOCATION;
  return path.resolve(rootDir, configured ?? path.join(".data", "azurite"));
}
