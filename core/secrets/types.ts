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
