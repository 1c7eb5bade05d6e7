/**
 * The fleet rollout's bound model (bench/RESULTS.md, "Fleet rollout"): the batch policy run by an
 * engine with no overhead, each handoff upgrade waiting for its Azure steps in turn and drawing
 * write tokens from ARM's and Compute's subscription buckets. Pure functions of a policy, the
 * latency profile and (for the realised bound) the durations the emulator drew in a run.
 */
import { AZURE_DURATIONS_MS, type LatencyDraw } from "../../local/azure/arm/latency";
import { ARM_BUCKETS, COMPUTE_POLICIES, type BucketSpec } from "../../local/azure/arm/throttle";
import { seededRandom } from "../record";
import { tokenWindowBound } from "./token-window";

/** The rollout's batch policy and the profile's speed-up, as the benchmark runs them. */
export interface RolloutPolicy {
  canary: number;
  batchPercent: number;
  /** Upgrades at once inside a phase; undefined: the whole phase. */
  parallel?: number;
  soakMinutes: number;
  /** The latency profile is divided by this. */
  speed: number;
}

/**
 * What one handoff upgrade waits for, in order: its operation step and the latency kind behind it
 * (a kind listed twice is waited for twice). Work that overlaps a longer wait is left out, so the
 * sum stays a lower bound: the readiness Run Command (it ends once provisioning has) and the IP's
 * move (it runs beside the detach).
 */
export const UPGRADE_PATH: [step: string, kind: string][] = [
  ["snapshot-data-disk", "snapshot.create"],
  ["create-standby", "network.create"],
  ["create-standby", "vm.create"],
  ["await-standby", "guest.provision"],
  ["detach-disk", "vm.attachDetach"],
  ["attach-disk", "vm.attachDetach"],
  ["retire", "vm.delete"],
  ["retire", "network.delete"],
];

/**
 * Tokens one upgrade takes from each subscription bucket: writes 8 (snapshot, NIC, VM, readiness
 * Run Command, detach, attach, two NIC updates moving the IP), deletes 2, UpdateVM 3, PutVM,
 * DeleteVM and CreateUpdateDisks 1. Per-VM buckets (12, +4/min) never bind.
 */
export const UPGRADE_TOKENS: [BucketSpec, number][] = [
  [ARM_BUCKETS.writes, 8],
  [ARM_BUCKETS.deletes, 2],
  [COMPUTE_POLICIES.UpdateVM.subscription, 3],
  [COMPUTE_POLICIES.PutVM.subscription, 1],
  [COMPUTE_POLICIES.DeleteVM.subscription, 1],
  [COMPUTE_POLICIES.CreateUpdateDisks.subscription, 1],
];

/** A bucket of capacity C and refill r charged k tokens per upgrade, as C/k, r/k charged one. */
export const PER_UPGRADE_BUCKETS: BucketSpec[] = UPGRADE_TOKENS.map(([b, k]) => ({
  capacity: b.capacity / k,
  refillPerSecond: b.refillPerSecond / k,
}));

/** The profile's mean duration of one latency kind at this speed. */
export const meanMs = (kind: string, speed: number): number =>
  (AZURE_DURATIONS_MS[kind][0] + AZURE_DURATIONS_MS[kind][1]) / 2 / speed;

/** One upgrade's path at the profile's means. */
export const upgradeMeanMs = (speed: number): number =>
  UPGRADE_PATH.reduce((sum, [, kind]) => sum + meanMs(kind, speed), 0);

/** Phase sizes as planRollout cuts them: canary, then batches of ⌈rest × percent⌉. */
export function phaseSizes(n: number, policy: RolloutPolicy): number[] {
  const canary = Math.min(policy.canary, n);
  const rest = n - canary;
  const size = Math.max(1, Math.ceil((rest * policy.batchPercent) / 100));
  const sizes = canary ? [canary] : [];
  for (let left = rest; left > 0; left -= size) sizes.push(Math.min(size, left));
  return sizes;
}

const slotsOf = (n: number, policy: RolloutPolicy) => Math.min(policy.parallel ?? n, n);
const soaksMs = (phases: number, policy: RolloutPolicy) => (phases - 1) * policy.soakMinutes * 60_000;

/**
 * The mean-based bound: Σ phases (each through its window and the tokens, starting with full
 * buckets: optimistic, so still a lower bound) + soaks, and never less than the whole rollout's
 * token floor plus one upgrade.
 */
export function rolloutBound(sizes: number[], policy: RolloutPolicy) {
  const one = upgradeMeanMs(policy.speed);
  const soakMs = soaksMs(sizes.length, policy);
  const phasesMs = sizes.map((n) => tokenWindowBound(n, slotsOf(n, policy), one, PER_UPGRADE_BUCKETS));
  const chainMs = phasesMs.reduce((a, b) => a + b, 0) + soakMs;
  const total = sizes.reduce((a, b) => a + b, 0);
  const tokenFloorMs = tokenWindowBound(total, total, 0, PER_UPGRADE_BUCKETS) + one;
  return { boundMs: Math.max(chainMs, tokenFloorMs), phasesMs, soakMs, tokenFloorMs };
}

/** Whether an emulator subject (a resource id or name) belongs to the claw. */
function ownedBy(subject: string, claw: string): boolean {
  const name = subject.split("/").pop() ?? "";
  return name === claw || name.startsWith(`${claw}-`);
}

/**
 * This run's bound: the same policy with the durations the emulator drew for each claw instead of
 * the means. A phase cannot end before its slowest claw's Azure time (each kind's shortest draws,
 * as many as the path waits for), nor before the tokens let its upgrades start (longest first).
 */
export function realisedBound(phases: { claws: string[] }[], draws: LatencyDraw[], policy: RolloutPolicy) {
  const kinds = new Map<string, number>();
  for (const [, kind] of UPGRADE_PATH) kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  const missing: string[] = [];
  /** Each claw's drawn durations by latency kind. */
  const drawn = new Map<string, Map<string, number>>();
  const pathMs = (claw: string) => {
    const all = new Map<string, number[]>();
    for (const d of draws)
      if (kinds.has(d.kind) && d.subject && ownedBy(d.subject, claw))
        all.set(d.kind, [...(all.get(d.kind) ?? []), d.ms]);
    const used = new Map<string, number>();
    for (const [kind, n] of kinds) {
      const ms = (all.get(kind) ?? []).sort((a, b) => a - b).slice(0, n);
      if (ms.length < n) missing.push(claw);
      used.set(
        kind,
        ms.reduce((a, b) => a + b, 0),
      );
    }
    drawn.set(claw, used);
    return [...used.values()].reduce((a, b) => a + b, 0);
  };
  const phasesMs = phases.map((p) => {
    const durations = p.claws.map(pathMs).sort((a, b) => b - a);
    let i = 0;
    const n = durations.length;
    return tokenWindowBound(n, slotsOf(n, policy), () => durations[i++], PER_UPGRADE_BUCKETS);
  });
  const boundMs = phasesMs.reduce((a, b) => a + b, 0) + soaksMs(phases.length, policy);
  return { boundMs, phasesMs, missing, drawn };
}

/** Mean makespan with no engine overhead when every phase waits for its slowest claw (simulated). */
export function expectedWithStragglers(sizes: number[], policy: RolloutPolicy, samples = 2_000): number {
  const random = seededRandom(6);
  const draw = () =>
    UPGRADE_PATH.reduce((sum, [, kind]) => {
      const [lo, hi] = AZURE_DURATIONS_MS[kind];
      return sum + (lo + random() * (hi - lo)) / policy.speed;
    }, 0);
  let total = 0;
  for (let s = 0; s < samples; s++) {
    for (const n of sizes) {
      const slots = Array<number>(slotsOf(n, policy)).fill(0);
      for (let i = 0; i < n; i++) {
        slots.sort((a, b) => a - b);
        slots[0] += draw();
      }
      total += Math.max(...slots);
    }
  }
  return total / samples + soaksMs(sizes.length, policy);
}
