/**
 * A claw's logs, read over SSH with the pinned host key (runtime/lifecycle/logs.sh on the VM) and
 * redacted before they leave the control plane: every value of the claw's secrets, then anything
 * shaped like a token. A claw that is not running has no SSH to read from: 409, wake it first.
 */
import type { ClawRecord } from "../state";
import { ClawError } from "../errors";
import { redact } from "../secrets/redact";
import { redactTokenShapes } from "./redact-tokens";

export const LOG_SOURCES = ["boot", "gateway", "updates", "verify"] as const;
export type LogSource = (typeof LOG_SOURCES)[number];
export const DEFAULT_LOG_LINES = 200;
export const MAX_LOG_LINES = 2000;

/** The command run on the claw (the payload's path; the twin's guests set CLAW_OPT). */
export const logsCommand = (source: LogSource, lines: number) =>
  `bash -c '"\${CLAW_OPT:-/opt/claw}/lifecycle/logs.sh" ${source} ${lines}'`;

export interface ClawLogsDeps {
  readClaw(name: string): Promise<ClawRecord>;
  clawSecrets(name: string): Promise<Record<string, string>>;
  /** Runs `command` on the claw over SSH (host key pinned to `hostKeySha256`). */
  exec(
    target: { claw: string; address: string; hostKeySha256?: string },
    command: string,
  ): Promise<{ code: number | null; stdout: string; stderr: string }>;
}

export interface ClawLogs {
  claw: string;
  source: LogSource;
  lines: string[];
  /** When the lines were read (the caller's clock). */
  readAt: string;
}

/** Reads and redacts the last `lines` lines of `source` on the running claw `name`. */
export async function readClawLogs(
  deps: ClawLogsDeps,
  name: string,
  source: LogSource,
  lines: number,
  now: () => Date = () => new Date(),
): Promise<ClawLogs> {
  const claw = await deps.readClaw(name);
  const power = claw.observed.powerState;
  if (power !== "running") {
    const state = power ?? "not deployed";
    const fix =
      power === undefined || power === "absent"
        ? `deploy it first (POST /api/v1/claws/${name}/deploy)`
        : `wake it first (POST /api/v1/claws/${name}/wake, or 'openclawps wake ${name}')`;
    throw new ClawError("CONFLICT", `claw ${name} is ${state}, so its logs cannot be read; ${fix}`);
  }
  if (!claw.observed.hostKeySha256) {
    throw new ClawError(
      "CONFLICT",
      `claw ${name} has no pinned SSH host key yet (its deploy has not reached the VM); try again when the deploy has finished`,
    );
  }
  const [secrets, r] = await Promise.all([
    deps.clawSecrets(name),
    deps.exec(
      { claw: name, address: claw.observed.publicIp ?? name, hostKeySha256: claw.observed.hostKeySha256 },
      logsCommand(source, lines),
    ),
  ]);
  if (r.code !== 0) {
    const why = redactTokenShapes(redact((r.stderr || r.stdout).trim().slice(-300), secrets));
    throw new ClawError("SSH_ERROR", `logs.sh on ${name} exited ${r.code}: ${why}`, { retryable: true });
  }
  const text = redactTokenShapes(redact(r.stdout, secrets));
  const out = text.split("\n");
  if (out.length > 0 && out[out.length - 1] === "") out.pop();
  return { claw: name, source, lines: out.slice(-lines), readAt: now().toISOString() };
}
