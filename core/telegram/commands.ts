/**
 * Running a chat command. Reads go to core/commands' read side and the tables; every claw command
 * goes through handleCommand (validation, dedupe, slot, operation row, saga start, audit) exactly as
 * the HTTP API's do; rollouts go through core/fleet's startRollout. Destructive and fleet-wide
 * commands only record a confirmation here; confirm.ts runs them when the button is pressed.
 */
import { echo } from "../domain/ids";
import { claimMayBeStale, handleCommand, listOperations, type SagaAccepted } from "../commands";
import { ClawError } from "../errors";
import type { BotDeps } from "./deps";
import { errorText, refusalReason } from "./errors";
import { clawText, fleetText, operationsText } from "./format";
import { b, code, esc } from "./html";
import { helpText, type ChatCommand } from "./parse";
import { readsFor } from "./shared-reads";

/** Who is asking and where the answer goes. */
export interface Asker {
  userId: string;
  principal: string;
  chatId: number;
  /** Telegram's update id: the request id of a command run at once, so a redelivery is no repeat. */
  updateId: number;
}

/** What to say back: HTML text, optionally with Confirm / Cancel buttons for a confirmation id. */
export interface Answer {
  text: string;
  confirmId?: string;
  /** The command started (or had already started) an operation: the answer carries its id. */
  started?: boolean;
}

/** Commands that ask first: they replace a VM, stop an agent or touch the whole fleet. */
export const CONFIRMED = new Set<ChatCommand["name"]>([
  "deploy",
  "upgrade",
  "refresh",
  "park",
  "destroy",
  "rollout",
]);

export async function runCommand(deps: BotDeps, who: Asker, cmd: ChatCommand): Promise<Answer> {
  const now = (deps.now ?? (() => new Date()))();
  const log = deps.commands.log;
  try {
    switch (cmd.name) {
      case "help":
        return { text: esc(helpText()) };
      case "fleet":
        return { text: await fleetAnswer(deps, now) };
      case "claw": {
        const { state } = deps.commands;
        const reads = readsFor(state);
        const fleet = await deps.fleet();
        const [claw, pins] = await Promise.all([
          reads.get(`claw:${cmd.claw}`, () => state.claws.require(cmd.claw)),
          reads.get("pins", () => fleet.fleet.pins()),
        ]);
        return {
          text: clawText(claw, { pin: pins.get(cmd.claw), fleetDefault: fleet.settings.fleetDefault, now }),
        };
      }
      case "ops": {
        const ops = await listOperations(deps.commands, { claw: cmd.claw, limit: 10 });
        return { text: operationsText(ops, cmd.claw, now) };
      }
      case "verify":
      case "wake": {
        const res = (await handleCommand(deps.commands, {
          kind: cmd.name,
          claw: cmd.claw,
          ...(cmd.name === "wake" && cmd.hours !== undefined ? { awakeHours: cmd.hours } : {}),
          requestId: `tg-u${who.updateId}`,
          channel: "telegram",
          principal: who.principal,
        })) as SagaAccepted;
        return { text: acceptedText(res), started: true };
      }
      default:
        return await askToConfirm(deps, who, cmd);
    }
  } catch (e) {
    return { text: errorText(e, log, `/${cmd.name}`) };
  }
}

async function fleetAnswer(deps: BotDeps, now: Date): Promise<string> {
  const { state } = deps.commands;
  const reads = readsFor(state);
  // Pins and the fleet default only add detail: the claws are shown even when they cannot be read.
  const extra = (async () => {
    const fleet = await deps.fleet();
    return {
      fleetDefault: fleet.settings.fleetDefault,
      pins: await reads.get("pins", () => fleet.fleet.pins()),
    };
  })().catch((e: unknown) => {
    deps.commands.log?.("warn", "reading pins for /fleet failed", e);
    return { fleetDefault: undefined, pins: new Map<string, Date>() };
  });
  const [claws, { pins, fleetDefault }] = await Promise.all([
    reads.get("claws", () => state.claws.list()),
    extra,
  ]);
  return fleetText({ claws, pins, fleetDefault, now });
}

/** The answer to an accepted saga command. */
export function acceptedText(res: SagaAccepted): string {
  const again = res.duplicate ? " (already asked: same operation)" : "";
  return `⏳ ${esc(res.kind)} of ${b(res.claw)} started${esc(again)}.\nOperation ${code(res.operationId)} — /ops ${esc(res.claw)} follows it.`;
}

/** Checks what can be checked now, then records the command and asks for the button. */
async function askToConfirm(deps: BotDeps, who: Asker, cmd: ChatCommand): Promise<Answer> {
  let question: string;
  try {
    question = await prepare(deps, cmd);
  } catch (e) {
    if (e instanceof ClawError && e.code !== "INTERNAL") {
      await deps.commands.state.audit
        .record({
          channel: "telegram",
          principal: who.principal,
          kind: cmd.name,
          claw: "claw" in cmd ? cmd.claw : undefined,
          command: cmd,
          accepted: false,
          reason: refusalReason(e),
        })
        .catch((err: unknown) => deps.commands.log?.("error", "auditing a refused chat command failed", err));
    }
    throw e;
  }
  const c = await deps.store.saveConfirmation({ command: cmd, userId: who.userId, chatId: who.chatId });
  return { text: `${question}\n<i>Confirm within 10 minutes.</i>`, confirmId: c.id };
}

/** The confirmation question; a ClawError when the command cannot succeed as asked. */
async function prepare(deps: BotDeps, cmd: ChatCommand): Promise<string> {
  const { state } = deps.commands;
  if (cmd.name === "rollout") {
    const image = await state.images.get(cmd.version);
    if (!image)
      throw new ClawError("IMAGE_NOT_FOUND", `image version ${echo(cmd.version)} is not registered`);
    if (image.state !== "Succeeded") {
      throw new ClawError("IMAGE_NOT_READY", `image version ${cmd.version} is ${image.state}, not Succeeded`);
    }
    const n = (await state.claws.list()).length;
    return `Roll out image ${code(cmd.version)} to the fleet (${n} claw${n === 1 ? "" : "s"})? One canary is upgraded first; the rest waits for your approval.`;
  }
  if (!("claw" in cmd) || cmd.claw === undefined) throw new ClawError("BAD_REQUEST", "no claw named");
  const claw = await state.claws.require(cmd.claw);
  // A claim past its lease may be abandoned: the confirmed command's handler decides then.
  if (claw.runningOperationId && !claimMayBeStale(claw, Date.now())) {
    throw new ClawError("CLAW_BUSY", `claw '${claw.name}' is busy with another operation`, {
      details: { operationId: claw.runningOperationId },
    });
  }
  const name = b(claw.name);
  const current = claw.observed.imageVersion ?? claw.spec.imageVersion;
  switch (cmd.name) {
    case "deploy":
      if (cmd.version && cmd.version !== claw.spec.imageVersion) {
        throw new ClawError(
          "BAD_REQUEST",
          `'${claw.name}' is specified with image ${claw.spec.imageVersion}; deploy uses the spec's version. Deploy it, then /upgrade ${claw.name} ${cmd.version}`,
        );
      }
      return `Deploy ${name} with image ${code(claw.spec.imageVersion)} (${esc(claw.spec.vmSize)}, ${esc(claw.spec.region)})? Its VM is created; an existing data disk is reused.`;
    case "upgrade":
      return `Upgrade ${name} from ${code(current)} to ${code(cmd.version)}? The VM is replaced; the data disk is snapshotted and kept.`;
    case "refresh":
      return `Refresh ${name} on ${code(current)}? A new VM of the same image gets the current app layer; the data disk is snapshotted and handed over.`;
    case "park":
      return cmd.force
        ? `Park ${name} now, even if the agent is mid-task? Its VM is deallocated and the agent stops until it is woken.`
        : `Park ${name}? Its VM is deallocated and the agent stops until it is woken (a mid-task agent is waited for).`;
    case "destroy":
      return `Destroy ${name}'s VM, NIC and IP? The data disk is kept.`;
    default:
      throw new ClawError("BAD_REQUEST", "this command needs no confirmation");
  }
}
