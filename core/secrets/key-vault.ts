import type { TokenCredential } from "@azure/core-auth";
import { DefaultAzureCredential } from "@azure/identity";
import { SecretClient } from "@azure/keyvault-secrets";
import { ClawError } from "../errors";
import { fleetScopeRefusal, PER_CLAW_ONLY_KEYS } from "./catalogue";
import { newFingerprintKey, secretFingerprint } from "./fingerprint";
import { sshPublicKeyOf, type SecretInfo, type SecretStore } from "./types";

/**
 * Key Vault names (letters, digits, hyphens): `claw-<claw>-<key>` (the env name lower-cased, `_` as
 * `-`), `fleet-<key>`, the SSH key, `access-password-<claw>`, `secret-fingerprint-key`; tags `env`,
 * `claw`, `fp`, `fpk`. The whole layout and why: docs/claw-access.md, "Where secrets are kept".
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
export type SecretClientLike = Pick<
  SecretClient,
  "getSecret" | "listPropertiesOfSecrets" | "setSecret" | "updateSecretProperties"
>;

export function accessPasswordSecretName(claw: string): string {
  return `access-password-${claw}`;
}

const FINGERPRINT_KEY_NAME = "secret-fingerprint-key";

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

  /** A secret that may be absent: undefined on 404 (and for a disabled current version). */
  async function maybe(name: string) {
    try {
      const s = await client.getSecret(name);
      return s.properties.enabled === false || s.value === undefined ? undefined : s;
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode === 404) return undefined;
      throw vaultError(name, e, "read");
    }
  }

  function vaultError(name: string, e: unknown, what: string): ClawError {
    const status = (e as { statusCode?: number }).statusCode;
    return new ClawError(
      "INTERNAL",
      `Key Vault secret '${name}' could not be ${what} (${status ?? (e as Error).message})`,
      { retryable: status === undefined || status === 429 || status >= 500 },
    );
  }

  interface Listed {
    key: string;
    name: string;
    version: string;
    updatedAt?: string;
    tags?: Record<string, string>;
  }

  /** The enabled secrets of one claw and of the fleet, by env name (properties only, no values). */
  async function listFor(claw: string): Promise<{ own: Listed[]; fleet: Listed[] }> {
    const clawPrefix = `claw-${claw}-`;
    const fleet: Listed[] = [];
    const own: Listed[] = [];
    for await (const p of client.listPropertiesOfSecrets()) {
      if (p.enabled === false) continue;
      const meta = {
        name: p.name,
        version: p.version ?? "",
        updatedAt: p.updatedOn?.toISOString(),
        tags: p.tags,
      };
      if (p.name.startsWith(clawPrefix) && (p.tags?.claw ?? claw) === claw) {
        own.push({ key: envName(p.name.slice(clawPrefix.length), p.tags), ...meta });
      } else if (p.name.startsWith("fleet-")) {
        fleet.push({ key: envName(p.name.slice("fleet-".length), p.tags), ...meta });
      }
    }
    return { own, fleet };
  }

  let fingerprintKey: Promise<{ value: string; version: string }> | undefined;
  /** The HMAC key of the fingerprints: read, or created once when the vault has none. */
  function getFingerprintKey() {
    fingerprintKey ??= (async () => {
      let s = await maybe(FINGERPRINT_KEY_NAME);
      if (!s) {
        await client.setSecret(FINGERPRINT_KEY_NAME, newFingerprintKey(), { contentType: "hmac-sha256-key" });
        // Read back: when two instances raced, the later version is the one everyone uses.
        s = await maybe(FINGERPRINT_KEY_NAME);
      }
      if (!s?.value) throw vaultError(FINGERPRINT_KEY_NAME, new Error("no value"), "created");
      return { value: s.value, version: s.properties.version ?? "" };
    })().catch((e) => {
      fingerprintKey = undefined;
      throw e;
    });
    return fingerprintKey;
  }

  return {
    async getClawSecrets(claw) {
      const { own, fleet } = await listFor(claw);
      for (const key of PER_CLAW_ONLY_KEYS) {
        const f = fleet.find((x) => x.key === key);
        if (f) throw fleetScopeRefusal(key, `Key Vault secret '${f.name}'`);
      }
      const out: Record<string, string> = {};
      // Fleet first, so the claw's own values win.
      for (const { key, name } of [...fleet, ...own]) out[key] = await value(name);
      return out;
    },
    async listClawSecrets(claw) {
      const { own, fleet } = await listFor(claw);
      const out: SecretInfo[] = own
        .sort((a, b) => a.key.localeCompare(b.key))
        .map((s) => ({
          key: s.key,
          scope: "claw",
          version: s.version,
          ...(s.updatedAt ? { updatedAt: s.updatedAt } : {}),
        }));
      for (const s of fleet.sort((a, b) => a.key.localeCompare(b.key))) {
        if (!own.some((o) => o.key === s.key)) {
          out.push({
            key: s.key,
            scope: "fleet",
            version: s.version,
            ...(s.updatedAt ? { updatedAt: s.updatedAt } : {}),
          });
        }
      }
      return out;
    },
    async putClawSecret(claw, key, secretValue) {
      const name = clawSecretName(claw, key);
      const fk = await getFingerprintKey();
      const tags: Record<string, string> = {
        claw,
        env: key,
        fp: secretFingerprint(fk.value, key, secretValue),
        fpk: fk.version,
      };
      try {
        const s = await client.setSecret(name, secretValue, { tags, enabled: true });
        return {
          key,
          scope: "claw",
          version: s.properties.version ?? "",
          ...(s.properties.updatedOn ? { updatedAt: s.properties.updatedOn.toISOString() } : {}),
        };
      } catch (e) {
        throw vaultError(name, e, "written");
      }
    },
    async deleteClawSecret(claw, key) {
      const { own } = await listFor(claw);
      const s = own.find((x) => x.key === key);
      if (!s) return false;
      try {
        await client.updateSecretProperties(s.name, s.version, { enabled: false });
      } catch (e) {
        throw vaultError(s.name, e, "disabled");
      }
      return true;
    },
    async findClawHolding(key, secretValue, claw) {
      const fk = await getFingerprintKey();
      const want = secretFingerprint(fk.value, key, secretValue);
      for await (const p of client.listPropertiesOfSecrets()) {
        if (p.enabled === false || !p.name.startsWith("claw-")) continue;
        const owner = p.tags?.claw;
        const env = p.tags?.env;
        const matchesKey = env ? env === key : p.name.endsWith(`-${key.toLowerCase().replace(/_/g, "-")}`);
        if (!matchesKey) continue;
        const holder = owner ?? p.name.slice("claw-".length, -(key.length + 1));
        if (holder === claw) continue;
        // A value written by hand has no fingerprint (or one under an older key): hash it now.
        const fp =
          p.tags?.fp && p.tags.fpk === fk.version
            ? p.tags.fp
            : secretFingerprint(fk.value, key, await value(p.name));
        if (fp === want) return holder;
      }
      return undefined;
    },
    async getAccessPassword(claw) {
      const s = await maybe(accessPasswordSecretName(claw));
      return s?.value ? { password: s.value, version: s.properties.version ?? "" } : undefined;
    },
    async setAccessPassword(claw, password) {
      const name = accessPasswordSecretName(claw);
      try {
        const s = await client.setSecret(name, password, { tags: { claw }, contentType: "access-password" });
        return {
          version: s.properties.version ?? "",
          updatedAt: (s.properties.updatedOn ?? new Date()).toISOString(),
        };
      } catch (e) {
        throw vaultError(name, e, "written");
      }
    },
    getControlPlaneSshKey,
    async getControlPlaneSshPublicKey() {
      return sshPublicKeyOf(await getControlPlaneSshKey());
    },
  };
}
