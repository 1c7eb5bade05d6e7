import { utils } from "ssh2";
import { ClawError } from "../errors";

/**
 * Where secrets come from: Key Vault on Azure, a gitignored JSON file on the twin. Secrets are
 * handed to the guest client only; they never enter tables, logs, operation records or custom data.
 */
export interface SecretStore {
  /** The claw's environment secrets: fleet-wide ones overlaid with the claw's own. */
  getClawSecrets(claw: string): Promise<Record<string, string>>;
  /** The control plane's SSH private key (OpenSSH or PEM text). */
  getControlPlaneSshKey(): Promise<string>;
  /** Its public half, "ssh-ed25519 AAAA…", for the VMs' authorized keys. */
  getControlPlaneSshPublicKey(): Promise<string>;
  /** Names and versions (never values) of what the claw gets: its own and the fleet's it inherits. */
  listClawSecrets(claw: string): Promise<SecretInfo[]>;
  /** Stores the claw's own value of `key` as a new version. */
  putClawSecret(claw: string, key: string, value: string): Promise<SecretInfo>;
  /** Removes the claw's own value of `key`; false when it had none. */
  deleteClawSecret(claw: string, key: string): Promise<boolean>;
  /**
   * The other claw (not `claw`) whose own `key` holds `value`, compared by a keyed hash
   * (HMAC-SHA256 with a key the store keeps); undefined when none does.
   */
  findClawHolding(key: string, value: string, claw: string): Promise<string | undefined>;
  /** The claw's access password (SSH, RDP, Sunshine), or undefined before the first deploy. */
  getAccessPassword(claw: string): Promise<{ password: string; version: string } | undefined>;
  /** Stores a new access password for the claw (a new version). */
  setAccessPassword(claw: string, password: string): Promise<{ version: string; updatedAt: string }>;
}

/** What the API says of a secret: never its value. */
export interface SecretInfo {
  key: string;
  /** "claw": the claw's own; "fleet": inherited from the fleet scope. */
  scope: "claw" | "fleet";
  /** Store-specific version id (a counter in the local file, Key Vault's version id on Azure). */
  version: string;
  updatedAt?: string;
}

/** Env-style secret name: TELEGRAM_BOT_TOKEN. */
export const SECRET_KEY = /^[A-Z_][A-Z0-9_]*$/;

/** The OpenSSH public key line of a private key. */
export function sshPublicKeyOf(privateKey: string): string {
  const parsed = utils.parseKey(privateKey);
  if (parsed instanceof Error || Array.isArray(parsed)) {
    throw new ClawError(
      "INTERNAL",
      `the control plane's SSH private key cannot be parsed: ${parsed instanceof Error ? parsed.message : "several keys"}`,
    );
  }
  return `${parsed.type} ${parsed.getPublicSSH().toString("base64")}`;
}
