import { setTimeout as sleep } from "node:timers/promises";
import { ClawError, isClawError } from "../errors";
import { redact } from "../secrets/redact";
import {
  execOn,
  HOST_KEY_CHANGED,
  openConnection,
  sftpOn,
  type Connection,
  type ExecResult,
} from "./connection";
import type { EndpointResolver } from "./endpoints";
import {
  ACCESS_PASSWORD_PATH,
  renderSecretsFile,
  SECRETS_DIR,
  SECRETS_PATH,
  SETTINGS_PATH,
} from "./secrets-file";
import { ensureDir, putFileAtomic } from "./sftp";
import { parseVerifyOutput, type VerifyResult } from "./verify-result";

/** Commands run as the guest contract says: the env vars are set on the twin, defaults apply on Azure. */
export const VERIFY_COMMAND = `bash -c '"\${CLAW_OPT:-/opt/claw}/lifecycle/verify.sh"'`;
export const APPLY_SECRETS_COMMAND = `bash -c '"\${CLAW_OPT:-/opt/claw}/lifecycle/apply-secrets.sh"'`;

export interface GuestClientOptions {
  /** The claw's public IP (Azure) or VM name / IP known to the twin's endpoint map. */
  address: string;
  resolveEndpoint: EndpointResolver;
  username: string;
  privateKey: string | Buffer;
  /** The claw's pinned host key ("SHA256:..."); without one the first key seen is pinned. */
  hostKeySha256?: string;
  /** Handshake timeout per attempt. */
  connectTimeoutMs?: number;
  /** waitForSsh's policy while the VM boots; other calls use at most 3 of these attempts. */
  retry?: { attempts: number; delayMs: number };
  execTimeoutMs?: number;
  /** Progress lines (never contain secret values). */
  log?: (message: string) => void;
}

export interface GuestClient {
  /** The pinned host key: as given, or captured on the first connection. Store it with the claw. */
  readonly hostKeySha256: string | undefined;
  /**
   * Waits until SSH answers and accepts the key. A host key other than the pinned one is retried
   * too (a replacement VM answers with its own key until boot.sh restores the claw's from the
   * data disk), and is an SSH_ERROR saying the host key changed if it never matches.
   */
  waitForSsh(): Promise<{ hostKeySha256: string; attempts: number }>;
  exec(command: string, opts?: { timeoutMs?: number }): Promise<ExecResult>;
  /**
   * Runs `fn` with an exec bound to one connection, for several commands in a row (polling boot
   * status): one SSH handshake instead of one per command, on both ends.
   */
  session<T>(
    fn: (exec: (command: string, opts?: { timeoutMs?: number }) => Promise<ExecResult>) => Promise<T>,
  ): Promise<T>;
  /** Writes a file atomically over SFTP (temp name, then rename); mode defaults to 0600. */
  putFile(path: string, content: string | Buffer, mode?: number): Promise<void>;
  /** Runs verify.sh and returns its parsed result; unparsable output is VERIFY_FAILED. */
  runVerify(): Promise<VerifyResult>;
  /**
   * Writes the secrets file (0600) on the data disk and runs apply-secrets.sh. `extra` adds the
   * access password and the agent's settings file; `only` limits what is written (the others are
   * on the disk already), apply-secrets.sh runs either way.
   */
  deliverSecrets(secrets: Record<string, string>, extra?: DeliveryExtras): Promise<void>;
}

/** What travels with the secrets: the access password and the agent's settings (KEY=VALUE). */
export interface DeliveryExtras {
  accessPassword?: string;
  settings?: Record<string, string>;
  /** Which files to write; all given ones by default. */
  only?: ReadonlyArray<"secrets" | "access-password" | "settings">;
}

const USE_ATTEMPTS = 3;

/** Creates the SSH client for one claw. Each call opens its own connection and closes it. */
export function createGuestClient({
  address,
  resolveEndpoint,
  username,
  privateKey,
  hostKeySha256,
  connectTimeoutMs = 10_000,
  retry = { attempts: 60, delayMs: 5_000 },
  execTimeoutMs = 120_000,
  log = () => {},
}: GuestClientOptions): GuestClient {
  let pinned = hostKeySha256;

  async function connectOnce(): Promise<Connection> {
    const endpoint = await resolveEndpoint(address);
    const conn = await openConnection({
      address,
      endpoint,
      username,
      privateKey,
      readyTimeoutMs: connectTimeoutMs,
      expectedHostKey: pinned,
    });
    if (!pinned) {
      pinned = conn.hostKeySha256;
      log(`ssh ${address}: pinned host key ${pinned}`);
    }
    return conn;
  }

  async function connect(
    attempts: number,
    retryHostKey: boolean,
  ): Promise<{ conn: Connection; attempts: number }> {
    for (let i = 1; ; i++) {
      try {
        return { conn: await connectOnce(), attempts: i };
      } catch (e) {
        const err = isClawError(e)
          ? e
          : new ClawError("SSH_ERROR", `SSH to ${address} failed: ${String(e)}`, { retryable: true });
        const hostKey = err.details?.reason === HOST_KEY_CHANGED;
        if (i >= attempts || !(err.retryable || (hostKey && retryHostKey))) throw err;
        log(
          `ssh ${address}: attempt ${i}/${attempts} failed (${err.message}); retrying in ${retry.delayMs} ms`,
        );
        await sleep(retry.delayMs);
      }
    }
  }

  async function withConnection<T>(fn: (conn: Connection) => Promise<T>): Promise<T> {
    const { conn } = await connect(Math.min(USE_ATTEMPTS, retry.attempts), false);
    try {
      return await fn(conn);
    } finally {
      conn.client.end();
    }
  }

  const session: GuestClient["session"] = (fn) =>
    withConnection((conn) =>
      fn((command, opts = {}) => execOn(conn, address, command, opts.timeoutMs ?? execTimeoutMs)),
    );
  const exec: GuestClient["exec"] = (command, opts) => session((run) => run(command, opts));

  return {
    get hostKeySha256() {
      return pinned;
    },
    async waitForSsh() {
      const { conn, attempts } = await connect(retry.attempts, true);
      conn.client.end();
      log(`ssh ${address}: reachable after ${attempts} attempt(s)`);
      return { hostKeySha256: conn.hostKeySha256, attempts };
    },
    exec,
    session,
    putFile(path, content, mode = 0o600) {
      return withConnection(async (conn) => putFileAtomic(await sftpOn(conn, address), path, content, mode));
    },
    async runVerify() {
      const r = await exec(VERIFY_COMMAND);
      const result = parseVerifyOutput(r.stdout, r.code, r.stderr);
      log(
        `ssh ${address}: verify ${result.ok ? "passed" : "failed"} (${result.checks.filter((c) => !c.ok).length} failing checks)`,
      );
      return result;
    },
    async deliverSecrets(secrets, extra = {}) {
      const files: [kind: "secrets" | "access-password" | "settings", path: string, content: string][] = [
        ["secrets", SECRETS_PATH, renderSecretsFile(secrets)],
      ];
      if (extra.accessPassword !== undefined) {
        if (/[\r\n\0]/.test(extra.accessPassword) || extra.accessPassword.length === 0)
          throw new ClawError("BAD_REQUEST", "the access password is empty or holds a line break");
        files.push(["access-password", ACCESS_PASSWORD_PATH, `${extra.accessPassword}\n`]);
      }
      if (extra.settings) files.push(["settings", SETTINGS_PATH, renderSecretsFile(extra.settings)]);
      const wanted = files.filter(([kind]) => !extra.only || extra.only.includes(kind));
      const hidden = [...Object.values(secrets), ...(extra.accessPassword ? [extra.accessPassword] : [])];
      // One connection for the files and the script that applies them.
      const r = await withConnection(async (conn) => {
        const sftp = await sftpOn(conn, address);
        await ensureDir(sftp, SECRETS_DIR, 0o700);
        for (const [, path, content] of wanted) await putFileAtomic(sftp, path, content, 0o600);
        log(
          `ssh ${address}: delivered ${wanted.map(([kind]) => (kind === "secrets" ? `${Object.keys(secrets).length} secret(s)` : kind)).join(", ") || "nothing new"} to ${SECRETS_DIR}`,
        );
        return execOn(conn, address, APPLY_SECRETS_COMMAND, execTimeoutMs);
      });
      if (r.code !== 0) {
        const why = redact((r.stderr || r.stdout).trim().slice(-500), hidden);
        throw new ClawError("SSH_ERROR", `apply-secrets.sh on ${address} exited ${r.code}: ${why}`, {
          retryable: true,
        });
      }
    },
  };
}
