/**
 * The fleet sagas' activities, built over their dependencies (tests pass their own). Each is safe
 * to run twice: commands are deduplicated by requestId, slots and deliveries are insert-once rows.
 */
import type { FleetNotification } from "../notify/port";
import type { FleetDeps } from "./deps";
import { detectDrift } from "./drift";
import { createRolloutForImage, registerBakedImage } from "./images";
import { finishRollout, planRolloutRun, recordRollout } from "./rollouts";
import { finishScheduleTick, planScheduleTick, recordScheduleSlot } from "./schedule-tick";
import { startClawCommand, type StartClawCommandInput } from "./start-command";

/** Only the command's own fields go to the command handler (its schema is strict). */
function commandOf(i: StartClawCommandInput): StartClawCommandInput {
  const base = { requestId: i.requestId, channel: i.channel, principal: i.principal, claw: i.claw };
  return i.kind === "upgrade"
    ? { ...base, kind: "upgrade", toVersion: i.toVersion }
    : { ...base, kind: i.kind };
}

export function createFleetActivities(deps: FleetDeps) {
  return {
    startClawCommand: (i: StartClawCommandInput) => startClawCommand(deps, commandOf(i)),
    planRolloutRun: (i: Parameters<typeof planRolloutRun>[1]) => planRolloutRun(deps, i),
    recordRollout: (i: Parameters<typeof recordRollout>[1]) => recordRollout(deps, i),
    finishRollout: (i: Parameters<typeof finishRollout>[1]) => finishRollout(deps, i),
    notifyFleet: async (e: FleetNotification) => {
      await deps.notify
        .notify(e)
        .catch((err: unknown) => deps.log("warn", `notification ${e.kind} failed: ${String(err)}`));
      return null;
    },
    planScheduleTick: (i: Parameters<typeof planScheduleTick>[1]) => planScheduleTick(deps, i),
    recordScheduleSlot: (i: Parameters<typeof recordScheduleSlot>[1]) => recordScheduleSlot(deps, i),
    finishScheduleTick: (i: Parameters<typeof finishScheduleTick>[1]) => finishScheduleTick(deps, i),
    registerBakedImage: (i: Parameters<typeof registerBakedImage>[1]) => registerBakedImage(deps, i),
    createRolloutForImage: (i: Parameters<typeof createRolloutForImage>[1]) => createRolloutForImage(deps, i),
    detectDrift: (i: Parameters<typeof detectDrift>[1]) => detectDrift(deps, i),
    /** A wake's awakeHours: the claw stays awake (the schedule tick skips it) until then. */
    pinAwake: async (i: { claw: string; hours: number; by: string }) => {
      const until = new Date(deps.now().getTime() + i.hours * 3_600_000);
      await deps.fleet.pin(i.claw, until, i.by);
      return { pinnedUntil: until.toISOString() };
    },
  };
}

export type FleetActivities = ReturnType<typeof createFleetActivities>;
