/**
 * Notification texts for the operators' chat: concise, with the ids an operator needs to follow up,
 * and buttons where the operator is expected to decide (rollout approval, a park about to happen).
 */
import { reportedInFleetDigest, type FleetDigest, type FleetNotification } from "../notify/port";
import type { OperationRecord } from "../state";
import type { ButtonAction } from "./callbacks";
import { ago, statusIcon, utc } from "./format";
import { b, clip, code, esc, fitLines } from "./html";

export interface OutgoingMessage {
  text: string;
  /** Rows of buttons. */
  buttons?: { text: string; action: ButtonAction }[][];
}

function digestLines(d: FleetDigest): string[] {
  return [
    ...d.failed.map((f) => `❌ ${b(f.claw)}: ${esc(clip(f.reason, 200))}`),
    ...d.done.map((x) => `✅ ${b(x.claw)}${x.detail ? `: ${esc(clip(x.detail, 120))}` : ""}`),
    ...d.skipped.map((s) => `⏭ ${b(s.claw)}: ${esc(clip(s.reason, 160))}`),
  ];
}

const counts = (d: FleetDigest) =>
  `${d.done.length} done, ${d.skipped.length} skipped, ${d.failed.length} failed`;

/** The message for a fleet notification. `now` only phrases "in 30m". */
export function fleetMessage(e: FleetNotification, now: Date): OutgoingMessage {
  switch (e.kind) {
    case "park-soon": {
      const mins = Math.max(0, Math.round((Date.parse(e.parkAt) - now.getTime()) / 60_000));
      const parkAt = new Date(e.parkAt);
      return {
        text: `⏰ ${b(e.claw)} will be parked at ${esc(utc(e.parkAt))} (in ${mins} min).`,
        buttons: [
          [
            { text: "Delay 1 h", action: { kind: "delay", claw: e.claw, parkAt } },
            { text: "Skip tonight", action: { kind: "skip", claw: e.claw, parkAt } },
          ],
        ],
      };
    }
    case "schedule-digest":
      return {
        text: fitLines(
          [`🌙 ${b("Schedule")} ${esc(utc(e.tickAt))}: ${esc(counts(e.digest))}`],
          digestLines(e.digest),
        ),
      };
    case "drift":
      return {
        text: fitLines(
          [
            `🧭 ${b("Drift")} on ${e.drifts.length} claw${e.drifts.length === 1 ? "" : "s"} (checked ${esc(utc(e.checkedAt))})`,
          ],
          e.drifts.map(
            (d) => `• ${b(d.claw)} ${esc(d.kind)}: expected ${code(d.expected)}, found ${code(d.actual)}`,
          ),
        ),
      };
    case "rollout-approval":
      return {
        text: [
          `🚦 Rollout ${code(e.rolloutId)} to ${code(e.version)}: the canary ${e.canary.map((c) => b(c)).join(", ") || "(none)"} upgraded and healthy.`,
          `Upgrade the rest? Without an answer it is cancelled at ${esc(utc(e.timeoutAt))}.`,
        ].join("\n"),
        buttons: [
          [
            { text: "Approve", action: { kind: "approve", rolloutId: e.rolloutId } },
            { text: "Reject", action: { kind: "reject", rolloutId: e.rolloutId } },
          ],
        ],
      };
    case "rollout-ended": {
      const icon = e.status === "completed" && e.digest.failed.length === 0 ? "🏁" : "⚠️";
      return {
        text: fitLines(
          [
            `${icon} Rollout ${code(e.rolloutId)} to ${code(e.version)} ${esc(e.status)}: ${esc(counts(e.digest))}`,
          ],
          digestLines(e.digest),
        ),
      };
    }
    case "health":
      return {
        text: fitLines(
          [`🩺 ${b("Health")} ${esc(utc(e.sweptAt))}: operation ${code(e.operationId)}`],
          [
            ...e.failing.map(
              (f) => `❌ ${b(f.claw)} is failing: ${esc(clip(f.failed.join(", ") || "not ok", 200))}`,
            ),
            ...e.recovered.map((c) => `✅ ${b(c)} is healthy again`),
          ],
        ),
      };
    case "agent-busy":
      return {
        text: `⏳ ${b(e.claw)} is mid-task (${esc(clip(e.detail, 120))}): the ${esc(e.action)} waits until it is idle, at most ${e.maxMinutes} min (operation ${code(e.operationId)}).`,
      };
    case "image-registered":
      return {
        text: `🖼 Image ${code(e.version)} registered (policy ${esc(e.policy)})${
          e.rolloutId ? `; rollout ${code(e.rolloutId)} started` : ""
        }.`,
      };
  }
}

/** Operations worth a message of their own; fleet runs report successes in their digest instead. */
export function worthTelling(op: OperationRecord): boolean {
  if (op.status === "running") return false;
  if (op.status !== "succeeded") return true;
  return !reportedInFleetDigest(op);
}

/** The message when a saga ends. */
export function operationMessage(op: OperationRecord, now: Date): OutgoingMessage {
  const d = op.details ?? {};
  const took = op.endedAt ? ` in ${esc(ago(op.startedAt, new Date(op.endedAt)).replace(" ago", ""))}` : "";
  const versions =
    typeof d.fromVersion === "string" && typeof d.toVersion === "string"
      ? ` ${code(d.fromVersion)} → ${code(d.toVersion)}`
      : "";
  const head = `${statusIcon(op.status)} ${esc(op.kind)} of ${b(op.claw)}`;
  const lines: string[] = [];
  if (op.status === "succeeded") lines.push(`${head} succeeded${versions}${took}.`);
  else if (op.status === "compensated") {
    lines.push(
      `${head} failed${op.error?.step ? ` at ${esc(op.error.step)}` : ""} and was rolled back${versions}.`,
    );
  } else
    lines.push(`${head} ${esc(op.status)}${op.error?.step ? ` at ${esc(op.error.step)}` : ""}${versions}.`);
  if (op.error) lines.push(`${esc(op.error.code)}: ${esc(clip(op.error.message, 300))}`);
  if (typeof d.deferredBySeconds === "number" && d.deferredBySeconds > 0) {
    const mins = Math.round(d.deferredBySeconds / 6) / 10;
    lines.push(
      d.deferBoundReached === true
        ? `⏳ Deferred ${mins} min for the agent's task, then stopped it mid-task (the wait's bound).`
        : `⏳ Deferred ${mins} min until the agent finished its task.`,
    );
  }
  if (op.compensation) {
    const restored = Object.entries(op.compensation.restored ?? {})
      .map(([k, v]) => `${k} ${v}`)
      .join(", ");
    lines.push(esc(clip(`${op.compensation.summary}${restored ? ` (restored ${restored})` : ""}`, 400)));
  }
  lines.push(`Operation ${code(op.id)} · asked by ${esc(op.principal)} ${esc(ago(op.startedAt, now))}`);
  return { text: lines.join("\n") };
}
