/**
 * Typed configuration from the app settings (names as in core/settings.ts). The mode follows
 * ARM_ENDPOINT: set means the twin (the Azure emulator), unset means Azure. Every missing or
 * malformed setting is reported at once, by name.
 */
import { z } from "zod";
import { scheduleSchema, type Schedule } from "./domain/schedule";
import { formatZodError } from "./domain/validation";
import { ClawError } from "./errors";

export type Env = Record<string, string | undefined>;

/**
 * Settings read here that core/settings.ts does not list yet (its owner should add them):
 * the emulator's CA, the twin's SSH endpoint map and its CA, and explicit storage service URIs.
 */
export const SETTINGS_NOT_IN_CATALOGUE = [] as const;

export type StorageConfig =
  | { kind: "connectionString"; connectionString: string }
  | { kind: "identity"; accountName?: string; tableUrl: string; queueUrl: string; clientId?: string };

/** Where the control plane's tables and queues live, and the prefix of every table name. */
export interface StorageSettings {
  storage: StorageConfig;
  tablePrefix: string;
}

export interface Config extends StorageSettings {
  mode: "azure" | "twin";
  hubName: string;
  azure: {
    subscriptionId: string;
    resourceGroup: string;
    location: string;
    subnetId: string;
    nsgId?: string;
    gallery: { resourceGroup: string; name: string; imageName: string };
    /** The emulator's ARM endpoint (twin only). */
    armEndpoint?: string;
    /** CA of an https emulator (twin only). */
    armCaCertFile?: string;
    /** User-assigned identity for DefaultAzureCredential. */
    clientId?: string;
  };
  keyVaultUri?: string;
  secrets: {
    keyVaultUri?: string;
    sshKeySecretName: string;
    localSecretsFile?: string;
    generateSshKey: boolean;
  };
  ssh: {
    adminUsername: string;
    /** Twin: the emulator's map of guest SSH endpoints; Azure: unset (public IP, port 22). */
    endpointMapUrl?: string;
    endpointMapCaFile?: string;
    connectTimeoutMs: number;
    retry: { attempts: number; delayMs: number };
    execTimeoutMs: number;
  };
  telegram: {
    botToken?: string;
    webhookSecret?: string;
    operatorIds: string[];
    operatorChatId?: string;
    apiRoot?: string;
  };
  bakeWebhookSecret?: string;
  rolloutPolicy: "record" | "canary-approval" | "automatic";
  fleetDefaultSchedule?: Schedule;
  devhostApiKey?: string;
}

/** Settings Azure must have (bicep sets them); the twin needs only the fleet's names. */
const FLEET = [
  "AZURE_SUBSCRIPTION_ID", "FLEET_RESOURCE_GROUP", "FLEET_LOCATION", "FLEET_SUBNET_ID",
  "GALLERY_RESOURCE_GROUP", "GALLERY_NAME", "GALLERY_IMAGE_NAME",
] as const; // prettier-ignore
const AZURE_ONLY = [
  "DURABLE_HUB_NAME", "AZURE_CLIENT_ID", "KEY_VAULT_URI", "TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET",
  "TELEGRAM_OPERATOR_IDS", "TELEGRAM_OPERATOR_CHAT_ID", "BAKE_WEBHOOK_SECRET",
] as const; // prettier-ignore

const url = (what: string) => z.url({ message: `must be a URL (${what})` });
const formats = z.object({
  AZURE_SUBSCRIPTION_ID: z.guid({ message: "must be a subscription GUID" }),
  FLEET_LOCATION: z.string().regex(/^[a-z][a-z0-9]+$/, "must be a region name like 'eastus'"),
  FLEET_SUBNET_ID: z
    .string()
    .regex(
      /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Network\/virtualNetworks\/[^/]+\/subnets\/[^/]+$/i,
      "must be a subnet resource id",
    ),
  FLEET_NSG_ID: z
    .string()
    .regex(
      /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Network\/networkSecurityGroups\/[^/]+$/i,
      "must be an NSG resource id",
    )
    .optional(),
  ARM_ENDPOINT: url("the emulator's ARM endpoint").optional(),
  KEY_VAULT_URI: url("https://<vault>.vault.azure.net").optional(),
  SSH_ENDPOINT_MAP_URL: url("the emulator's /_emulator/ssh-endpoints").optional(),
  TELEGRAM_API_ROOT: url("the Bot API root").optional(),
  TELEGRAM_OPERATOR_IDS: z
    .string()
    .regex(/^\s*\d+(\s*,\s*\d+)*\s*$/, "must be comma-separated Telegram user ids")
    .optional(),
  TELEGRAM_OPERATOR_CHAT_ID: z
    .string()
    .regex(/^-?\d+$/, "must be a Telegram chat id")
    .optional(),
  TABLE_PREFIX: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9]{0,50}$/, "must be letters and digits, starting with a letter")
    .optional(),
  ROLLOUT_POLICY: z.enum(["record", "canary-approval", "automatic"]).optional(),
  CLAW_ADMIN_USERNAME: z
    .string()
    .regex(/^[a-z_][a-z0-9_-]{0,31}$/, "must be a Linux user name")
    .refine(
      (u) => !["root", "admin", "administrator"].includes(u),
      "is a name Azure refuses for the admin user",
    )
    .optional(),
});

function fail(problems: string[]): never {
  throw new ClawError("INTERNAL", `configuration: ${problems.join("; ")}`, { details: { problems } });
}

function storageFrom(env: Env, problems: string[]): StorageConfig {
  if (env.AzureWebJobsStorage) return { kind: "connectionString", connectionString: env.AzureWebJobsStorage };
  const account = env.AzureWebJobsStorage__accountName;
  const tableUrl =
    env.AzureWebJobsStorage__tableServiceUri ?? (account && `https://${account}.table.core.windows.net`);
  const queueUrl =
    env.AzureWebJobsStorage__queueServiceUri ?? (account && `https://${account}.queue.core.windows.net`);
  if (!tableUrl || !queueUrl) {
    problems.push(
      "storage: set AzureWebJobsStorage (a connection string) or AzureWebJobsStorage__accountName (identity)",
    );
    return { kind: "connectionString", connectionString: "" };
  }
  return {
    kind: "identity",
    accountName: account,
    tableUrl,
    queueUrl,
    clientId: env.AzureWebJobsStorage__clientId,
  };
}

function scheduleFrom(text: string | undefined, problems: string[]): Schedule | undefined {
  if (!text) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    problems.push("FLEET_DEFAULT_SCHEDULE: must be JSON");
    return undefined;
  }
  const r = scheduleSchema.safeParse(json, { reportInput: true });
  if (r.success) return r.data;
  problems.push(`FLEET_DEFAULT_SCHEDULE: ${formatZodError(r.error, json)}`);
  return undefined;
}

// Empty strings count as unset: app settings are often declared empty.
const unsetEmpty = (env: Env): Env =>
  Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === "" ? undefined : v]));

function tablePrefixFrom(e: Env, problems: string[]): string {
  const prefix = e.TABLE_PREFIX ?? "";
  const checked = formats.shape.TABLE_PREFIX.safeParse(e.TABLE_PREFIX);
  if (!checked.success) problems.push(`TABLE_PREFIX: ${checked.error.issues[0]?.message ?? "invalid"}`);
  return prefix;
}

/**
 * The storage part of the configuration alone: what the triggers need to read and write tables,
 * so they keep working while an Azure setting is missing or wrong.
 */
export function loadStorageSettings(env: Env = process.env): StorageSettings {
  const e = unsetEmpty(env);
  const problems: string[] = [];
  const storage = storageFrom(e, problems);
  const tablePrefix = tablePrefixFrom(e, problems);
  if (problems.length) fail(problems);
  return { storage, tablePrefix };
}

/** Reads and checks the configuration; throws one ClawError listing every problem by setting name. */
export function loadConfig(env: Env = process.env): Config {
  const e = unsetEmpty(env);
  const mode = e.ARM_ENDPOINT ? "twin" : "azure";
  const problems: string[] = [];
  const required = mode === "azure" ? [...FLEET, ...AZURE_ONLY] : FLEET;
  const missing = required.filter((name) => !e[name]);
  if (missing.length) {
    const hint = mode === "azure" ? " (or set ARM_ENDPOINT to run against the twin's emulator)" : "";
    problems.push(`missing ${missing.join(", ")}${hint}`);
  }
  const checked = formats.safeParse(e, { reportInput: true });
  if (!checked.success) {
    for (const issue of checked.error.issues) {
      if (e[String(issue.path[0])] !== undefined) problems.push(formatZodError(new z.ZodError([issue]), e));
    }
  }
  const storage = storageFrom(e, problems);
  const tablePrefix = e.TABLE_PREFIX ?? "";
  const fleetDefaultSchedule = scheduleFrom(e.FLEET_DEFAULT_SCHEDULE, problems);
  const localSecretsFile = e.LOCAL_SECRETS_FILE ?? (mode === "twin" ? "local.secrets.json" : undefined);
  if (mode === "twin" && !e.KEY_VAULT_URI && !localSecretsFile)
    problems.push("secrets: set LOCAL_SECRETS_FILE");
  if (problems.length) fail(problems);

  const s = (name: string) => e[name] as string;
  return {
    mode,
    storage,
    tablePrefix,
    hubName: e.DURABLE_HUB_NAME ?? "OpenClawpsDev",
    azure: {
      subscriptionId: s("AZURE_SUBSCRIPTION_ID"),
      resourceGroup: s("FLEET_RESOURCE_GROUP"),
      location: s("FLEET_LOCATION"),
      subnetId: s("FLEET_SUBNET_ID"),
      nsgId: e.FLEET_NSG_ID,
      gallery: {
        resourceGroup: s("GALLERY_RESOURCE_GROUP"),
        name: s("GALLERY_NAME"),
        imageName: s("GALLERY_IMAGE_NAME"),
      },
      armEndpoint: e.ARM_ENDPOINT,
      armCaCertFile: e.ARM_CA_CERT_FILE,
      clientId: e.AZURE_CLIENT_ID,
    },
    keyVaultUri: e.KEY_VAULT_URI,
    secrets: {
      keyVaultUri: e.KEY_VAULT_URI,
      sshKeySecretName: e.SSH_KEY_SECRET_NAME ?? "control-plane-ssh-key",
      localSecretsFile: e.KEY_VAULT_URI ? undefined : localSecretsFile,
      generateSshKey: mode === "twin",
    },
    ssh: {
      adminUsername: e.CLAW_ADMIN_USERNAME ?? "clawadmin",
      endpointMapUrl: e.SSH_ENDPOINT_MAP_URL,
      endpointMapCaFile: e.SSH_ENDPOINT_MAP_CA_FILE ?? e.ARM_CA_CERT_FILE,
      connectTimeoutMs: 15_000,
      // Azure VMs take minutes to boot; the twin's guests seconds.
      retry: mode === "azure" ? { attempts: 60, delayMs: 5_000 } : { attempts: 60, delayMs: 250 },
      execTimeoutMs: 180_000,
    },
    telegram: {
      botToken: e.TELEGRAM_BOT_TOKEN,
      webhookSecret: e.TELEGRAM_WEBHOOK_SECRET,
      operatorIds: (e.TELEGRAM_OPERATOR_IDS ?? "")
        .split(",")
        .map((x) => x.trim())
        .filter(Boolean),
      operatorChatId: e.TELEGRAM_OPERATOR_CHAT_ID,
      apiRoot: e.TELEGRAM_API_ROOT,
    },
    bakeWebhookSecret: e.BAKE_WEBHOOK_SECRET,
    rolloutPolicy: (e.ROLLOUT_POLICY as Config["rolloutPolicy"] | undefined) ?? "record",
    fleetDefaultSchedule,
    devhostApiKey: e.DEVHOST_API_KEY,
  };
}
