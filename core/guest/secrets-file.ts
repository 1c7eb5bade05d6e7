import { ClawError } from "../errors";

/** Where the claw's secrets land (guest contract): on the data disk, mode 0600. */
export const SECRETS_DIR = "/mnt/claw-data/secrets";
export const SECRETS_PATH = `${SECRETS_DIR}/claw.env`;
/**
 * The claw's access password as delivered (0600); apply-secrets.sh installs it as the disk's
 * vnc-password.txt (the original tool's name) and sets it for SSH, RDP and Sunshine.
 */
export const ACCESS_PASSWORD_PATH = `${SECRETS_DIR}/access-password`;
/** Non-secret settings for the agent's configuration (default model, operator's Telegram id). */
export const SETTINGS_PATH = `${SECRETS_DIR}/claw-settings.env`;

const KEY = /^[A-Z_][A-Z0-9_]*$/;

/**
 * Renders `KEY=VALUE` lines. Keys must be shell-style names; values may not hold line breaks
 * (they would smuggle extra keys into the file). Errors name the key, never the value.
 */
export function renderSecretsFile(secrets: Record<string, string>): string {
  const lines: string[] = [];
  for (const key of Object.keys(secrets).sort()) {
    const value = secrets[key];
    if (!KEY.test(key))
      throw new ClawError("BAD_REQUEST", `secret name '${key}' must be upper-case letters, digits and _`);
    if (typeof value !== "string") throw new ClawError("BAD_REQUEST", `secret ${key} is not a string`);
    if (/[\r\n\0]/.test(value))
      throw new ClawError("BAD_REQUEST", `secret ${key} contains a line break or NUL`);
    lines.push(`${key}=${value}`);
  }
  return lines.length ? `${lines.join("\n")}\n` : "";
}
