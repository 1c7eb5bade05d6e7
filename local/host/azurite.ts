/**
 * Azurite (the npm package) started in this process through its deep modules: the package's "main"
 * is the VS Code extension, which cannot load outside VS Code. Data lives under `location` (a
 * gitignored folder such as .data/azurite) or only in memory. Note that Azurite's file persistence
 * (LokiJS) saves every 5 s and on close: a graceful stop loses nothing, a SIGKILL of the process
 * that hosts Azurite can lose the last few seconds.
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
  /** Ports; 0 picks free ones. Defaults are Azurite's own: 10000, 10001, 10002. */
  blobPort?: number;
  queuePort?: number;
  tablePort?: number;
}

export interface AzuriteHandle {
  connectionString: string;
  blobEndpoint: string;
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

/* eslint-disable @typescript-eslint/no-require-imports -- Azurite has no importable entry point */
const load = <T>(m: string): T => (require(`azurite/dist/src/${m}`) as { default: T }).default;

/** Starts Azurite's blob, queue and table services. */
export async function startAzurite(opts: AzuriteOptions = {}): Promise<AzuriteHandle> {
  const host = opts.host ?? "127.0.0.1";
  const memory = opts.location === undefined;
  const loc = opts.location ? path.resolve(opts.location) : "";
  if (!memory) fs.mkdirSync(loc, { recursive: true });
  const at = (name: string): string => (memory ? name : path.join(loc, name));
  const persistence = (dir: string) => [{ locationId: "Default", locationPath: at(dir), maxConcurrency: 1 }];

  const BlobServer = load<ServerCtor>("blob/BlobServer");
  const BlobConfiguration = load<ConfigCtor>("blob/BlobConfiguration");
  const QueueServer = load<ServerCtor>("queue/QueueServer");
  const QueueConfiguration = load<ConfigCtor>("queue/QueueConfiguration");
  const TableServer = load<ServerCtor>("table/TableServer");
  const TableConfiguration = load<ConfigCtor>("table/TableConfiguration");
  /* eslint-enable @typescript-eslint/no-require-imports */

  // Positional arguments, as dist/src/azurite.js passes them (no access log, no debug log, strict
  // mode off for unknown headers, API version check skipped so newer SDKs work).
  const common = [false, undefined, false, undefined, false, true, "", "", "", undefined, false, memory];
  const blob = new BlobServer(
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
    blobEndpoint: endpoint(blob),
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
      await Promise.allSettled([blob.close(), queue.close(), table.close()]);
    },
  };
}

/** The full development-storage connection string for the given endpoints. */
export function devConnectionString(e: {
  blobEndpoint: string;
  queueEndpoint: string;
  tableEndpoint: string;
}): string {
  return (
    `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_ACCOUNT_KEY};` +
    `BlobEndpoint=${e.blobEndpoint};QueueEndpoint=${e.queueEndpoint};TableEndpoint=${e.tableEndpoint};`
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
