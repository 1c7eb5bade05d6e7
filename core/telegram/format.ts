/**
 * What the bot says about claws and operations (HTML parse mode; every value is escaped).
 * One line per claw or operation reads better on a phone than a table.
 */
import type { Schedule } from "../domain/schedule";
import type { OperationView } from "../commands";
import type { ClawRecord, OperationRecord } from "../state";
import { b, clip, code, esc, fitLines } from "./html";

const POWER_ICON: Record<string, string> = {
  running: "🟢",
  starting: "🟡",
  stopping: "🟡",
  deallocating: "🟡",
  deallocated: "⚪",
  stopped: "⚪",
  absent: "⚫",
};

const STATUS_ICON: Record<string, string> = {
  running: "⏳",
  succeeded: "✅",
  failed: "❌",
  compensated: "↩️",
};

export const powerIcon = (p: string | undefined) => POWER_ICON[p ?? ""] ?? "❔";
export const statusIcon = (s: string) => STATUS_ICON[s] ?? "•";

/** "3m ago", "5h ago", "2d ago". */
export function ago(iso: string | undefined, now: Date): string {
  if (!iso) return "never";
  const s = Math.max(0, Math.round((now.getTime() - Date.parse(iso)) / 1000));
  if (!Number.isFinite(s)) return "unknown";
  if (s < 90) return `${s}s ago`;
  if (s < 90 * 60) return `${Math.round(s / 60)}m ago`;
  if (s < 36 * 3600) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86400)}d ago`;
}

/** "2026-11-29 22:00 UTC" (operators read UTC; the schedule line gives the claw's own zone). */
export function utc(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

export function scheduleText(s: Schedule | undefined, fleetDefault?: Schedule): string {
  const own = s ?? fleetDefault;
  const suffix = s ? "" : " (fleet default)";
  if (!own) return "always on";
  if (own.mode === "always-on") return `always on${suffix}`;
  const days = own.days.length === 7 ? "daily" : own.days.join(",");
  return `wake ${own.wakeAt} park ${own.parkAt} ${own.timeZone} ${days}${suffix}`;
}

function verifyText(c: ClawRecord, now: Date): string {
  const v = c.observed.lastVerify;
  if (!v) return "not verified";
  return v.ok ? `verified ${ago(v.at, now)}` : `verify FAILED ${ago(v.at, now)}`;
}

export interface FleetView {
  claws: ClawRecord[];
  pins: Map<string, Date>;
  fleetDefault?: Schedule;
  now: Date;
}

/** /fleet: one line per claw, cut to fit one message. */
export function fleetText(v: FleetView): string {
  if (v.claws.length === 0) return "No claws yet. Create one with the HTTP API (POST /api/v1/claws).";
  const lines = v.claws.map((c) => {
    const parts = [
      esc(c.observed.powerState ?? "unknown"),
      esc(c.observed.imageVersion ?? c.spec.imageVersion),
      esc(verifyText(c, v.now)),
      esc(scheduleText(c.spec.schedule, v.fleetDefault)),
    ];
    const pin = v.pins.get(c.name);
    if (pin && pin > v.now) parts.push(esc(`pinned awake until ${utc(pin.toISOString())}`));
    if (c.runningOperationId) parts.push(`busy: ${code(c.runningOperationId)}`);
    return `${powerIcon(c.observed.powerState)} ${b(c.name)} ${parts.join(" · ")}`;
  });
  return fitLines([b(`Fleet: ${v.claws.length} claw${v.claws.length === 1 ? "" : "s"}`)], lines);
}

/** /claw NAME: the claw in detail. */
export function clawText(c: ClawRecord, extra: { pin?: Date; fleetDefault?: Schedule; now: Date }): string {
  const o = c.observed;
  const lines = [
    `${powerIcon(o.powerState)} ${b(c.name)} — ${esc(o.powerState ?? "unknown")}`,
    `image: ${code(o.imageVersion ?? "none")} (spec ${code(c.spec.imageVersion)})`,
    `region ${esc(c.spec.region)} · size ${esc(c.spec.vmSize)}`,
    `schedule: ${esc(scheduleText(c.spec.schedule, extra.fleetDefault))}`,
  ];
  if (extra.pin && extra.pin > extra.now)
    lines.push(esc(`pinned awake until ${utc(extra.pin.toISOString())}`));
  const v = o.lastVerify;
  if (v) {
    const failed = v.failed.length ? `; failed: ${clip(v.failed.join(", "), 300)}` : "";
    lines.push(
      esc(`last verify: ${v.ok ? "ok" : "FAILED"} ${ago(v.at, extra.now)} (${v.total} checks${failed})`),
    );
  } else lines.push("last verify: never");
  if (o.publicIp) lines.push(`address: ${code(o.publicIp)}`);
  lines.push(c.runningOperationId ? `busy with ${code(c.runningOperationId)}` : "idle");
  return lines.join("\n");
}

/** One line for an operation in /ops. */
export function operationLine(op: OperationView | OperationRecord, now: Date): string {
  const head = `${statusIcon(op.status)} ${esc(op.kind)} ${b(op.claw)} · ${esc(op.status)} · ${esc(ago(op.startedAt, now))}`;
  const live = "live" in op && op.live?.customStatus ? stepOf(op.live.customStatus) : undefined;
  const why = op.error
    ? ` · ${esc(clip(`${op.error.step ? `${op.error.step}: ` : ""}${op.error.message}`, 160))}`
    : "";
  return `${head}${live ? ` · ${esc(live)}` : ""}${why}\n    ${code(op.id)}`;
}

function stepOf(status: unknown): string | undefined {
  const step = (status as { step?: unknown })?.step;
  return typeof step === "string" ? `at ${clip(step, 40)}` : undefined;
}

/** /ops [NAME]. */
export function operationsText(ops: OperationView[], claw: string | undefined, now: Date): string {
  const title = b(claw ? `Operations of ${claw}` : "Recent operations");
  if (ops.length === 0) return `${title}\nnone`;
  return fitLines(
    [title],
    ops.map((op) => operationLine(op, now)),
  );
}
