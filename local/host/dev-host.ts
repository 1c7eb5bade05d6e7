/**
 * The dev host: runs the compiled function app unchanged, as the Azure Functions host and Node
 * worker would. It loads the app's entry with `@azure/functions-core` provided, serves HTTP triggers,
 * polls queue triggers and fires timer triggers on Azurite, and hands durable work and the Durable
 * HTTP API to the durable engine. `startDevHost` is the API; main.ts is the CLI.
 */
import { randomBytes } from "crypto";
import fs from "fs";
import type { AddressInfo } from "net";
import path from "path";
import { azuriteLocation, ensureStorage, type AzuriteHandle } from "./azurite";
import { unsupportedBindings, type InvocationEnv } from "./bindings";
import { setCoreLogger } from "./core-api";
import {
  buildClientBindingData,
  DURABLE_RPC_PATH,
  DURABLE_WEBHOOK_PATH,
  resolveHubName,
  type DurableHostContext,
  type DurableHostFactory,
} from "./durable-wiring";
import type { DurableHost } from "./durable/types";
import { durableHostFactory } from "./durable";
import { loadHostConfig } from "./host-config";
import { createHttpServer } from "./http/server";
import { createLogger, parseLogLevel, type Logger } from "./log";
import { startQueueListeners } from "./queue/listener";
import { getFunction, loadApp, runAppHooks, type AppRegistry } from "./registry";
import { applyToEnv, getSetting, loadSettings, type Settings } from "./settings";
import { StorageClients } from "./storage";
import { startTimers } from "./timer/listener";
import { runFunction } from "./bindings";

export interface DevHostOptions {
  /** The app's compiled entry; default: "main" of package.json in the working directory. */
  appMain?: string;
  /** Default DEVHOST_PORT or 7071; 0 picks a free port. */
  port?: number;
  /** Settings layered over local.settings(.example).json and the environment. */
  settings?: Record<string, string>;
  /** Storage to use; default AzureWebJobsStorage when reachable, else an Azurite started here. */
  storageConnectionString?: string;
  /** Data folder of an Azurite started here; default <app root>/.data/azurite; null = in memory. */
  azuriteLocation?: string | null;
  /** Builds the durable engine once the HTTP server listens (default: local/host/durable's durableHostFactory). */
  durableFactory?: DurableHostFactory;
  log?: Logger;
  maxBodyBytes?: number;
  /** Clock for timer triggers (tests). */
  now?: () => Date;
  /** Turn off trigger kinds (e.g. a test that only needs HTTP). */
  disableQueues?: boolean;
  disableTimers?: boolean;
}

export interface DevHost {
  /** Origin of the HTTP server, e.g. http://127.0.0.1:7071. */
  url: string;
  /** The key for authLevel "function" routes and the Durable HTTP API. */
  apiKey: string;
  adminKey: string;
  storageConnectionString: string;
  registry: AppRegistry;
  durable: DurableHost;
  close(): Promise<void>;
}

/** Starts the dev host; resolves once HTTP listens and every trigger listener runs. */
export async function startDevHost(opts: DevHostOptions = {}): Promise<DevHost> {
  const appMain = path.resolve(opts.appMain ?? defaultAppMain());
  const config = loadHostConfig(appMain);
  const settings: Settings = { ...loadSettings(config.rootDir), ...(opts.settings ?? {}) };
  const log = opts.log ?? createLogger({ level: parseLogLevel(getSetting(settings, "DEVHOST_LOG_LEVEL")) });
  applyToEnv(settings);
  // Explicit settings win over the environment too: function code reads process.env.
  for (const [k, v] of Object.entries(opts.settings ?? {})) process.env[k] = v;
  setCoreLogger(log.child("app"));

  const steps: { name: string; run: () => Promise<void> }[] = [];
  const cleanups = { push: (name: string, run: () => Promise<void>) => steps.push({ name, run }) };
  const cleanup = async () => {
    for (const step of steps.reverse()) {
      log.debug(`stopping: ${step.name}`);
      await step.run().catch((err: unknown) => log.error(`stopping ${step.name} failed`, err));
    }
    steps.length = 0;
    log.debug("stopped");
  };
  try {
    const { connectionString, azurite } = await resolveStorage(opts, settings, config.rootDir, log);
    if (azurite) cleanups.push("Azurite", () => azurite.close());
    settings.AzureWebJobsStorage = connectionString;
    process.env.AzureWebJobsStorage = connectionString;

    const registry = loadApp(appMain, { log: log.child("fn") });
    for (const problem of unsupportedBindings(registry)) log.warn(problem);
    log.info(
      `loaded ${registry.functions.size} function(s) from ${path.relative(process.cwd(), appMain) || appMain}`,
    );
    await runAppHooks(registry, "appStart", config.rootDir);
    cleanups.push("appTerminate hooks", () => runAppHooks(registry, "appTerminate", config.rootDir));

    const apiKey = getSetting(settings, "DEVHOST_API_KEY") || randomBytes(24).toString("base64url");
    const adminKey = getSetting(settings, "DEVHOST_ADMIN_KEY") || apiKey;
    const rpcToken = randomBytes(16).toString("hex");
    const env: InvocationEnv = {
      registry,
      durable: startingDurableHost,
      storage: new StorageClients(settings, connectionString),
      settings,
      messageEncoding: config.queues.messageEncoding,
      log,
    };
    const server = createHttpServer({
      env,
      routePrefix: config.routePrefix,
      keys: { functionKey: apiKey, adminKey },
      rpcToken,
      maxBodyBytes: opts.maxBodyBytes,
    });
    const port = opts.port ?? Number(getSetting(settings, "DEVHOST_PORT") ?? 7071);
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve());
    });
    cleanups.push(
      "HTTP server",
      () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    );
    const bound = (server.address() as AddressInfo).port;
    const url = `http://127.0.0.1:${bound}`;
    // durable-functions' getClient rewrites the client's URLs to localhost:7071 unless this is set.
    process.env.WEBSITE_HOSTNAME = `127.0.0.1:${bound}`;

    const ctx: DurableHostContext = {
      registry,
      storageConnectionString: connectionString,
      hubName: resolveHubName(config, settings),
      baseUrl: url,
      webhookBaseUrl: `${url}${DURABLE_WEBHOOK_PATH}`,
      rpcBaseUrl: `${url}${DURABLE_RPC_PATH}/${rpcToken}/`,
      apiKey,
      settings,
      log,
      invoke: (name, triggerData, triggerMetadata) => {
        const fn = getFunction(registry, name);
        if (!fn) return Promise.reject(new Error(`No function named "${name}" is registered.`));
        return runFunction(fn, { data: triggerData, metadata: triggerMetadata }, env);
      },
    };
    const durable = await (opts.durableFactory ?? durableHostFactory)(ctx);
    env.durable = durable;
    await durable.start();
    cleanups.push("durable engine", () => durable.stop());

    if (!opts.disableQueues) {
      const queues = await startQueueListeners(env, config.queues);
      cleanups.push("queue listeners", () => queues.stop());
    }
    if (!opts.disableTimers) {
      const timers = await startTimers(env, { now: opts.now });
      cleanups.push("timers", () => timers.stop());
    }
    log.info(`dev host listening on ${url} (route prefix "/${config.routePrefix}")`);
    let closing: Promise<void> | undefined;
    return {
      url,
      apiKey,
      adminKey,
      storageConnectionString: connectionString,
      registry,
      durable,
      close: () => (closing ??= cleanup()),
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/** Answers while the durable engine is being built (between listen and factory). */
const startingDurableHost: DurableHost = {
  start: async () => undefined,
  stop: async () => undefined,
  handleHttp: async () => ({
    status: 503,
    headers: { "retry-after": "1" },
    body: { error: { code: "STARTING", message: "The durable engine is starting." } },
  }),
  clientBindingData: () => {
    throw new Error("The durable engine is not ready yet.");
  },
};

async function resolveStorage(
  opts: DevHostOptions,
  settings: Settings,
  rootDir: string,
  log: Logger,
): Promise<{ connectionString: string; azurite?: AzuriteHandle }> {
  if (opts.storageConnectionString) return { connectionString: opts.storageConnectionString };
  const location =
    opts.azuriteLocation === null ? undefined : (opts.azuriteLocation ?? azuriteLocation(settings, rootDir));
  const choice = await ensureStorage(
    getSetting(settings, "AzureWebJobsStorage") ?? "UseDevelopmentStorage=true",
    location,
  );
  if (choice.source === "running") log.info("using the Azurite that is already running");
  if (choice.source === "started") {
    log.info(
      `started Azurite (${location ? `data in ${path.relative(process.cwd(), location) || location}` : "in memory"})`,
    );
  }
  return choice;
}

function defaultAppMain(): string {
  for (const dir of [process.cwd(), path.resolve(__dirname, "../../..")]) {
    const pkg = path.join(dir, "package.json");
    if (fs.existsSync(pkg)) {
      const main = (JSON.parse(fs.readFileSync(pkg, "utf8")) as { main?: string }).main;
      if (main) return path.join(dir, main);
    }
  }
  throw new Error('No app entry: pass appMain or run from a folder whose package.json has "main".');
}

export { buildClientBindingData };
