import * as fs from "node:fs";
import * as path from "node:path";
import { z } from "zod";
import { formatZodError } from "../domain/validation";
import { ClawError } from "../errors";
import { SECRET_KEY, sshPublicKeyOf, type SecretStore } from "./types";
import { generateSshKeyPair } from "../guest/keys";

const secretsMap = z.record(
  z.string().regex(SECRET_KEY, "must be an env-style name like TELEGRAM_BOT_TOKEN"),
  z.string(),
);

/**
 * The twin's secrets file (gitignored, mode 0600):
 * `{ "fleet": { "ANTHROPIC_API_KEY": "…" }, "claws": { "alice": { "TELEGRAM_BOT_TOKEN": "…" } },
 *    "sshPrivateKey": "-----BEGIN OPENSSH PRIVATE KEY-----…" }`
 */
export const localSecretsFileSchema = z.object({
  fleet: secretsMap.default({}),
  claws: z.record(z.string(), secretsMap).default({}),
  sshPrivateKey: z.string().optional(),
  sshPublicKey: z.string().optional(),
});
export type LocalSecretsFile = z.output<typeof localSecretsFileSchema>;

export interface LocalFileSecretStoreOptions {
  file: string;
  /** Twin: when the file holds no SSH key, generate an ed25519 key into it. */
  generateSshKey?: boolean;
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

export function createLocalFileSecretStore({
  file,
  generateSshKey = false,
}: LocalFileSecretStoreOptions): SecretStore {
  let generating: Promise<string> | undefined;

  function load(): LocalSecretsFile {
    return read(file) ?? { fleet: {}, claws: {} };
  }

  async function getControlPlaneSshKey(): Promise<string> {
    const existing = load().sshPrivateKey;
    if (existing) return existing;
    if (!generateSshKey) {
      throw new ClawError("INTERNAL", `the secrets file ${file} has no sshPrivateKey`);
    }
    generating ??= (async () => {
      // Another process may have won the race: take the lock, then look again.
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
        const current = load();
        if (current.sshPrivateKey) return current.sshPrivateKey;
        const pair = generateSshKeyPair("openclawps-control-plane");
        write(file, { ...current, sshPrivateKey: pair.private, sshPublicKey: pair.public });
        return pair.private;
      } finally {
        fs.rmSync(lock, { force: true });
      }
    })().finally(() => {
      generating = undefined;
    });
    return generating;
  }

  return {
    async getClawSecrets(claw) {
      const data = load();
      return { ...data.fleet, ...(data.claws[claw] ?? {}) };
    },
    getControlPlaneSshKey,
    async getControlPlaneSshPublicKey() {
      return sshPublicKeyOf(await getControlPlaneSshKey());
    },
  };
}
