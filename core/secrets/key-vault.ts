import type { TokenCredential } from "@azure/core-auth";
import { DefaultAzureCredential } from "@azure/identity";
import { SecretClient } from "@azure/keyvault-secrets";
import { ClawError } from "../errors";
import { sshPublicKeyOf, type SecretStore } from "./types";

/**
 * Key Vault layout (secret names allow only letters, digits and hyphens):
 * - `claw-<claw>-<key>`: one claw's secret, e.g. `claw-alice-telegram-bot-token` is alice's
 *   TELEGRAM_BOT_TOKEN (the env name lower-cased, `_` as `-`).
 * - `fleet-<key>`: a secret every claw gets unless it has its own, e.g. `fleet-anthropic-api-key`.
 * - `SSH_KEY_SECRET_NAME` (default `control-plane-ssh-key`): the control plane's SSH private key.
 * Optional tags: `env` gives the exact env name; `claw` names the owner, which is needed when
 * one claw's name plus "-" starts another's (`claw-alice-bob-token`: alice's BOB_TOKEN or
 * alice-bob's TOKEN? tag it `claw=alice-bob`). Disabled secrets are ignored.
 */
export function clawSecretName(claw: string, key: string): string {
  return `claw-${claw}-${key.toLowerCase().replace(/_/g, "-")}`;
}

export function fleetSecretName(key: string): string {
  return `fleet-${key.toLowerCase().replace(/_/g, "-")}`;
}

function envName(rest: string, tags: Record<string, string> | undefined): string {
  return tags?.env ?? rest.toUpperCase().replace(/-/g, "_");
}

/** The part of SecretClient this store uses (tests pass a fake). */
export type SecretClientLike = Pick<SecretClient, "getSecret" | "listPropertiesOfSecrets">;

export interface KeyVaultSecretStoreOptions {
  vaultUrl: string;
  sshKeySecretName?: string;
  credential?: TokenCredential;
  client?: SecretClientLike;
}

export function createKeyVaultSecretStore({
  vaultUrl,
  sshKeySecretName = "control-plane-ssh-key",
  credential,
  client = new SecretClient(vaultUrl, credential ?? new DefaultAzureCredential()),
}: KeyVaultSecretStoreOptions): SecretStore {
  async function value(name: string): Promise<string> {
    try {
      const s = await client.getSecret(name);
      if (s.value === undefined) throw new Error("no value");
      return s.value;
    } catch (e) {
      const status = (e as { statusCode?: number }).statusCode;
      throw new ClawError(
        "INTERNAL",
        `Key Vault secret '${name}' could not be read (${status ?? (e as Error).message})`,
        {
          retryable: status === undefined || status === 429 || status >= 500,
        },
      );
    }
  }

  async function getControlPlaneSshKey() {
    return value(sshKeySecretName);
  }

  return {
    async getClawSecrets(claw) {
      const clawPrefix = `claw-${claw}-`;
      const fleet: [string, string][] = [];
      const own: [string, string][] = [];
      for await (const p of client.listPropertiesOfSecrets()) {
        if (p.enabled === false) continue;
        if (p.name.startsWith(clawPrefix) && (p.tags?.claw ?? claw) === claw) {
          own.push([envName(p.name.slice(clawPrefix.length), p.tags), p.name]);
        } else if (p.name.startsWith("fleet-")) {
          fleet.push([envName(p.name.slice("fleet-".length), p.tags), p.name]);
        }
      }
      const out: Record<string, string> = {};
      // Fleet first, so the claw's own values win.
      for (const [key, name] of [...fleet, ...own]) out[key] = await value(name);
      return out;
    },
    getControlPlaneSshKey,
    async getControlPlaneSshPublicKey() {
      return sshPublicKeyOf(await getControlPlaneSshKey());
    },
  };
}
