/**
 * The readiness checks of the control plane, built from the app settings (core/settings.ts): Table
 * and Queue storage of AzureWebJobsStorage, an ARM token and a read in the fleet resource group,
 * Key Vault (or the twin's local secrets file), and the durable task hub's queues not backed up.
 * Every check is one cheap request; clients are built once per process.
 */
import * as fs from "node:fs";
import { DefaultAzureCredential } from "@azure/identity";
import { SecretClient } from "@azure/keyvault-secrets";
import { createArmClients } from "../azure/clients";
import { gatewayOptionsFromConfig } from "../azure/config";
import { createAppStorage, type AppStorage } from "../app/storage";
import { loadStorageSettings } from "../config";
import { TABLE_NAMES } from "../state/tables";
import type { DependencyCheck } from "./checks";

type Env = Record<string, string | undefined>;

/** The command queue (functions/queue/claw-commands.ts; repeated here so core does not import functions/). */
const COMMAND_QUEUE = "claw-commands";
/** A VM name no claw can have (claw names are lower-case letters, digits and '-'): a low-cost GET. */
const PROBE_VM = "openclawps_ready_probe";
export const DEFAULT_BACKLOG_MAX = 1000;
/** The Azure Storage provider's default partition count (control queues). */
const CONTROL_QUEUES = 4;

function notFound(err: unknown): boolean {
  return (err as { statusCode?: number }).statusCode === 404;
}

/** A check whose dependency could not even be configured fails with the configuration problem. */
function misconfigured(name: string, err: unknown): DependencyCheck {
  const message = err instanceof Error ? err.message : String(err);
  return { name, run: () => Promise.reject(new Error(`not configured: ${message}`)) };
}

function storageChecks(env: Env, open: () => AppStorage, backlogMax: number): DependencyCheck[] {
  let storage: AppStorage;
  try {
    storage = open();
  } catch (err) {
    return ["storage.tables", "storage.queues", "durable.taskHub"].map((n) => misconfigured(n, err));
  }
  const claws = storage.tableClient(TABLE_NAMES.claws);
  const commands = storage.queueClient(COMMAND_QUEUE);
  const hub = (env.DURABLE_HUB_NAME ?? "TestHubName").toLowerCase();
  const hubQueues = [
    ...Array.from({ length: CONTROL_QUEUES }, (_, i) => `${hub}-control-${String(i).padStart(2, "0")}`),
    `${hub}-workitems`,
  ];
  return [
    {
      name: "storage.tables",
      async run(abortSignal) {
        try {
          await claws.listEntities({ abortSignal }).byPage({ maxPageSize: 1 }).next();
          return `${claws.tableName} readable`;
        } catch (err) {
          if (notFound(err)) return `${claws.tableName} not created yet (account reachable)`;
          throw err;
        }
      },
    },
    {
      name: "storage.queues",
      async run(abortSignal) {
        try {
          const p = await commands.getProperties({ abortSignal });
          return `${COMMAND_QUEUE}: ${p.approximateMessagesCount ?? 0} message(s)`;
        } catch (err) {
          if (notFound(err)) return `${COMMAND_QUEUE} not created yet (account reachable)`;
          throw err;
        }
      },
    },
    {
      name: "durable.taskHub",
      async run(abortSignal) {
        const counts = await Promise.all(
          hubQueues.map(async (q) => {
            try {
              const p = await storage.queueClient(q).getProperties({ abortSignal });
              return { q, n: p.approximateMessagesCount ?? 0, exists: true };
            } catch (err) {
              if (notFound(err)) return { q, n: 0, exists: false };
              throw err;
            }
          }),
        );
        const backed = counts.filter((c) => c.n > backlogMax);
        if (backed.length) {
          throw new Error(
            `task hub backed up: ${backed.map((c) => `${c.q} has ${c.n} messages`).join(", ")} ` +
              `(threshold ${backlogMax}, HEALTH_DURABLE_BACKLOG_MAX)`,
          );
        }
        if (!counts.some((c) => c.exists)) {
          return `no task-hub queues for '${hub}' (hub not started yet, or the dev host's engine, which keeps its work in tables)`;
        }
        return `${counts.reduce((s, c) => s + c.n, 0)} queued message(s) in ${hub}'s queues`;
      },
    },
  ];
}

function armCheck(env: Env): DependencyCheck {
  const name = "arm.fleetResourceGroup";
  let compute: ReturnType<typeof createArmClients>["compute"];
  let resourceGroup: string;
  try {
    const o = gatewayOptionsFromConfig(env);
    resourceGroup = o.resourceGroup;
    // One attempt: readiness reports what ARM says now; the time bound is the probe's.
    compute = createArmClients({
      subscriptionId: o.subscriptionId,
      credential: o.credential,
      endpoint: o.endpoint,
      caCert: o.caCert,
      retry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
      sleep: () => Promise.resolve(),
      log: () => undefined,
      requestBudget: false,
    }).compute;
  } catch (err) {
    return misconfigured(name, err);
  }
  return {
    name,
    async run(abortSignal) {
      try {
        await compute.virtualMachines.get(resourceGroup, PROBE_VM, { abortSignal });
        return `${resourceGroup} readable`;
      } catch (err) {
        // ResourceNotFound for the probe VM means: token accepted, group exists, read allowed.
        if ((err as { code?: string }).code === "ResourceNotFound") return `${resourceGroup} readable`;
        throw err;
      }
    },
  };
}

function secretsCheck(env: Env): DependencyCheck | undefined {
  if (env.KEY_VAULT_URI) {
    const name = "keyVault";
    let client: SecretClient;
    try {
      const clientId = env.AZURE_CLIENT_ID;
      client = new SecretClient(
        env.KEY_VAULT_URI,
        new DefaultAzureCredential(clientId ? { managedIdentityClientId: clientId } : {}),
      );
    } catch (err) {
      return misconfigured(name, err);
    }
    return {
      name,
      async run(abortSignal) {
        await client.listPropertiesOfSecrets({ abortSignal }).byPage({ maxPageSize: 1 }).next();
        return "secrets listable";
      },
    };
  }
  const file = env.LOCAL_SECRETS_FILE;
  if (!file) return undefined;
  return {
    name: "secrets.localFile",
    async run() {
      let text: string;
      try {
        text = await fs.promises.readFile(file, "utf8");
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return "not created yet (made on first use)";
        throw err;
      }
      try {
        JSON.parse(text);
      } catch {
        throw new Error("LOCAL_SECRETS_FILE is not valid JSON; fix or remove it");
      }
      return "readable";
    },
  };
}

/**
 * Every readiness check the app's settings call for; storage is the composition root's (opened
 * from `env` when not given, so a misconfigured account fails its checks rather than the route).
 */
export function readinessChecks(
  env: Env = process.env,
  storage: () => AppStorage = () => createAppStorage(loadStorageSettings(env)),
): DependencyCheck[] {
  const backlog = Number(env.HEALTH_DURABLE_BACKLOG_MAX);
  const backlogMax = Number.isFinite(backlog) && backlog > 0 ? backlog : DEFAULT_BACKLOG_MAX;
  const secrets = secretsCheck(env);
  return [...storageChecks(env, storage, backlogMax), armCheck(env), ...(secrets ? [secrets] : [])];
}
