/**
 * `--wait`: follows an operation until it ends. On a terminal, a live view redrawn in place (a
 * spinner and the elapsed time on the running step, each finished step with its duration); when
 * not a terminal, one plain line per step as it starts and as it ends. Resolves to the final
 * operation record.
 */
import type { Operation, Step } from "../core/console/wire";
import type { Client } from "./client";

export type { Operation, Step };

const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

export function seconds(ms: number): string {
  return ms < 60_000
    ? `${(ms / 1000).toFixed(1)} s`
    : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

const stepMs = (s: Step, now: number) => (s.endedAt ? Date.parse(s.endedAt) : now) - Date.parse(s.startedAt);

function stepLine(s: Step, now: number, frame: number): string {
  const mark = s.endedAt ? (s.ok === false ? "✗" : "✓") : SPINNER[frame % SPINNER.length];
  return `  ${mark} ${s.name.padEnd(28)} ${seconds(stepMs(s, now)).padStart(9)}${s.detail && s.endedAt ? `  ${s.detail}` : ""}`;
}

export interface WaitOptions {
  out: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  pollMs?: number;
  timeoutMs?: number;
  /** Quiet (for --json): no view, only the final record. */
  quiet?: boolean;
}

export async function waitForOperation(client: Client, id: string, opts: WaitOptions): Promise<Operation> {
  const { out, pollMs = 500, timeoutMs = 60 * 60_000, quiet = false } = opts;
  const tty = Boolean(out.isTTY) && !quiet;
  const path = `/operations/${encodeURIComponent(id)}`;
  const deadline = Date.now() + timeoutMs;
  let op: Operation | undefined;
  let drawn = 0;
  let frame = 0;
  const announced = new Map<string, "started" | "ended">();
  const draw = () => {
    if (!op || !tty) return;
    const now = Date.now();
    const cols = out.columns ?? 100;
    const lines = [
      `${op.kind} ${op.claw}  ${op.status}  ${seconds((op.endedAt ? Date.parse(op.endedAt) : now) - Date.parse(op.startedAt))}`,
      ...op.steps.map((s) => stepLine(s, now, frame)),
    ].map((l) => (l.length > cols - 1 ? l.slice(0, cols - 2) + "…" : l));
    out.write((drawn > 0 ? `\x1b[${drawn}A` : "") + lines.map((l) => `\x1b[2K${l}\n`).join(""));
    drawn = lines.length;
  };
  const plain = () => {
    if (!op || tty || quiet) return;
    op.steps.forEach((s, i) => {
      const key = `${i}:${s.name}`;
      const was = announced.get(key);
      if (!s.endedAt && !was) {
        out.write(`… ${s.name}\n`);
        announced.set(key, "started");
      } else if (s.endedAt && was !== "ended") {
        out.write(
          `${s.ok === false ? "✗" : "✓"} ${s.name} (${seconds(stepMs(s, Date.now()))})${s.detail ? ` ${s.detail}` : ""}\n`,
        );
        announced.set(key, "ended");
      }
    });
  };
  const spin = tty ? setInterval(() => (frame++, draw()), 100) : undefined;
  try {
    for (;;) {
      const next = await client.poll<Operation>(path);
      if (next) {
        op = next;
        draw();
        plain();
      }
      if (op && op.status !== "running") return op;
      if (Date.now() > deadline) throw new Error(`operation ${id} still running after ${seconds(timeoutMs)}`);
      await new Promise((r) => setTimeout(r, pollMs));
    }
  } finally {
    if (spin) clearInterval(spin);
    draw();
  }
}
