/**
 * Every application setting the control plane reads, in one place. bicep/ must set each setting
 * marked `azure: "required"` in the Function App's app settings (a consistency test checks it), and
 * local.settings.example.json lists the ones the twin needs. Secrets are never values here: on
 * Azure they are Key Vault references or names of Key Vault secrets.
 */
import { ClawError } from "./errors";

export interface SettingSpec {
  name: string;
  description: string;
  /** required: must be set on Azure; optional: has a default; twin: only meaningful on the twin. */
  azure: "required" | "optional" | "twin";
  /** The value is a secret (set as a Key Vault reference on Azure, local secrets file on the twin). */
  secret?: boolean;
}

export const SETTINGS: readonly SettingSpec[] = [
  {
    name: "AzureWebJobsStorage__accountName",
    description: "Storage account of the app (identity-based connection)",
    azure: "required",
  },
  {
    name: "AzureWebJobsStorage__credential",
    description: "'managedidentity' for the user-assigned identity",
    azure: "required",
  },
  {
    name: "AzureWebJobsStorage__clientId",
    description: "Client id of the user-assigned identity for storage",
    azure: "required",
  },
  {
    name: "AzureWebJobsStorage",
    description: "Connection string (twin: UseDevelopmentStorage=true / Azurite)",
    azure: "twin",
  },
  { name: "DURABLE_HUB_NAME", description: "Durable Functions task hub name", azure: "required" },
  {
    name: "AZURE_CLIENT_ID",
    description: "Client id of the user-assigned managed identity (DefaultAzureCredential)",
    azure: "required",
  },
  { name: "AZURE_SUBSCRIPTION_ID", description: "Subscription holding the fleet", azure: "required" },
  {
    name: "FLEET_RESOURCE_GROUP",
    description: "Resource group of the claws' VMs, disks, NICs and IPs",
    azure: "required",
  },
  { name: "FLEET_LOCATION", description: "Default Azure region for new claws", azure: "required" },
  { name: "FLEET_SUBNET_ID", description: "Resource id of the subnet claws' NICs join", azure: "required" },
  { name: "FLEET_NSG_ID", description: "Resource id of the fleet NSG (applied to NICs)", azure: "optional" },
  { name: "GALLERY_RESOURCE_GROUP", description: "Resource group of the Compute Gallery", azure: "required" },
  { name: "GALLERY_NAME", description: "Compute Gallery name", azure: "required" },
  {
    name: "GALLERY_IMAGE_NAME",
    description: "Image definition of the claw baseline image",
    azure: "required",
  },
  {
    name: "KEY_VAULT_URI",
    description: "Key Vault holding the claws' secrets and the control plane's SSH key",
    azure: "required",
  },
  {
    name: "EXTRA_SECRET_KEYS",
    description:
      "Secret names a claw may hold besides the known ones (provider API keys, TELEGRAM_BOT_TOKEN, BRIGHTDATA_API_TOKEN, TAILSCALE_AUTHKEY), comma separated",
    azure: "optional",
  },
  {
    name: "FLEET_DEFAULT_MODEL",
    description: "The agents' default model (provider/model) unless a claw's spec sets defaultModel",
    azure: "optional",
  },
  {
    name: "FLEET_OPERATOR_TELEGRAM_ID",
    description: "Telegram user id the agents answer unless a claw's spec sets operatorTelegramId",
    azure: "optional",
  },
  { name: "CLAW_ADMIN_USERNAME", description: "Admin user created on each claw VM", azure: "optional" },
  {
    name: "SSH_KEY_SECRET_NAME",
    description: "Name of the Key Vault secret holding the control plane's SSH private key",
    azure: "optional",
  },
  {
    name: "TELEGRAM_BOT_TOKEN",
    description: "Operator bot token (Key Vault reference)",
    azure: "required",
    secret: true,
  },
  {
    name: "TELEGRAM_WEBHOOK_SECRET",
    description: "Secret token Telegram sends in X-Telegram-Bot-Api-Secret-Token",
    azure: "required",
    secret: true,
  },
  {
    name: "TELEGRAM_OPERATOR_IDS",
    description: "Comma-separated Telegram user ids allowed to command the fleet",
    azure: "required",
  },
  { name: "TELEGRAM_OPERATOR_CHAT_ID", description: "Chat that receives notifications", azure: "required" },
  { name: "TELEGRAM_API_ROOT", description: "Bot API root (twin: a local fake)", azure: "optional" },
  {
    name: "TELEGRAM_WEBHOOK_REPLY",
    description: "on (default): read-only answers travel in the webhook's response; off: always a request",
    azure: "optional",
  },
  {
    name: "BAKE_WEBHOOK_SECRET",
    description: "Shared secret of the image-bake webhook HMAC",
    azure: "required",
    secret: true,
  },
  { name: "ROLLOUT_POLICY", description: "record | canary-approval | automatic", azure: "optional" },
  {
    name: "FLEET_DEFAULT_SCHEDULE",
    description: "Default park/wake schedule JSON for claws without one",
    azure: "optional",
  },
  {
    name: "UPGRADE_EXTRA_VMS",
    description:
      "Extra VMs (of the claws' size) the subscription's quota allows beside the fleet: a rollout runs at most this many handoff upgrades at once, each holding a standby VM (default 10)",
    azure: "optional",
  },
  {
    name: "FLEET_MAX_PARALLEL",
    description: "Claw sagas a schedule tick runs at once (default 20, 1-500)",
    azure: "optional",
  },
  {
    name: "FLEET_PARK_WARNING_MINUTES",
    description: "Minutes before a scheduled park that operators are warned (default 30, 0 = never)",
    azure: "optional",
  },
  {
    name: "FLEET_TICK_LOOKBACK_MINUTES",
    description: "How far back a schedule tick looks for missed park/wake times (default 15)",
    azure: "optional",
  },
  {
    name: "FLEET_DRIFT_PARALLEL",
    description: "Claws the drift reconcile reads from Azure at once (default 8)",
    azure: "optional",
  },
  {
    name: "ARM_RETRY_ATTEMPTS",
    description: "Attempts per ARM call on 408/429/5xx (default 5)",
    azure: "optional",
  },
  {
    name: "ARM_RETRY_BASE_MS",
    description: "First retry delay without Retry-After (default 1000)",
    azure: "optional",
  },
  {
    name: "ARM_RETRY_MAX_MS",
    description: "Longest retry delay waited in-call (default 30000)",
    azure: "optional",
  },
  {
    name: "ARM_REQUEST_TIMEOUT_MS",
    description: "Deadline of one ARM request (default 120000)",
    azure: "optional",
  },
  {
    name: "ARM_LRO_TIMEOUT_MS",
    description: "Deadline of one long-running operation (default 1200000)",
    azure: "optional",
  },
  {
    name: "UPGRADE_STRATEGY",
    description:
      "handoff (default: hand the data disk to a standby VM made while the claw runs) | replace (the seed's order: deallocate, detach, delete, create, attach)",
    azure: "optional",
  },
  {
    name: "CONSOLE_SIGN_IN",
    description:
      "entra: the console's files are served only to users App Service authentication signed in with Entra ID (set by the Bicep when consoleEntraClientId is given); unset: served to anyone, every data call still keyed",
    azure: "optional",
  },
  {
    name: "VM_HOURLY_PRICES",
    description:
      'JSON price table for the dashboard\'s cost saved: {"Standard_D2s_v5": 0.096, ...} in currency per VM hour (defaults: core/console/prices.ts)',
    azure: "optional",
  },
  {
    name: "CLAW_BOOT_TIMEOUT_MS",
    description: "How long a started VM may take until boot.sh reports done (default 20 min)",
    azure: "optional",
  },
  {
    name: "CLAW_BOOT_POLL_MS",
    description: "How often the wait-for-boot step asks the VM (default 5000; twin 250)",
    azure: "optional",
  },
  { name: "ARM_ENDPOINT", description: "ARM endpoint (twin: the Azure emulator)", azure: "twin" },
  {
    name: "TABLE_PREFIX",
    description: "Prefix of every table name (default none; tests isolate their runs with it)",
    azure: "optional",
  },
  {
    name: "COMMAND_LEASE_SECONDS",
    description:
      "How long a command's handler may take before its half-done start is taken over: a claw claimed with no saga running, or a pending request (default 60)",
    azure: "optional",
  },
  {
    name: "TWIN_FAULT_POINT",
    description:
      "Crash tests: the saga-start point (saga-start:claimed|recorded|started) where the handler stops",
    azure: "twin",
  },
  {
    name: "DURABLE_RETRY_WAIT_SCALE",
    description:
      "Dev host: fraction of each saga retry backoff actually waited, 0 to 1 (default 1; test suites 0.01). Other durable timers keep their length",
    azure: "twin",
  },
  {
    name: "ARM_CA_CERT_FILE",
    description: "PEM CA the ARM clients trust (twin: the emulator's generated certificate)",
    azure: "twin",
  },
  {
    name: "SSH_ENDPOINT_MAP_URL",
    description: "URL mapping claw addresses to SSH endpoints (twin: the emulator's admin API)",
    azure: "twin",
  },
  {
    name: "SSH_ENDPOINT_MAP_CA_FILE",
    description: "PEM CA for an https SSH_ENDPOINT_MAP_URL",
    azure: "twin",
  },
  {
    name: "AzureWebJobsStorage__tableServiceUri",
    description: "Table endpoint for identity-based storage (optional; derived from the account name)",
    azure: "optional",
  },
  {
    name: "AzureWebJobsStorage__queueServiceUri",
    description: "Queue endpoint for identity-based storage (optional; derived from the account name)",
    azure: "optional",
  },
  {
    name: "DEVHOST_API_KEY",
    description: "API key of the dev host's HTTP routes",
    azure: "twin",
    secret: true,
  },
  {
    name: "LOCAL_SECRETS_FILE",
    description: "Gitignored JSON file of claw secrets on the twin",
    azure: "twin",
  },
  // The agent's own health, deferral while it works, snapshot housekeeping.
  {
    name: "AGENT_BUSY_MAX_DEFER_MINUTES",
    description:
      "Longest a park/upgrade waits for a mid-task agent (default 30, 0 = never wait; force skips)",
    azure: "optional",
  },
  {
    name: "AGENT_BUSY_POLL_SECONDS",
    description: "How often a busy agent is asked again while a park/upgrade waits (default 60)",
    azure: "optional",
  },
  {
    name: "HEALTH_SWEEP_PARALLEL",
    description: "Claws the periodic health sweep verifies at once (default 8, 1-100)",
    azure: "optional",
  },
  {
    name: "RETENTION_KEEP_LAST",
    description: "Snapshots (and set-aside data disks) kept per claw whatever their age (default 3)",
    azure: "optional",
  },
  {
    name: "RETENTION_KEEP_DAYS",
    description: "Snapshots and set-aside disks younger than this many days are kept (default 14)",
    azure: "optional",
  },
  {
    name: "BACKUP_SNAPSHOT_HOURS",
    description: "Take a backup snapshot of each claw's data disk when its newest is older (default 0 = off)",
    azure: "optional",
  },
  {
    name: "APPLICATIONINSIGHTS_CONNECTION_STRING",
    description:
      "Application Insights of the app (from the Bicep); turns on the Azure Monitor trace exporter",
    azure: "required",
  },
  {
    name: "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
    description: "ClientId=<identity>;Authorization=AAD: the exporter authenticates with the app's identity",
    azure: "optional",
  },
  {
    name: "TELEMETRY_EXPORTER",
    description:
      "azure-monitor | jsonl | console | none (default azure-monitor with a connection string, else none)",
    azure: "optional",
  },
  {
    name: "TELEMETRY_FILE",
    description:
      "Where jsonl writes one span, metric point or log line per line (default .data/telemetry/spans.jsonl)",
    azure: "twin",
  },
  {
    name: "TELEMETRY_METRICS_INTERVAL_MS",
    description: "How often jsonl/console write the metrics (default 60000)",
    azure: "optional",
  },
  {
    name: "TELEMETRY_FLEET_GAUGE_MS",
    description:
      "Least time between two reads of the Claws table for the claws-by-power-state gauge (default 300000)",
    azure: "optional",
  },
  {
    name: "HEALTH_READY_TIMEOUT_MS",
    description:
      "Time each /health/ready dependency check may take before it counts as failing (default 2000)",
    azure: "optional",
  },
  {
    name: "HEALTH_DURABLE_BACKLOG_MAX",
    description: "Messages in one durable task-hub queue above which /health/ready fails (default 1000)",
    azure: "optional",
  },
];

/** A numeric setting: its default when unset or empty, else a number in [min, max] or an error naming it. */
export function numberSetting(
  env: Record<string, string | undefined>,
  name: string,
  dflt: number,
  min: number,
  max: number,
): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return dflt;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max) {
    throw new ClawError(
      "BAD_REQUEST",
      `${name} must be a number from ${min} to ${max}; got '${raw.slice(0, 40)}'`,
    );
  }
  return n;
}
