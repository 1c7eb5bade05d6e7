/**
 * `npm start` (after the build): the offline twin. Starts Azurite in a child process (data in
 * .data/azurite, or the one already running), the Azure ARM emulator when local/azure provides one
 * (state in .data/azure), then the dev host with ARM_ENDPOINT pointing at the emulator; prints the
 * URLs and the local API key; stops everything in reverse order on Ctrl-C or SIGTERM.
 */
import fs from "fs";
import path from "path";
import { azuriteLocation, ensureStorage, type AzuriteHandle } from "./host/azurite";
import { startAzuriteProcess } from "./host/azurite-process";
import { startDevHost, type DevHost } from "./host/dev-host";
import { getSetting, loadSettings } from "./host/settings";
import type { FleetSeed } from "./azure/seed";
import { TWIN_IMAGE_VERSIONS } from "./twin";

interface Emulator {
  url: string;
  /** App settings for the control plane (ARM_ENDPOINT, its CA file, SSH map, fleet ids). */
  settings?: Record<string, string>;
  close(): Promise<void>;
}
type StartEmulator = (opts: Record<string, unknown>) => Promise<Emulator>;

const root = findRoot();

async function main(): Promise<void> {
  const settings = loadSettings(root);
  const closers: { name: string; close: () => Promise<void> }[] = [];
  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) {
      process.stderr.write("stopping anyway\n");
      process.exit(1);
    }
    stopping = true;
    process.stdout.write(`\n${signal}: stopping...\n`);
    // A stuck shutdown must not keep the ports: give up after 20 s.
    setTimeout(() => {
      process.stderr.write("did not stop within 20 s; exiting\n");
      process.exit(1);
    }, 20_000).unref();
    let code = 0;
    for (const c of closers.reverse()) {
      await c.close().catch((err: unknown) => {
        code = 1;
        process.stderr.write(`stopping ${c.name} failed: ${String(err)}\n`);
      });
    }
    process.exit(code);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));

  try {
    // Azurite and the emulator start side by side; the dev host needs both.
    const configured = getSetting(settings, "AzureWebJobsStorage") ?? "UseDevelopmentStorage=true";
    const [az, em] = await Promise.allSettled([
      // In a process of its own, as storage is on Azure: a killed host leaves it to save its data.
      ensureStorage(configured, azuriteLocation(settings, root), startAzuriteProcess),
      startEmulatorIfPresent(settings),
    ]);
    const storage = az.status === "fulfilled" ? az.value : undefined;
    const azurite = storage?.azurite;
    const emulator = em.status === "fulfilled" ? em.value : undefined;
    if (azurite) closers.push({ name: "Azurite", close: () => azurite.close() });
    if (emulator) closers.push({ name: "Azure emulator", close: () => emulator.close() });
    if (az.status === "rejected") throw az.reason;
    if (em.status === "rejected") throw em.reason;

    const host: DevHost = await startDevHost({
      storageConnectionString: storage!.connectionString,
      settings: emulator ? { ARM_ENDPOINT: emulator.url, ...emulator.settings } : {},
    });
    closers.push({ name: "dev host", close: () => host.close() });
    printBanner(host, emulator, azurite);
  } catch (err) {
    process.stderr.write(
      `npm start failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    await stop("error");
  }
}

/** The emulator's start function if local/azure exports one (startEmulator or startAzureEmulator). */
async function startEmulatorIfPresent(settings: Record<string, string>): Promise<Emulator | undefined> {
  let mod: Record<string, unknown>;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional module, resolved at run time
    mod = require("./azure") as Record<string, unknown>;
  } catch (err) {
    if ((err as { code?: string }).code === "MODULE_NOT_FOUND") return undefined;
    throw err;
  }
  const start = (mod.startEmulator ?? mod.startAzureEmulator) as StartEmulator | undefined;
  if (typeof start !== "function") return undefined;
  const port = getSetting(settings, "AZURE_EMULATOR_PORT");
  return start({
    port: port ? Number(port) : 0,
    persistDir: path.join(root, ".data", "azure"),
    ...(mod.DEFAULT_SEED ? { seed: twinSeed(mod.DEFAULT_SEED as FleetSeed) } : {}),
  });
}

/** The default fleet with the twin's image versions (two, so an upgrade can be tried at once). */
function twinSeed(seed: FleetSeed): FleetSeed {
  return { ...seed, gallery: { ...seed.gallery, versions: TWIN_IMAGE_VERSIONS } };
}

function printBanner(
  host: DevHost,
  emulator: Emulator | undefined,
  azurite: AzuriteHandle | undefined,
): void {
  const lines = [
    "",
    "OpenClawps offline twin is running",
    `  Health:          ${host.url}/api/v1/health`,
    `  Console:         ${host.url}/api/console/   (asks for the API key once per browser session)`,
    `  HTTP API:        ${host.url}/api/`,
    `  Durable API:     ${host.url}/runtime/webhooks/durabletask/`,
    `  Azure emulator:  ${emulator ? emulator.url : "(not available)"}`,
    `  Azurite queues:  ${azurite ? azurite.queueEndpoint : "(already running, from AzureWebJobsStorage)"}`,
    `  API key:         ${host.apiKey}   (x-functions-key header or ?code=)`,
    "",
    `  curl -H "x-functions-key: ${host.apiKey}" ${host.url}/api/v1/health`,
    "",
    "Press Ctrl-C to stop.",
    "",
  ];
  process.stdout.write(lines.join("\n") + "\n");
}

function findRoot(): string {
  for (const dir of [process.cwd(), path.resolve(__dirname, "../.."), path.resolve(__dirname, "..")]) {
    if (fs.existsSync(path.join(dir, "host.json"))) return dir;
  }
  return process.cwd();
}

void main();
