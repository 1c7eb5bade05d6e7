/**
 * What pressing a button does. Confirm runs the recorded command through the same handlers as
 * everything else (request id tied to the confirmation, so two taps never start two sagas);
 * Approve / Reject raise the rollout's control event through core/fleet's controlRollout, the very
 * function the HTTP API calls; Delay / Skip on a park warning pin the claw awake.
 */
import { handleCommand, type SagaAccepted } from "../commands";
import { ClawError, isClawError } from "../errors";
import { controlRollout, startRollout } from "../fleet/rollout-control";
import { pinClaw } from "../fleet/pins";
import { effectiveSchedule, scheduleEvents } from "../fleet/schedule";
import type { ButtonAction } from "./callbacks";
import { acceptedText } from "./commands";
import type { BotDeps } from "./deps";
import { errorText } from "./errors";
import { utc } from "./format";
import { b, code, esc } from "./html";
import type { Confirmation } from "./store";

export interface Presser {
  userId: string;
  principal: string;
  /** How the message shows who pressed ("@alice" or a first name). */
  display: string;
}

/**
 * The outcome of a press: `toast` is the short popup (answerCallbackQuery); `edit`, when set,
 * replaces the message the button was on (and removes its buttons).
 */
export interface PressResult {
  toast: string;
  edit?: string;
}

const HOUR = 3_600_000;

export async function pressButton(deps: BotDeps, who: Presser, action: ButtonAction): Promise<PressResult> {
  const now = (deps.now ?? (() => new Date()))();
  try {
    switch (action.kind) {
      case "confirm":
      case "cancel":
        return await confirmOrCancel(deps, who, action.kind, action.id);
      case "approve":
      case "reject": {
        const fleet = await deps.fleet();
        const r = await controlRollout(fleet, deps.rollouts, action.rolloutId, action.kind, {
          channel: "telegram",
          principal: who.principal,
        });
        const verb = action.kind === "approve" ? "✅ Approved" : "🛑 Rejected";
        return {
          toast: action.kind === "approve" ? "Approved" : "Rejected",
          edit: `${verb} by ${esc(who.display)}: rollout ${code(r.id)} to ${code(r.version)}.`,
        };
      }
      case "delay":
      case "skip":
        return await pinFromWarning(deps, who, action, now);
    }
  } catch (e) {
    const text = errorText(e, deps.commands.log, `a ${action.kind} button`);
    // A definite refusal replaces the buttons (pressing again cannot help); after a passing
    // failure the buttons stay, so the operator can press again.
    const definite = isClawError(e) && e.code !== "INTERNAL" && !e.retryable;
    return definite ? { toast: "Not done", edit: text } : { toast: "Not done: try again in a moment." };
  }
}

async function confirmOrCancel(
  deps: BotDeps,
  who: Presser,
  kind: "confirm" | "cancel",
  id: string,
): Promise<PressResult> {
  const taken = await deps.store.takeConfirmation(id, who.userId, kind);
  if (taken.state === "gone") return { toast: "Already handled." };
  if (taken.state === "not-yours") return { toast: "Only the operator who asked can answer this." };
  if (kind === "cancel") return { toast: "Cancelled", edit: `Cancelled by ${esc(who.display)}.` };
  if (taken.state === "expired") {
    return { toast: "Expired", edit: "This confirmation expired; send the command again." };
  }
  if (taken.state === "retaken") {
    // Pressed before: the command runs again under the same requestId, which starts nothing
    // twice; it only does something when the first press died half-way (the control plane
    // stopped while handling it and Telegram delivered the press again).
    if (taken.confirmation.command.name === "rollout") return { toast: "Already handled." };
    try {
      const r = await runConfirmed(deps, who, taken.confirmation);
      return r.duplicate ? { toast: "Already handled." } : { toast: "Confirmed", edit: r.text };
    } catch (e) {
      return {
        toast: "Not done",
        edit: errorText(e, deps.commands.log, `/${taken.confirmation.command.name}`),
      };
    }
  }
  // The confirmation is used up now, so whatever happens is written where the buttons were.
  try {
    return { toast: "Confirmed", edit: (await runConfirmed(deps, who, taken.confirmation)).text };
  } catch (e) {
    return {
      toast: "Not done",
      edit: errorText(e, deps.commands.log, `/${taken.confirmation.command.name}`),
    };
  }
}

async function runConfirmed(
  deps: BotDeps,
  who: Presser,
  c: Confirmation,
): Promise<{ text: string; duplicate: boolean }> {
  const cmd = c.command;
  const envelope = { requestId: `tg-c${c.id}`, channel: "telegram" as const, principal: who.principal };
  switch (cmd.name) {
    case "rollout": {
      const fleet = await deps.fleet();
      const r = await startRollout(fleet, deps.rollouts, { version: cmd.version, approval: true }, envelope);
      return {
        duplicate: false,
        text: `🚀 Rollout ${code(r.id)} to ${code(r.version)} started by ${esc(who.display)}. One canary first; I will ask before the rest.`,
      };
    }
    case "deploy":
    case "upgrade":
    case "refresh":
    case "park":
    case "destroy": {
      const res = (await handleCommand(deps.commands, {
        kind: cmd.name,
        claw: cmd.claw,
        ...(cmd.name === "upgrade" ? { toVersion: cmd.version } : {}),
        ...(cmd.name === "park" && cmd.force ? { force: true } : {}),
        ...envelope,
      })) as SagaAccepted;
      return { text: acceptedText(res), duplicate: res.duplicate };
    }
    default:
      throw new ClawError("BAD_REQUEST", `/${cmd.name} is not confirmed with a button`);
  }
}

/** Delay 1 h: awake until parkAt + 1 h. Skip: awake until the schedule's next wake after parkAt. */
async function pinFromWarning(
  deps: BotDeps,
  who: Presser,
  action: Extract<ButtonAction, { kind: "delay" | "skip" }>,
  now: Date,
): Promise<PressResult> {
  const fleet = await deps.fleet();
  let until: Date;
  if (action.kind === "delay") {
    until = new Date(Math.max(action.parkAt.getTime(), now.getTime()) + HOUR);
  } else {
    const claw = await deps.commands.state.claws.require(action.claw);
    const schedule = effectiveSchedule(claw.spec.schedule, fleet.settings.fleetDefault);
    const from = new Date(Math.max(action.parkAt.getTime(), now.getTime()));
    const wake = scheduleEvents(schedule, from, new Date(from.getTime() + 7 * 24 * HOUR)).find(
      (e) => e.action === "wake",
    );
    until = wake?.at ?? new Date(from.getTime() + 12 * HOUR);
  }
  const hours = Math.min(168, Math.max(1 / 60, (until.getTime() - now.getTime()) / HOUR));
  const r = await pinClaw(
    { ...deps.commands, fleet: fleet.fleet },
    action.claw,
    { hours },
    { channel: "telegram", principal: who.principal, requestId: `tg-pin-${action.claw}-${now.getTime()}` },
  );
  const what = action.kind === "delay" ? "Parking delayed" : "Tonight's parking skipped";
  return {
    toast: what,
    edit: `${esc(what)} by ${esc(who.display)}: ${b(action.claw)} stays awake until ${esc(utc(r.pinnedUntil))}.`,
  };
}
