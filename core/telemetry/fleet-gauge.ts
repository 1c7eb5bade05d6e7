/**
 * Claws by power state, as an observable gauge (`openclawps.claws`, attribute `power_state`). The
 * exporter asks at each export (every minute on Azure); the Claws table is read at most once per
 * `minIntervalMs` (default 5 min, TELEMETRY_FLEET_GAUGE_MS) and only while an exporter is on, so a
 * fleet of 1,000 claws costs one table query per instance every few minutes. Between reads the
 * last counts are reported; a failed read reports nothing rather than stale numbers.
 */
import { metrics, type ObservableResult } from "@opentelemetry/api";
import { startTelemetry } from "./setup";

export interface FleetGaugeOptions {
  /** The claws' power states (one entry per claw; "absent" for a claw without a VM). */
  read(): Promise<(string | undefined)[]>;
  minIntervalMs?: number;
  now?: () => number;
}

let registered = false;

/** Counts per power state; a claw whose state was never observed counts as "unknown". */
export function countByPowerState(states: (string | undefined)[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const s of states) counts[s || "unknown"] = (counts[s || "unknown"] ?? 0) + 1;
  return counts;
}

/** Registers the gauge once per process (later calls, or any with telemetry off, do nothing). */
export function observeClawPowerStates(o: FleetGaugeOptions): void {
  if (registered || startTelemetry() === "none") return;
  registered = true;
  const every = o.minIntervalMs ?? 300_000;
  const now = o.now ?? Date.now;
  let last: { at: number; counts: Record<string, number> | undefined } | undefined;
  let reading: Promise<void> | undefined;
  const refresh = () =>
    (reading ??= o
      .read()
      .then(
        (states) => void (last = { at: now(), counts: countByPowerState(states) }),
        () => void (last = { at: now(), counts: undefined }),
      )
      .finally(() => (reading = undefined)));
  metrics
    .getMeter("openclawps")
    .createObservableGauge("openclawps.claws", { description: "Claws by power state" })
    .addCallback(async (result: ObservableResult) => {
      if (!last || now() - last.at >= every) await refresh();
      for (const [state, n] of Object.entries(last?.counts ?? {})) result.observe(n, { power_state: state });
    });
}
