/**
 * The schedule tick's activities: decide (planTick over the Claws table, pins and handled slots),
 * record what is skipped and why, warn before parking, and end with a digest. The scheduleTick
 * saga runs the park/wake sagas in between.
 */
import type { FleetDigest } from "../notify/port";
import type { TickRequest } from "../sagas/fleet";
import type { FleetDeps } from "./deps";
import type { StartClawCommandInput } from "./start-command";
import { planTick, slotKey, type PlannedAction } from "./tick-plan";

const TIMER_PRINCIPAL = "timer:schedule";
const MAX_CATCH_UP_MS = 24 * 3_600_000;

export type TickItem = StartClawCommandInput & { slot: string; key: string };

export interface TickDecision {
  operationId?: string;
  items: TickItem[];
  digest: FleetDigest;
}

/** A requestId that is the same for every tick acting on this transition: no double park. */
export function scheduleRequestId(a: PlannedAction): string {
  return `sched-${a.claw}-${a.action}-${Math.floor(Date.parse(a.slot) / 1000)}`;
}

/** Activity: what this tick does; skips are audited (final ones recorded as handled). */
export async function planScheduleTick(deps: FleetDeps, req: TickRequest): Promise<TickDecision> {
  const now = new Date(req.tickAt);
  const normal = deps.settings.tickLookbackMinutes * 60_000;
  const last = await deps.fleet.lastTick();
  // After downtime, look back to the last tick that ran; only the newest transition per claw counts.
  const lookbackMs =
    req.isPastDue && last
      ? Math.min(MAX_CATCH_UP_MS, Math.max(normal, now.getTime() - last.getTime() + normal))
      : normal;
  const [claws, pins, done] = await Promise.all([
    deps.state.claws.list(),
    deps.fleet.pins(),
    deps.fleet.doneSlots(new Date(now.getTime() - lookbackMs - 86_400_000)),
  ]);
  const plan = planTick({
    claws: claws.map((c) => ({
      name: c.name,
      schedule: c.spec.schedule,
      powerState: c.observed.powerState,
      runningOperationId: c.runningOperationId,
    })),
    now,
    lookbackMs,
    fleetDefault: deps.settings.fleetDefault,
    pins,
    done,
    warnMs: deps.settings.parkWarningMinutes * 60_000,
  });

  const digest: FleetDigest = { done: [], skipped: [], failed: [] };
  for (const s of plan.skips) {
    digest.skipped.push({ claw: s.claw, reason: `${s.action}: ${s.reason}` });
    await deps.state.audit
      .record({
        channel: "timer",
        principal: TIMER_PRINCIPAL,
        kind: s.action,
        claw: s.claw,
        requestId: scheduleRequestId(s),
        command: { kind: s.action, claw: s.claw, slot: s.slot, cause: s.cause },
        accepted: false,
        reason: `skipped: ${s.reason}${s.final ? "" : " (tried again next tick)"}`,
      })
      .catch((e: unknown) =>
        deps.log("warn", `auditing a skipped ${s.action} of ${s.claw} failed: ${String(e)}`),
      );
    if (s.final)
      await deps.fleet.claimSlot(slotKey(s.claw, s.action, s.slot), new Date(s.slot), `skipped: ${s.reason}`);
  }
  for (const w of plan.warnings) {
    if (await deps.fleet.claimSlot(slotKey(w.claw, "warn", w.parkAt), new Date(w.parkAt), "warned")) {
      await deps.notify
        .notify({ kind: "park-soon", claw: w.claw, parkAt: w.parkAt })
        .catch((e: unknown) => deps.log("warn", `park warning for ${w.claw} failed: ${String(e)}`));
    }
  }
  await deps.fleet.setLastTick(now);

  const items: TickItem[] = plan.actions.map((a) => ({
    kind: a.action,
    claw: a.claw,
    requestId: scheduleRequestId(a),
    channel: "timer",
    principal: TIMER_PRINCIPAL,
    slot: a.slot,
    key: slotKey(a.claw, a.action, a.slot),
  }));
  if (items.length === 0 && plan.skips.length === 0) return { items, digest };
  const op = await deps.state.operations.start({
    kind: "schedule-tick",
    claw: "fleet",
    channel: "timer",
    principal: TIMER_PRINCIPAL,
    details: {
      tickAt: req.tickAt,
      isPastDue: req.isPastDue,
      lookbackMinutes: Math.round(lookbackMs / 60_000),
      actions: items.length,
    },
  });
  return { operationId: op.id, items, digest };
}

/** Activity: a transition acted on (or found already handled) is never acted on again. */
export async function recordScheduleSlot(
  deps: FleetDeps,
  input: { key: string; slot: string; outcome: string; operationId?: string },
): Promise<boolean> {
  return deps.fleet.claimSlot(input.key, new Date(input.slot), input.outcome, input.operationId);
}

/** Activity: the tick's digest, on its operation row and to the operators. */
export async function finishScheduleTick(
  deps: FleetDeps,
  input: { operationId?: string; tickAt: string; digest: FleetDigest },
): Promise<null> {
  if (input.operationId) {
    const failed = input.digest.failed.length > 0;
    await deps.state.operations.finish(input.operationId, {
      status: failed ? "failed" : "succeeded",
      ...(failed
        ? { error: { code: "CLAWS_FAILED", message: `${input.digest.failed.length} claws failed` } }
        : {}),
      details: { digest: input.digest },
    });
  }
  if (input.digest.done.length + input.digest.failed.length > 0) {
    await deps.notify
      .notify({ kind: "schedule-digest", tickAt: input.tickAt, digest: input.digest })
      .catch((e: unknown) => deps.log("warn", `schedule digest notification failed: ${String(e)}`));
  }
  return null;
}
