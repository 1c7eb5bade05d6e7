/**
 * The composition root: the app's dependencies, built once from the loaded configuration and
 * handed to every trigger, activity, fleet step and the bot. Storage opens eagerly (every trigger
 * needs it, and it needs only the storage settings); Azure, secrets and the bot are built on first
 * use, so a wrong Azure setting never takes the tables or the operators' channel down with it.
 */
import { createAzureGatewayFromConfig, type AzureGateway } from "../azure";
import type { GalleryReader } from "../commands/gallery";
import { loadConfig, loadStorageSettings, type Config, type Env } from "../config";
import type { FleetAzurePort, FleetDeps } from "../fleet/deps";
import { fleetSettingsFrom } from "../fleet/settings";
import { createGuestClientFactory, type GuestClientFactory } from "../guest/from-config";
import { createSecretStore, type SecretStore } from "../secrets";
import { createApi } from "../telegram/client";
import { createTelegramNotifier, type TelegramNotifier } from "../telegram/notifier";
import { NOTIFY_RETRY } from "../telegram/retry";
import { telegramSettingsFrom } from "../telegram/settings";
import { logLine, useTraceLinks } from "../telemetry";
import { createAppStorage, type AppStorage } from "./storage";

export interface AppRoot {
  /** The settings the root was built from (process.env in production). */
  env: Env;
  storage: AppStorage;
  /** The whole configuration; throws a ClawError naming every missing or malformed setting. */
  config(): Config;
  gateway(): AzureGateway;
  secrets(): SecretStore;
  guests(log?: (message: string) => void): GuestClientFactory;
  /** The fleet's gallery, or undefined where no Azure is configured (a storage-only run). */
  gallery(): GalleryReader | undefined;
  /** The operators' chat, or undefined when the bot token or chat id is not set. */
  notifier(): TelegramNotifier | undefined;
  fleet(): Promise<FleetDeps>;
}

export interface AppRootOptions {
  /** What the fleet reads from Azure (tests and benches hand in a stand-in). */
  fleetAzure?: FleetAzurePort;
}

function once<T>(build: () => T): () => T {
  let built: { value: T } | undefined;
  return () => (built ??= { value: build() }).value;
}

/** Builds the app's dependencies from settings; only storage is opened now. */
export function createAppRoot(env: Env = process.env, opts: AppRootOptions = {}): AppRoot {
  const storage = createAppStorage(loadStorageSettings(env));
  const config = once(() => loadConfig(env));
  const gateway = once(() => createAzureGatewayFromConfig(env as NodeJS.ProcessEnv));
  const secrets = once(() => {
    const mode = config().mode;
    return createSecretStore({
      keyVaultUri: mode === "azure" ? config().keyVaultUri : undefined,
      sshKeySecretName: env.SSH_KEY_SECRET_NAME,
      localSecretsFile: env.LOCAL_SECRETS_FILE || undefined,
      generateSshKey: mode === "twin",
    });
  });
  const gallery = once((): GalleryReader | undefined =>
    env.ARM_ENDPOINT || env.AZURE_SUBSCRIPTION_ID
      ? { listImageVersions: () => gateway().listImageVersions() }
      : undefined,
  );
  const notifier = once((): TelegramNotifier | undefined => {
    const s = telegramSettingsFrom(env);
    if (!s.botToken || !s.operatorChatId) return undefined;
    const api = createApi({ token: s.botToken, apiRoot: s.apiRoot }, NOTIFY_RETRY);
    return createTelegramNotifier({ api, chatId: s.operatorChatId });
  });
  const fleet = once((): FleetDeps => ({
    state: storage.state,
    requests: storage.requests,
    rollouts: storage.rollouts,
    fleet: storage.fleet,
    // Built on first use: pins and rollouts work while an Azure setting is wrong.
    azure: opts.fleetAzure ?? {
      getVm: (claw) => gateway().getVm(claw),
      getImageVersion: (version) => gateway().getImageVersion(version),
    },
    // Without a bot, fleet notifications are dropped (the fleet logs them).
    notify: { notify: async (e) => void (await notifier()?.notify(e)) },
    settings: fleetSettingsFrom(env),
    now: () => new Date(),
    log: (level, message) => logLine(level, message),
  }));
  return {
    env,
    storage,
    config,
    gateway,
    secrets,
    guests: (log) => createGuestClientFactory(config(), secrets(), { log }),
    gallery,
    notifier,
    fleet: async () => fleet(),
  };
}

let root: AppRoot | undefined;

/** The process's root, built from process.env on first use. */
export function appRoot(): AppRoot {
  return (root ??= createAppRoot(process.env));
}

/** Tests and the twin: use this root (undefined: build from process.env again). */
export function setAppRoot(r: AppRoot | undefined): void {
  root = r;
}

/**
 * Saga spans are stored in the app's own account, under its table prefix. Called by every
 * invocation (trigger and activity wrappers), not at load: registration loads nothing of core/.
 */
export function linkTracesToRoot(): void {
  useTraceLinks(() => appRoot().storage.traceLinks);
}
