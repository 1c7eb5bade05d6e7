/**
 * Benchmark: a fleet rollout on the emulator with ARM throttling on and the azure latency profile
 * scaled down (issue 6). N claws are deployed on image 1.0.0 through the HTTP API and the deployClaw
 * saga (booted guests running the real runtime/ scripts, the control plane's SSH key, host keys
 * pinned, secrets delivered, verified; throttling suspended while seeding, so the rollout starts
 * with full buckets as on a fleet made long before). Then 1.1.0 is registered in Images (what the
 * bake webhook does) and the real path runs: POST /api/v1/rollouts → rolloutFleet on the dev host →
 * canary, then batches, each claw an upgradeClaw saga (handoff to a standby VM) verified over SSH.
 *
 * The aim (makespan ≤ 1.25 × bound) is judged against this run's bound (realisedBound): the batch
 * policy with the durations the emulator drew for each claw in this run — a phase cannot end before
 * its slowest claw's Azure time. The mean-based bound below is printed beside it; under a policy
 * that waits for each batch's slowest claw it is not a lower bound (see expectedWithStragglers).
 *
 * Mean-based bound: the batch policy run by an engine with no overhead. Canary, then each batch in
 * turn, a soak before every batch that follows upgraded claws; inside a phase at most maxParallel
 * upgrades at once. One handoff upgrade waits, in order, for: the data-disk snapshot, the standby's
 * NIC, its VM create, its first-boot provisioning (the Run Command that waits for it ends no
 * sooner), the detach from the old VM (the public IP moves at the same time), the attach to the
 * standby, and the old VM's and NIC's deletes — the profile's mean durations of each, the shortest
 * draws where a kind recurs. Every upgrade also needs write tokens: ARM's subscription writes
 * (200, +10/s; 8 each: snapshot, NIC, VM, the readiness Run Command, detach, attach, two NIC
 * updates moving the IP) and deletes (200, +10/s; 2), Compute's UpdateVM (1500, +500/min; 3),
 * PutVM and DeleteVM (1500, +500/min; 1 each) and CreateUpdateDisks (1500, +500/min; 1) per
 * subscription; a bucket of capacity C and refill r charged k tokens per upgrade is modelled as C/k,
 * r/k charged one token at the upgrade's start (tokenWindowBound from fleet-park.ts, each phase
 * starting with full buckets: optimistic, so still a lower bound). Per-VM buckets (12, +4/min)
 * never bind: the standby takes 2 UpdateVM tokens, the old VM 1. Bound = Σ phases + soaks, and
 * never less than the whole rollout's token floor plus one upgrade. Not in the bound (not modelled
 * by the profile): real time on the guests (release.sh, boot.sh, secrets and verify.sh over SSH),
 * LRO polling slack, the durable engine.
 *
 * Also printed: the makespan an engine with no overhead could expect when each phase waits for its
 * slowest claw (durations drawn from the same ranges), per-phase and per-step timings, reads per
 * upgrade by ARM operation, 429s by method and code, the slowest claw of each phase step by step
 * beside its draws, and upgrade operations that failed (from throttling: AZURE_THROTTLED). Appends
 * to bench/results/fleet-rollout.json.
 *
 * Run: npm run build && node dist/bench/fleet-rollout.js  (FLEET_ROLLOUT_CLAWS, _CANARY,
 * _BATCH_PERCENT, _PARALLEL, _SOAK_MINUTES, _MAX_UNHEALTHY, _SPEED override 100, 1, 20, the whole
 * batch, 0.05, 5, 20; FLEET_ROLLOUT_THROTTLING=off runs the rollout without ARM throttling.)
 */
import os from "node:os";
import { createStateStore } from "../core/state";
import type { OperationRecord } from "../core/state";
import { AZURE_DURATIONS_MS, type LatencyDraw } from "../local/azure/arm/latency";
import { ARM_BUCKETS, COMPUTE_POLICIES, type BucketSpec } from "../local/azure/arm/throttle";
import { startTwinHarness, type TwinHarness } from "../local/twin-harness";
import { tokenWindowBound } from "./models/token-window";
import { seedClaws } from "./fleet-seed";
import { percentile, recordResult, seededRandom } from "./record";

const env = (k: string, d: number) => Number(process.env[`FLEET_ROLLOUT_${k}`] ?? d);
const N = env("CLAWS", 100);
const CANARY = env("CANARY", 1);
const BATCH_PERCENT = env("BATCH_PERCENT", 20);
const PARALLEL = process.env.FLEET_ROLLOUT_PARALLEL ? env("PARALLEL", 0) : undefined;
const SOAK_MINUTES = env("SOAK_MINUTES", 0.05);
const MAX_UNHEALTHY = env("MAX_UNHEALTHY", 5);
const SPEED = env("SPEED", 20);
const FROM = "1.0.0";
const TO = "1.1.0";

/**
 * What one handoff upgrade waits for, in order: its operation step and the latency kind behind it
 * (a kind listed twice is waited for twice). Work that overlaps a longer wait is left out, so the
 * sum stays a lower bound: the readiness Run Command (it ends once provisioning has) and the IP's
 * move (it runs beside the detach).
 */
const UPGRADE_PATH: [step: string, kind: string][] = [
  ["snapshot-data-disk", "snapshot.create"],
  ["create-standby", "network.create"],
  ["create-standby", "vm.create"],
  ["await-standby", "guest.provision"],
  ["detach-disk", "vm.attachDetach"],
  ["attach-disk", "vm.attachDetach"],
  ["retire", "vm.delete"],
  ["retire", "network.delete"],
];

/** Tokens one upgrade takes from each subscription bucket it draws on. */
const UPGRADE_TOKENS: [BucketSpec, number][] = [
  [ARM_BUCKETS.writes, 8],
  [ARM_BUCKETS.deletes, 2],
  [COMPUTE_POLICIES.UpdateVM.subscription, 3],
  [COMPUTE_POLICIES.PutVM.subscription, 1],
  [COMPUTE_POLICIES.DeleteVM.subscription, 1],
  [COMPUTE_POLICIES.CreateUpdateDisks.subscription, 1],
];
const PER_UPGRADE_BUCKETS: BucketSpec[] = UPGRADE_TOKENS.map(([b, k]) => ({
  capacity: b.capacity / k,
  refillPerSecond: b.refillPerSecond / k,
}));

const meanMs = (kind: string) => (AZURE_DURATIONS_MS[kind][0] + AZURE_DURATIONS_MS[kind][1]) / 2 / SPEED;
const UPGRADE_MEAN_MS = UPGRADE_PATH.reduce((sum, [, kind]) => sum + meanMs(kind), 0);

/** Phase sizes as planRollout cuts them: canary, then batches of ⌈rest × percent⌉. */
function phaseSizes(n: number): number[] {
  const canary = Math.min(CANARY, n);
  const rest = n - canary;
  const size = Math.max(1, Math.ceil((rest * BATCH_PERCENT) / 100));
  const sizes = canary ? [canary] : [];
  for (let left = rest; left > 0; left -= size) sizes.push(Math.min(size, left));
  return sizes;
}

/** The bound (see the header) and its parts. */
function rolloutBound(sizes: number[]) {
  const soaks = sizes.length - 1;
  const soakMs = soaks * SOAK_MINUTES * 60_000;
  const phasesMs = sizes.map((n) =>
    tokenWindowBound(n, Math.min(PARALLEL ?? n, n), UPGRADE_MEAN_MS, PER_UPGRADE_BUCKETS),
  );
  const chainMs = phasesMs.reduce((a, b) => a + b, 0) + soakMs;
  const total = sizes.reduce((a, b) => a + b, 0);
  const tokenFloorMs = tokenWindowBound(total, total, 0, PER_UPGRADE_BUCKETS) + UPGRADE_MEAN_MS;
  return { boundMs: Math.max(chainMs, tokenFloorMs), phasesMs, soakMs, tokenFloorMs };
}

/**
 * This run's bound: the same batch policy, with the durations the emulator actually drew for each
 * claw instead of the profile's means. A phase cannot end before its slowest claw's Azure time
 * (the last draw of each kind on the claw's path: its VM, its disks, its snapshot), nor before the
 * write tokens let its upgrades start (longest first). No engine can beat it on this run's draws;
 * the mean-based bound can be beaten by none in expectation (the slowest of 20 exceeds the mean).
 */
function realisedBound(
  phases: { claws: string[] }[],
  draws: LatencyDraw[],
): {
  boundMs: number;
  phasesMs: number[];
  missing: string[];
  /** Each claw's drawn durations by latency kind. */
  drawn: Map<string, Map<string, number>>;
} {
  // How many waits of each kind the path holds.
  const kinds = new Map<string, number>();
  for (const [, kind] of UPGRADE_PATH) kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  const owner = (subject: string, claw: string) => {
    const name = subject.split("/").pop() ?? "";
    return name === claw || name.startsWith(`${claw}-`);
  };
  const missing: string[] = [];
  const drawn = new Map<string, Map<string, number>>();
  const pathMs = (claw: string) => {
    const all = new Map<string, number[]>();
    for (const d of draws)
      if (kinds.has(d.kind) && d.subject && owner(d.subject, claw))
        all.set(d.kind, [...(all.get(d.kind) ?? []), d.ms]);
    // Each kind's shortest draws, as many as the path waits for: never more than the claw waited.
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
    const next = () => durations[i++];
    return tokenWindowBound(
      durations.length,
      Math.min(PARALLEL ?? durations.length, durations.length),
      next,
      PER_UPGRADE_BUCKETS,
    );
  });
  const soakMs = (phases.length - 1) * SOAK_MINUTES * 60_000;
  return { boundMs: phasesMs.reduce((a, b) => a + b, 0) + soakMs, phasesMs, missing, drawn };
}

/** Mean makespan with no engine overhead when every phase waits for its slowest claw (simulated). */
function expectedWithStragglers(sizes: number[], samples = 2_000): number {
  const random = seededRandom(6);
  const draw = () =>
    UPGRADE_PATH.reduce((sum, [, kind]) => {
      const [lo, hi] = AZURE_DURATIONS_MS[kind];
      return sum + (lo + random() * (hi - lo)) / SPEED;
    }, 0);
  let total = 0;
  for (let s = 0; s < samples; s++) {
    for (const n of sizes) {
      const slots = Array<number>(Math.min(PARALLEL ?? n, n)).fill(0);
      for (let i = 0; i < n; i++) {
        slots.sort((a, b) => a - b);
        slots[0] += draw();
      }
      total += Math.max(...slots);
    }
  }
  return total / samples + (sizes.length - 1) * SOAK_MINUTES * 60_000;
}

interface RolloutView {
  status: string;
  reason?: string;
  endedAt?: string;
  digest?: { done: unknown[]; failed: { claw: string; reason: string }[]; skipped: unknown[] };
  claws: {
    claw: string;
    phase: string;
    status: string;
    operationId?: string;
    startedAt?: string;
    endedAt?: string;
  }[];
}

async function waitForRollout(t: TwinHarness, id: string, timeoutMs: number): Promise<RolloutView> {
  for (const until = Date.now() + timeoutMs; ;) {
    await new Promise((r) => setTimeout(r, 1_000));
    const r = await t.api<RolloutView>("GET", `/v1/rollouts/${id}`).catch(() => undefined);
    if (r?.status === 200 && r.body.endedAt) return r.body;
    if (Date.now() > until) throw new Error(`rollout ${id}: ${JSON.stringify(r?.body).slice(0, 500)}`);
  }
}

/** How many of `xs` fall under each key. */
function countBy<T>(xs: T[], key: (x: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const x of xs) counts[key(x)] = (counts[key(x)] ?? 0) + 1;
  return counts;
}

const ms = (a?: string, b?: string) => (a && b ? Date.parse(b) - Date.parse(a) : NaN);
/** An upgrade's time: its first step's start → its operation's end. */
const upgradeMsOf = (o?: OperationRecord) => ms(o?.steps[0]?.startedAt, o?.endedAt);
/** A step's name without its detail ("create-standby 1.1.0" → "create-standby"). */
const stepName = (st: { name: string }) => st.name.split(" ")[0];

async function main(): Promise<void> {
  const throttling = { enabled: false };
  const t = await startTwinHarness({
    // Table Storage is another machine on Azure: Azurite in its own process, as fleet-park does.
    azuriteProcess: true,
    emulator: { latency: { profile: "azure", speed: SPEED, seed: 6 }, throttling },
    // Only the rollout runs: no timer-driven schedule tick, drift reconcile, health sweep or
    // housekeeping spending tokens.
    env: {
      "AzureWebJobs.scheduleTickTimer.Disabled": "true",
      "AzureWebJobs.driftReconcileTimer.Disabled": "true",
      "AzureWebJobs.healthSweepTimer.Disabled": "true",
      "AzureWebJobs.housekeepingTimer.Disabled": "true",
    },
  });
  try {
    const seedStart = Date.now();
    await seedClaws(t, N, { prefix: "roll", imageVersion: FROM, deploy: true, parallel: 25 });
    const seedMs = Date.now() - seedStart;
    console.log(
      `  deployed ${N} claws on ${FROM} (deployClaw sagas, 25 at once) in ${(seedMs / 1000).toFixed(1)} s`,
    );
    const state = createStateStore(t.env.AzureWebJobsStorage);
    await state.images.upsert({ version: TO, state: "Succeeded", regions: [t.twin.seed.location] });

    throttling.enabled = process.env.FLEET_ROLLOUT_THROTTLING !== "off";
    t.twin.emulator.requests.clear();
    t.twin.emulator.context.latency.clearDraws();
    const t0 = Date.now();
    const started = await t.api<{ rolloutId: string }>("POST", "/v1/rollouts", {
      version: TO,
      canary: CANARY,
      batchPercent: BATCH_PERCENT,
      soakMinutes: SOAK_MINUTES,
      maxUnhealthy: MAX_UNHEALTHY,
      ...(PARALLEL ? { maxParallel: PARALLEL } : {}),
    });
    if (started.status !== 202) throw new Error(`POST /v1/rollouts: ${JSON.stringify(started.body)}`);
    const r = await waitForRollout(t, started.body.rolloutId, 60 * 60_000);
    const makespanMs = Date.parse(r.endedAt!) - t0;

    const opIds = new Set(r.claws.map((c) => c.operationId).filter(Boolean));
    const ops = (await state.operations.list({ limit: 10 * N })).filter(
      (o) => o.kind === "upgrade" && opIds.has(o.id),
    );
    const failed = ops.filter((o) => o.status !== "succeeded");
    const throttledFailures = failed.filter((o) => o.error?.code === "AZURE_THROTTLED").length;
    const upgraded = (await state.claws.list()).filter(
      (c) =>
        c.observed.imageVersion === TO &&
        c.observed.lastVerify?.ok &&
        c.observed.lastVerify.imageVersion === TO,
    ).length;
    const log = t.twin.emulator.requests.list();
    const throttledLog = log.filter((x) => x.status === 429);
    const throttled = throttledLog.length;
    const throttledBy = countBy(throttledLog, (x) => `${x.method} ${x.errorCode ?? ""}`.trim());
    const writes = log.filter((x) => x.method !== "GET").length;
    const reads = log.length - writes;
    /** Reads per upgrade by ARM operation id: where the read bucket goes. */
    const readsPerUpgrade = Object.fromEntries(
      Object.entries(
        countBy(
          log.filter((x) => x.method === "GET"),
          (x) => x.operationId,
        ),
      )
        .sort(([, a], [, b]) => b - a)
        .map(([k, v]) => [k, Number((v / N).toFixed(2))]),
    );

    // Phases: first claw started → last claw ended, from the rollout's own per-claw records.
    const phaseNames = [...new Set(r.claws.filter((c) => c.startedAt).map((c) => c.phase))];
    const byId = new Map(ops.map((o) => [o.id, o]));
    const realised = realisedBound(
      phaseNames.map((name) => ({
        claws: r.claws.filter((c) => c.phase === name && c.startedAt).map((c) => c.claw),
      })),
      t.twin.emulator.context.latency.draws(),
    );
    let previousEnd = t0;
    const phases = phaseNames.map((name) => {
      const cs = r.claws
        .filter((c) => c.phase === name && c.startedAt)
        .map((c) => ({ c, o: byId.get(c.operationId ?? "") }));
      const start = Math.min(...cs.map(({ c }) => Date.parse(c.startedAt!)));
      const end = Math.max(...cs.map(({ c }) => Date.parse(c.endedAt ?? c.startedAt!)));
      const most = (f: (x: (typeof cs)[number]) => number) => Math.max(...cs.map(f).filter(Number.isFinite));
      // The slowest claw: its steps as the operation record shows them, beside what the emulator
      // drew for the Azure work behind each step.
      const slow = cs
        .filter(({ o }) => Number.isFinite(upgradeMsOf(o)))
        .sort((a, b) => upgradeMsOf(b.o) - upgradeMsOf(a.o))[0];
      const drawn = (slow && realised.drawn.get(slow.c.claw)) || new Map<string, number>();
      const phase = {
        name,
        claws: cs.length,
        startMs: start - t0,
        /** Previous phase's last claw recorded → this phase's first claw recorded (soak, bookkeeping). */
        gapBeforeMs: start - previousEnd,
        spanMs: end - start,
        slowestUpgradeMs: most(({ o }) => upgradeMsOf(o)),
        slowestClaw: slow?.c.claw,
        /** The slowest claw's drawn Azure time on its path. */
        slowestDrawnMs: [...drawn.values()].reduce((a, b) => a + b, 0),
        slowestSteps: (slow?.o?.steps ?? []).map((st) => {
          // A step's drawn time: its kinds' (a kind two steps share is shown on both).
          const stepKinds = UPGRADE_PATH.filter(([step]) => step === stepName(st)).map(([, k]) => k);
          const drew = stepKinds.length
            ? [...new Set(stepKinds)].reduce((a, k) => a + (drawn.get(k) ?? 0), 0)
            : undefined;
          return {
            step: stepName(st),
            ms: ms(st.startedAt, st.endedAt),
            ...(drew !== undefined ? { drawnMs: drew } : {}),
          };
        }),
        /** Claw recorded as started → its saga's first step (sub-orchestration start, load, power read). */
        maxStartLagMs: most(({ c, o }) => ms(c.startedAt, o?.steps[0]?.startedAt)),
        /** Operation ended → rollout recorded the claw's outcome. */
        maxEndLagMs: most(({ c, o }) => ms(o?.endedAt, c.endedAt)),
      };
      previousEnd = end;
      return phase;
    });

    const sum = (f: (p: (typeof phases)[number]) => number) => phases.reduce((a, p) => a + f(p), 0);
    const breakdown = {
      slowestUpgradesMs: sum((p) => p.slowestUpgradeMs),
      fanOutLagMs: sum((p) => p.spanMs - p.slowestUpgradeMs),
      betweenPhasesMs: sum((p) => p.gapBeforeMs),
      afterLastPhaseMs: t0 + makespanMs - previousEnd,
    };

    // Where an upgrade's time goes: median per step, and the time between steps (engine, bookkeeping).
    const stepOf = (o: OperationRecord, name: string) => o.steps.find((st) => stepName(st) === name);
    const stepP50 = Object.fromEntries(
      [
        ...new Set([
          ...UPGRADE_PATH.map(([s]) => s),
          "preflight",
          "release-disk",
          "move-ip",
          "deliver-secrets",
          "verify",
        ]),
      ].map((name) => [
        name,
        Math.round(
          percentile(
            ops.map((o) => ms(stepOf(o, name)?.startedAt, stepOf(o, name)?.endedAt)).filter(Number.isFinite),
            50,
          ),
        ),
      ]),
    );
    const upgradeMs = ops.map(upgradeMsOf).filter(Number.isFinite);
    const betweenSteps = ops
      .map((o) => upgradeMsOf(o) - o.steps.reduce((a, st) => a + ms(st.startedAt, st.endedAt), 0))
      .filter(Number.isFinite);

    const sizes = phaseSizes(N);
    const bound = rolloutBound(sizes);
    const idealMs = expectedWithStragglers(sizes);
    const ratio = makespanMs / bound.boundMs;
    const realisedRatio = makespanMs / realised.boundMs;

    const s = (x: number) => `${(x / 1000).toFixed(1)} s`;
    console.log(
      `  roll ${N} claws ${FROM} → ${TO}: canary ${CANARY}, batches of ${BATCH_PERCENT}% (${sizes.join(", ")}), maxParallel ${PARALLEL ?? "the whole batch"}, soak ${SOAK_MINUTES} min; azure profile at speed ${SPEED}`,
    );
    console.log(
      `  makespan ${s(makespanMs)}  this run's bound ${s(realised.boundMs)}  ratio ${realisedRatio.toFixed(2)} (aim ≤ 1.25)`,
    );
    console.log(
      `    this run's bound: each phase waits for its slowest claw's drawn Azure time: ${realised.phasesMs.map(s).join(" + ")} + soaks${realised.missing.length ? `; ${realised.missing.length} claws lack a draw of their path (${realised.missing.slice(0, 3).join(", ")})` : ""}`,
    );
    console.log(
      `    mean-based bound ${s(bound.boundMs)} (ratio ${ratio.toFixed(2)}; no engine meets it in expectation, see below)`,
    );
    console.log(
      `    bound parts: one upgrade ${s(UPGRADE_MEAN_MS)} (${UPGRADE_PATH.map(([, k]) => `${k} ${s(meanMs(k))}`).join(", ")}); phases ${bound.phasesMs.map(s).join(" + ")}; soaks ${s(bound.soakMs)}; whole-rollout token floor ${s(bound.tokenFloorMs)}`,
    );
    console.log(
      `    no-overhead engine waiting for each phase's slowest claw: ${s(idealMs)} expected (${(makespanMs / idealMs).toFixed(2)}×)`,
    );
    console.log(
      `  rollout ${r.status} (${r.reason ?? ""}); upgraded and verified on ${TO}: ${upgraded}/${N}; digest done ${r.digest?.done.length ?? 0} failed ${r.digest?.failed.length ?? 0} skipped ${r.digest?.skipped.length ?? 0}`,
    );
    console.log(
      `  upgrade operations ${ops.length}, failed ${failed.length}, failed from throttling ${throttledFailures}`,
    );
    console.log(
      `  ARM: ${writes} writes/deletes, ${reads} reads, ${throttled} answered 429 ${JSON.stringify(throttledBy)}`,
    );
    console.log(`  reads per upgrade: ${JSON.stringify(readsPerUpgrade)}`);
    for (const p of phases) {
      console.log(
        `    ${p.name.padEnd(8)} ${String(p.claws).padStart(3)} claws  at ${s(p.startMs).padStart(7)} (gap ${s(p.gapBeforeMs)})  span ${s(p.spanMs).padStart(7)}  slowest upgrade ${s(p.slowestUpgradeMs)}, start lag ≤ ${s(p.maxStartLagMs)}, end lag ≤ ${s(p.maxEndLagMs)}`,
      );
    }
    console.log(
      `  where the time went: slowest upgrade of each phase Σ ${s(breakdown.slowestUpgradesMs)}, fan-out lag (phase span − its slowest upgrade) Σ ${s(breakdown.fanOutLagMs)}, between phases (soak, bookkeeping) Σ ${s(breakdown.betweenPhasesMs)}, after the last phase ${s(breakdown.afterLastPhaseMs)}`,
    );
    console.log(
      `  upgrade (first step → end) p50 ${s(percentile(upgradeMs, 50))} p95 ${s(percentile(upgradeMs, 95))}; between steps p50 ${s(percentile(betweenSteps, 50))}`,
    );
    console.log(
      `  step p50: ${Object.entries(stepP50)
        .map(
          ([k, v]) =>
            `${k} ${s(v)}${UPGRADE_PATH.some(([st]) => st === k) ? ` (model ${s(UPGRADE_PATH.filter(([st]) => st === k).reduce((a, [, kind]) => a + meanMs(kind), 0))})` : ""}`,
        )
        .join(", ")}`,
    );
    for (const p of phases) {
      if (!p.slowestClaw) continue;
      const parts = p.slowestSteps.map(
        (st) => `${st.step} ${s(st.ms)}${st.drawnMs !== undefined ? ` (drawn ${s(st.drawnMs)})` : ""}`,
      );
      console.log(
        `    slowest of ${p.name}: ${p.slowestClaw} ${s(p.slowestUpgradeMs)}, drawn ${s(p.slowestDrawnMs)}: ${parts.join(", ")}`,
      );
    }
    if (failed.length) console.log(`  first failure: ${JSON.stringify(failed[0].error)}`);

    recordResult("fleet-rollout", {
      claws: N,
      canary: CANARY,
      batchPercent: BATCH_PERCENT,
      phaseSizes: sizes,
      maxParallel: PARALLEL ?? "batch",
      soakMinutes: SOAK_MINUTES,
      maxUnhealthy: MAX_UNHEALTHY,
      speed: SPEED,
      seedMs,
      status: r.status,
      makespanMs,
      realisedBoundMs: Math.round(realised.boundMs),
      realisedPhaseBoundsMs: realised.phasesMs.map(Math.round),
      realisedRatio: Number(realisedRatio.toFixed(3)),
      clawsWithoutDraws: realised.missing.length,
      aimMet: realisedRatio <= 1.25 && realised.missing.length === 0 && throttledFailures === 0,
      boundMs: Math.round(bound.boundMs),
      ratio: Number(ratio.toFixed(3)),
      expectedWithStragglersMs: Math.round(idealMs),
      upgradeMeanMs: Math.round(UPGRADE_MEAN_MS),
      upgraded,
      upgradeOperations: ops.length,
      failed: failed.length,
      throttledFailures,
      responses429: throttled,
      responses429ByMethodAndCode: throttledBy,
      armWrites: writes,
      armReads: reads,
      readsPerUpgrade,
      phases,
      ...breakdown,
      upgradeP50Ms: Math.round(percentile(upgradeMs, 50)),
      betweenStepsP50Ms: Math.round(percentile(betweenSteps, 50)),
      stepP50Ms: stepP50,
      loadAverage: os.loadavg().map((x) => Number(x.toFixed(2))),
    });
  } finally {
    await t.close();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
