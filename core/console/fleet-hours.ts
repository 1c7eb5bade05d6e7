/**
 * Fleet hours per day, running vs parked, from the operation records: a claw is running from the
 * end of a successful deploy or wake, parked from the end of a successful park, gone after a
 * destroy. Before its first recorded change in the window a claw is in the state its last earlier
 * record left it (or, with none at all, the power state the control plane last observed). The
 * cost saved is each parked hour at the claw's VM size's hourly price.
 */
import type { ClawRecord, OperationRecord } from "../state";
import type { PriceTable } from "./prices";

type Phase = "running" | "parked" | "absent";

const EFFECT: Record<string, Phase> = {
  deploy: "running",
  wake: "running",
  park: "parked",
  destroy: "absent",
};
/** The state a claw was in before an operation of this kind, when no earlier record says. */
const BEFORE_FIRST: Record<string, Phase> = {
  deploy: "absent",
  wake: "parked",
  park: "running",
  destroy: "running",
};
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface FleetHoursDay {
  day: string;
  runningHours: number;
  parkedHours: number;
  savedCost: number;
}

export interface FleetHours {
  days: FleetHoursDay[];
  totals: { runningHours: number; parkedHours: number; savedCost: number; runningCost: number };
  currency: string;
  /** VM sizes in the fleet without a price (their hours count, their cost does not). */
  unpricedSizes: string[];
}

function phaseOfPower(power: string | undefined): Phase {
  if (power === "running" || power === "starting") return "running";
  if (power === undefined || power === "absent" || power === "unknown") return "absent";
  return "parked";
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

/** Running and parked hours per UTC day over the last `days` days (today included, up to `now`). */
export function fleetHours(
  claws: ClawRecord[],
  operations: OperationRecord[],
  prices: PriceTable,
  opts: { days: number; now: Date },
): FleetHours {
  const end = opts.now.getTime();
  const firstDay =
    Date.UTC(opts.now.getUTCFullYear(), opts.now.getUTCMonth(), opts.now.getUTCDate()) -
    (opts.days - 1) * DAY;
  const days: FleetHoursDay[] = [];
  for (let i = 0; i < opts.days; i++) {
    days.push({
      day: new Date(firstDay + i * DAY).toISOString().slice(0, 10),
      runningHours: 0,
      parkedHours: 0,
      savedCost: 0,
    });
  }
  const events = new Map<string, { at: number; phase: Phase; kind: string }[]>();
  for (const op of operations) {
    const phase = EFFECT[op.kind];
    if (!phase || op.status !== "succeeded" || !op.endedAt) continue;
    const at = Date.parse(op.endedAt);
    if (!Number.isFinite(at) || at > end) continue;
    const list = events.get(op.claw) ?? [];
    list.push({ at, phase, kind: op.kind });
    events.set(op.claw, list);
  }
  const unpriced = new Set<string>();
  let runningCost = 0;
  const add = (from: number, to: number, phase: Phase, price: number) => {
    for (let t = Math.max(from, firstDay); t < to;) {
      const i = Math.floor((t - firstDay) / DAY);
      const dayEnd = firstDay + (i + 1) * DAY;
      const upto = Math.min(to, dayEnd);
      const hours = (upto - t) / HOUR;
      const d = days[i];
      if (phase === "running") {
        d.runningHours += hours;
        runningCost += hours * price;
      } else if (phase === "parked") {
        d.parkedHours += hours;
        d.savedCost += hours * price;
      }
      t = upto;
    }
  };
  for (const claw of claws) {
    const size = claw.spec.vmSize;
    const price = prices.perHour[size];
    if (price === undefined) unpriced.add(size);
    const list = (events.get(claw.name) ?? []).sort((a, b) => a.at - b.at);
    const before = list.filter((e) => e.at <= firstDay);
    const inside = list.filter((e) => e.at > firstDay);
    let phase: Phase =
      before.length > 0
        ? before[before.length - 1].phase
        : inside.length > 0
          ? BEFORE_FIRST[inside[0].kind]
          : phaseOfPower(claw.observed.powerState);
    let from = firstDay;
    for (const e of inside) {
      add(from, e.at, phase, price ?? 0);
      phase = e.phase;
      from = e.at;
    }
    add(from, end, phase, price ?? 0);
  }
  const totals = { runningHours: 0, parkedHours: 0, savedCost: 0, runningCost: round(runningCost) };
  for (const d of days) {
    d.runningHours = round(d.runningHours, 1);
    d.parkedHours = round(d.parkedHours, 1);
    d.savedCost = round(d.savedCost);
    totals.runningHours += d.runningHours;
    totals.parkedHours += d.parkedHours;
    totals.savedCost += d.savedCost;
  }
  totals.runningHours = round(totals.runningHours, 1);
  totals.parkedHours = round(totals.parkedHours, 1);
  totals.savedCost = round(totals.savedCost);
  return { days, totals, currency: prices.currency, unpricedSizes: [...unpriced].sort() };
}
