import { createHash } from "node:crypto";
import { Client, type SFTPWrapper } from "ssh2";
import { ClawError } from "../errors";
import { traceGuest } from "../telemetry";
import type { GuestEndpoint } from "./endpoints";

/** OpenSSH-style fingerprint of a raw host key blob: "SHA256:<base64 without padding>". */
export function hostKeyFingerprint(key: Buffer): string {
  return `SHA256:${createHash("sha256").update(key).digest("base64").replace(/=+$/, "")}`;
}

export interface OpenOptions {
  /** For messages: the claw's address (IP or VM name). */
  address: string;
  endpoint: GuestEndpoint;
  username: string;
  privateKey: string | Buffer;
  readyTimeoutMs: number;
  /** Pinned host key; a different key aborts the handshake before authentication. */
  expectedHostKey?: string;
}

export interface Connection {
  client: Client;
  hostKeySha256: string;
}

/** Marks a host-key mismatch so callers can tell it from ordinary connection failures. */
export const HOST_KEY_CHANGED = "host-key-changed";

/** Opens one authenticated SSH connection. Every failure is a ClawError SSH_ERROR. */
export function openConnection(o: OpenOptions): Promise<Connection> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    let seen: string | undefined;
    let settled = false;
    const fail = (e: Error) => {
      if (settled) return;
      settled = true;
      client.end();
      if (seen && o.expectedHostKey && seen !== o.expectedHostKey) {
        return reject(
          new ClawError(
            "SSH_ERROR",
            `the SSH host key of ${o.address} changed: pinned ${o.expectedHostKey}, offered ${seen}` +
              " (a different machine answers, or the claw lost its host identity)",
            { details: { reason: HOST_KEY_CHANGED, pinned: o.expectedHostKey, offered: seen } },
          ),
        );
      }
      const auth = /authentication methods failed/i.test(e.message);
      reject(
        new ClawError(
          "SSH_ERROR",
          `SSH to ${o.address} (${o.endpoint.host}:${o.endpoint.port}) failed: ${auth ? "authentication refused" : e.message}`,
          { retryable: true, details: { reason: auth ? "auth" : "connect" } },
        ),
      );
    };
    client.on("ready", () => {
      if (settled) return;
      settled = true;
      resolve({ client, hostKeySha256: seen as string });
    });
    client.on("error", fail);
    client.on("close", () => fail(new Error("connection closed during handshake")));
    client.connect({
      host: o.endpoint.host,
      port: o.endpoint.port,
      username: o.username,
      privateKey: o.privateKey,
      readyTimeout: o.readyTimeoutMs,
      // Agent forwarding and keyboard-interactive stay off: the key is the only way in.
      tryKeyboard: false,
      hostVerifier: (key: Buffer) => {
        seen = hostKeyFingerprint(key);
        return !o.expectedHostKey || seen === o.expectedHostKey;
      },
    });
  });
}

export interface ExecResult {
  code: number;
  /** Set when the command died of a signal (code is then 128 + nothing known, i.e. -1). */
  signal?: string;
  stdout: string;
  stderr: string;
}

const MAX_OUTPUT = 1024 * 1024;

/**
 * Runs one command. ssh2 has no exec timeout (only the handshake has one), so a timer ends the
 * connection and the call fails with a retryable SSH_ERROR.
 */
export function execOn(
  conn: Connection,
  address: string,
  command: string,
  timeoutMs: number,
): Promise<ExecResult> {
  // The span names the program only: a command line may carry values that must not be exported.
  const program = /([\w.-]+\.sh)\b/.exec(command)?.[1] ?? command.trim().split(/\s+/)[0] ?? "";
  return traceGuest(`SSH ${program}`, address, async (span) => {
    const r = await execRaw(conn, address, command, timeoutMs);
    span?.setAttribute("process.exit.code", r.code);
    return r;
  });
}

function execRaw(conn: Connection, address: string, command: string, timeoutMs: number): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    let stdout = "";
    let stderr = "";
    let code = -1;
    let signal: string | undefined;
    let done = false;
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(signal ? { code, signal, stdout, stderr } : { code, stdout, stderr });
    };
    const timer = setTimeout(() => {
      conn.client.end();
      finish(
        new ClawError("SSH_ERROR", `command on ${address} timed out after ${timeoutMs} ms`, {
          retryable: true,
          details: { reason: "timeout" },
        }),
      );
    }, timeoutMs);
    conn.client.exec(command, (err, stream) => {
      if (err)
        return finish(
          new ClawError("SSH_ERROR", `exec on ${address} failed: ${err.message}`, { retryable: true }),
        );
      stream.on("data", (d: Buffer) => {
        if (stdout.length < MAX_OUTPUT) stdout += d.toString("utf8");
      });
      stream.stderr.on("data", (d: Buffer) => {
        if (stderr.length < MAX_OUTPUT) stderr += d.toString("utf8");
      });
      stream.on("exit", (c: number | null, s?: string) => {
        if (typeof c === "number") code = c;
        if (s) signal = s;
      });
      stream.on("close", () => {
        if (code === -1 && !signal) {
          finish(
            new ClawError("SSH_ERROR", `connection to ${address} ended before the command finished`, {
              retryable: true,
            }),
          );
        } else finish();
      });
      stream.on("error", (e: Error) =>
        finish(new ClawError("SSH_ERROR", `exec on ${address} failed: ${e.message}`, { retryable: true })),
      );
    });
  });
}

/** Opens the SFTP subsystem on a connection. */
export function sftpOn(conn: Connection, address: string): Promise<SFTPWrapper> {
  return new Promise((resolve, reject) => {
    conn.client.sftp((err, sftp) => {
      if (err)
        reject(new ClawError("SSH_ERROR", `SFTP to ${address} failed: ${err.message}`, { retryable: true }));
      else resolve(sftp);
    });
  });
}
