/**
 * Production (Azure and the twin) wiring of the fleet dependencies from app settings: the tables of
 * the command runtime's storage account, the Azure gateway (core/azure), and a notification port
 * that the Telegram bot installs (setFleetNotifier); until then notifications are logged only.
 */
import { commandRuntime } from "../commands";
import { createRolloutsRepository, type StorageTarget } from "../state";
import { silentNotifier, type NotificationPort } from "../notify/port";
import { hasFleetDepsProvider, setFleetDepsProvider, type FleetAzurePort, type FleetDeps } from "./deps";
import { createFleetState } from "./fleet-state";
import { fleetSettingsFrom } from "./settings";
import { logLine } from "../telemetry";

let notifier: NotificationPort = silentNotifier;

/** The Telegram bot (or another channel) installs where fleet notifications go. */
export function setFleetNotifier(port: NotificationPort): void {
  notifier = port;
}

/** Builds the fleet deps from settings; `azure` may be handed in (tests, benches). */
export async function fleetDepsFromEnv(
  env: Record<string, string | undefined> = process.env,
  azure?: FleetAzurePort,
): Promise<FleetDeps> {
  const rt = commandRuntime(env);
  const target: StorageTarget | undefined = env.AzureWebJobsStorage;
  let gateway = azure;
  if (!gateway) {
    // Loaded lazily: the gateway needs Azure settings that a storage-only test run does not have.
    const { createAzureGatewayFromConfig } = await import("../azure");
    gateway = createAzureGatewayFromConfig(env as NodeJS.ProcessEnv);
  }
  const storage: StorageTarget = target ?? {
    tableUrl:
      env.AzureWebJobsStorage__tableServiceUri ??
      `https://${env.AzureWebJobsStorage__accountName}.table.core.windows.net`,
    credential: new (await import("@azure/identity")).DefaultAzureCredential(
      env.AzureWebJobsStorage__clientId ? { managedIdentityClientId: env.AzureWebJobsStorage__clientId } : {},
    ),
  };
  return {
    state: rt.state,
    requests: rt.requests,
    rollouts: createRolloutsRepository(storage),
    fleet: createFleetState(storage),
    azure: gateway,
    notify: { notify: (e) => notifier.notify(e) },
    settings: fleetSettingsFrom(env),
    now: () => new Date(),
    log: (level, message) => logLine(level, message),
  };
}

/** Installs the settings-based provider unless one is set already (tests install their own first). */
export function useDefaultFleetDeps(): void {
  if (!hasFleetDepsProvider()) setFleetDepsProvider(() => fleetDepsFromEnv());
}
