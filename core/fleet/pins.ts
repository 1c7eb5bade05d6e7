/**
 * Pinning a claw awake ("keep alice awake for 3 h"): the schedule tick does not park it until the
 * pin runs out, and then hands it back to its schedule. A parked claw is woken through the command
 * handler (a wake saga) so the pin means what the operator expects.
 */
import { handleCommand, type CommandDeps, type SagaAccepted } from "../commands";
import type { Channel } from "../domain/commands";
import { parseOrThrow } from "../domain/validation";
import { ClawError, isClawError } from "../errors";
import type { FleetState } from "./fleet-state";
import { MAX_PIN_HOURS, pinRequestSchema } from "./pin-request";

export { MAX_PIN_HOURS, pinRequestSchema };

export interface PinResult {
  claw: string;
  pinnedUntil: string;
  /** The wake saga started because the claw was parked. */
  wake?: SagaAccepted;
}

/** Validates `hours`, records the pin (audited), wakes a parked claw. */
export async function pinClaw(
  deps: CommandDeps & { fleet: FleetState },
  claw: string,
  body: Record<string, unknown>,
  who: { channel: Channel; principal: string; requestId: string },
): Promise<PinResult> {
  const asked = body.hours;
  const extra = Object.keys(body).filter((k) => k !== "hours");
  const now = (deps.now ?? (() => new Date()))();
  const refuse = async (message: string) => {
    await deps.state.audit
      .record({
        ...who,
        kind: "pin",
        claw,
        command: { hours: typeof asked === "number" ? asked : undefined },
        accepted: false,
        reason: message,
      })
      .catch(() => undefined);
    return new ClawError("BAD_REQUEST", message);
  };
  if (extra.length) throw await refuse(`unknown field '${extra[0].slice(0, 40)}'; send {"hours": <number>}`);
  let hours: number;
  try {
    ({ hours } = parseOrThrow(pinRequestSchema, body, "pin"));
  } catch (e) {
    throw await refuse(isClawError(e) ? e.message : String(e));
  }
  const record = await deps.state.claws.require(claw);
  const until = new Date(now.getTime() + hours * 3_600_000);
  await deps.fleet.pin(claw, until, who.principal);
  await deps.state.audit.record({
    ...who,
    kind: "pin",
    claw,
    command: { hours },
    accepted: true,
    reason: `pinned awake until ${until.toISOString()}`,
  });
  const result: PinResult = { claw, pinnedUntil: until.toISOString() };
  const power = record.observed.powerState;
  if ((power === "deallocated" || power === "stopped") && !record.runningOperationId) {
    const res = await handleCommand(deps, { kind: "wake", claw, awakeHours: hours, ...who });
    if ("operationId" in res) result.wake = res;
  }
  return result;
}

/** Removes a pin (the schedule applies again from the next transition). */
export async function unpinClaw(
  deps: Pick<CommandDeps, "state"> & { fleet: FleetState },
  claw: string,
  who: { channel: Channel; principal: string },
): Promise<void> {
  await deps.state.claws.require(claw);
  await deps.fleet.unpin(claw);
  await deps.state.audit.record({ ...who, kind: "unpin", claw, command: {}, accepted: true });
}
