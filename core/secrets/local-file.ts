import * as fs from "node:fs";
import * as path from "node:path";
import { z } from "zod";
import { formatZodError } from "../domain/validation";
import { ClawError } from "../errors";
import { SECRET_KEY, sshPublicKeyOf, type SecretInfo, type SecretStore } from "./types";
import { generateSshKeyPair } from "../guest/keys";
import { fleetScopeRefusal, PER_CLAW_ONLY_KEYS } from "./catalogue";
import { newFingerprintKey, secretFingerprint } from "./fingerprint";

const secretsMap = z.record(
  z.string().regex(SECRET_KEY, "must be an env-style name like TELEGRAM_BOT_TOKEN"),
  z.string(),
);

const versionEntry = z.object({ version: z.number().int().min(0), updatedAt: z.string() });

/**
 * The twin's secrets file (gitignored, mode 0600):
 * `{ "fleet": { "ANTHROPIC_API_KEY": "…" }, "claws": { "alice": { "TELEGRAM_BOT_TOKEN": "…" } },
 *    "sshPrivateKey": "-----BEGIN OPENSSH PRIVATE KEY-----…" }`
 * The control plane adds `versions` (a counter per claw and key it wrote through the API; values
 * written by hand are version 0) and `access` (each claw's access password with its version).
 */
export const localSecretsFileSchema = z.object({
  fleet: secretsMap.default({}),
  claws: z.record(z.string(), secretsMap).default({}),
  versions: z.record(z.string(), z.record(z.string(), versionEntry)).default({}),
  access: z
    .record(
      z.string(),
      z.object({ password: z.string().min(1), version: z.number().int().min(1), updatedAt: z.string() }),
    )
    .default({}),
  sshPrivateKey: z.string().optional(),
  sshPublicKey: z.string().optional(),
});
export type LocalSecretsFile = z.output<typeof localSecretsFileSchema>;

export interface LocalFileSecretStoreOptions {
  file: string;
  /** Twin: when the file holds no SSH key, generate an ed25519 key into it. */
  generateSshKey?: boolean;
}

function data0(data: LocalSecretsFile, claw: string, key: string): string | undefined {
  return data.claws[claw]?.[key];
}

function read(file: string): LocalSecretsFile | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new ClawError("INTERNAL", `cannot read the secrets file ${file}: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // Never quote the content: it is full of secrets.
    throw new ClawError("INTERNAL", `the secrets file ${file} is not valid JSON`);
  }
  const parsed = localSecretsFileSchema.safeParse(json);
  if (!parsed.success) {
    // Paths and problems only: the values are secrets.
    const why = formatZodError(parsed.error, undefined, { hideValues: true });
    throw new ClawError("INTERNAL", `the secrets file ${file} is malformed: ${why}`);
  }
  return parsed.data;
}

/** Writes the file 0600 via a temp file and rename, so a reader never sees half of it. */
function write(file: string, data: LocalSecretsFile): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600 });
  fs.chmodSync(tmp, 0o600);
  fs.renameSync(tmp, file);
}

const EMPTY: LocalSecretsFile = { fleet: {}, claws: {}, versions: {}, access: {} };

/**
 * Runs `fn` under the file's lock (`<file>.lock`, created exclusively): the control plane, the
 * dev host and tools that give claws their secrets all write the one file.
 */
async function withFileLock<T>(file: string, fn: () => T): Promise<T> {
  const lock = `${file}.lock`;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  for (let i = 0; ; i++) {
    try {
      fs.closeSync(fs.openSync(lock, "wx"));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST" || i > 100) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  try {
    return fn();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

/** Reads, changes and writes the secrets file under its lock (0600, atomically). */
export async function updateLocalSecretsFile<T>(
  file: string,
  change: (data: LocalSecretsFile) => T,
): Promise<T> {
  return withFileLock(file, () => {
    const data = read(file) ?? structuredClone(EMPTY);
    const out = change(data);
    write(file, data);
    return out;
  });
}

export function createLocalFileSecretStore({
  file,
  generateSshKey = false,
}: LocalFileSecretStoreOptions): SecretStore {
  let generating: Promise<string> | undefined;

  function load(): LocalSecretsFile {
    return read(file) ?? structuredClone(EMPTY);
  }

  function refuseFleetOnly(data: LocalSecretsFile): void {
    for (const key of PER_CLAW_ONLY_KEYS) {
      if (data.fleet[key] !== undefined) {
        throw fleetScopeRefusal(key, `"fleet" in the secrets file ${path.basename(file)}`);
      }
    }
  }

  async function getControlPlaneSshKey(): Promise<string> {
    const existing = load().sshPrivateKey;
    if (existing) return existing;
    if (!generateSshKey) {
      throw new ClawError("INTERNAL", `the secrets file ${file} has no sshPrivateKey`);
    }
    generating ??= withFileLock(file, () => {
      // Another process may have won the race: look again under the lock.
      const current = load();
      if (current.sshPrivateKey) return current.sshPrivateKey;
      const pair = generateSshKeyPair("openclawps-control-plane");
      write(file, { ...current, sshPrivateKey: pair.private, sshPublicKey: pair.public });
      return pair.private;
    }).finally(() => {
      generating = undefined;
    });
    return generating;
  }

  const now = () => new Date().toISOString();

  return {
    async getClawSecrets(claw) {
      const data = load();
      refuseFleetOnly(data);
      return { ...data.fleet, ...(data.claws[claw] ?? {}) };
    },
    getControlPlaneSshKey,
    async getControlPlaneSshPublicKey() {
      return sshPublicKeyOf(await getControlPlaneSshKey());
    },
    async listClawSecrets(claw) {
      const data = load();
      const own = data.claws[claw] ?? {};
      const out: SecretInfo[] = [];
      for (const key of Object.keys(own).sort()) {
        const v = data.versions[claw]?.[key];
        out.push({
          key,
          scope: "claw",
          version: String(v?.version ?? 0),
          ...(v ? { updatedAt: v.updatedAt } : {}),
        });
      }
      for (const key of Object.keys(data.fleet).sort()) {
        if (own[key] === undefined) out.push({ key, scope: "fleet", version: "0" });
      }
      return out;
    },
    async putClawSecret(claw, key, value) {
      return updateLocalSecretsFile(file, (data) => {
        const version = (data.versions[claw]?.[key]?.version ?? 0) + 1;
        const updatedAt = now();
        data.claws[claw] = { ...(data.claws[claw] ?? {}), [key]: value };
        data.versions[claw] = { ...(data.versions[claw] ?? {}), [key]: { version, updatedAt } };
        return { key, scope: "claw" as const, version: String(version), updatedAt };
      });
    },
    async deleteClawSecret(claw, key) {
      if (data0(load(), claw, key) === undefined) return false;
      return updateLocalSecretsFile(file, (data) => {
        const had = data0(data, claw, key) !== undefined;
        if (data.claws[claw]) delete data.claws[claw][key];
        // The counter stays, so a value put again later gets a version never seen before.
        return had;
      });
    },
    async findClawHolding(key, value, claw) {
      // The values are in this file anyway: hash each under a throwaway key and compare hashes.
      const k = newFingerprintKey();
      const want = secretFingerprint(k, key, value);
      const data = load();
      for (const [other, secrets] of Object.entries(data.claws)) {
        const v = secrets[key];
        if (other !== claw && v !== undefined && secretFingerprint(k, key, v) === want) return other;
      }
      return undefined;
    },
    async getAccessPassword(claw) {
      const a = load().access[claw];
      return a ? { password: a.password, version: String(a.version) } : undefined;
    },
    async setAccessPassword(claw, password) {
      return updateLocalSecretsFile(file, (data) => {
        const version = (data.access[claw]?.version ?? 0) + 1;
        const updatedAt = now();
        data.access[claw] = { password, version, updatedAt };
        return { version: String(version), updatedAt };
      });
    },
  };
}
