/**
 * Benchmark: a fleet-wide morning wake on the emulator with ARM throttling on and the azure latency
 * profile scaled down (issue 19). A wake talks to the guest (boot status, secrets and verify over
 * SSH), so every claw has a guest: one claw is deployed for real and the others are made through
 * the HTTP API and the gateway as a deploy leaves them (seedDirect), or with FLEET_WAKE_SEED=deploy
 * all through the deployClaw saga, with throttling suspended; then each VM is deallocated through
 * the gateway and its row marked so, as a park leaves
 * it, and every claw's schedule is set to wake a minute ago. Then the real path runs: the
 * scheduleTick saga on the dev host (planScheduleTick → wakeClaw sub-orchestrations, at most
 * FLEET_MAX_PARALLEL at once → start through the gateway, wait for boot.sh's status over SSH,
 * deliver what changed, verify.sh over SSH).
 *
 * Guests (FLEET_WAKE_GUESTS): "answering" (default) keeps what the control plane meets (an SSH
 * server per running VM with its own host key, the boot delay, the boot-status file, SFTP delivery
 * onto the data disk, verify's JSON) but runs stand-ins of boot.sh, apply-secrets.sh and verify.sh
 * (local/guest-shims/answering: a handful of processes each, not hundreds); "full" runs the real
 * runtime scripts. On Azure each claw's scripts run on its own VM; on the twin they share this
 * machine's cores with the engine, Azurite and the emulator, which 1,000 real boots and verifies
 * would swamp. Guest time is printed apart from the bound either way.
 *
 * Bound: N wakes through a window of P, each start taking a token from ARM's subscription write
 * bucket (200, +10/s) and Compute's UpdateVM policy (1500, +500/min; a start counts as UpdateVM);
 * a wake lasts, for the control plane, max(start seen through Retry-After, start + boot delay)
 * (models/token-window.ts wakeSeenMs, the profile's mean over both ranges). Not in the bound: the
 * guest's scripts, the SSH handshakes, the engine. Printed with the measured makespan (tick started
 * → tick saga completed), the ratio, where the time goes (planning, ARM busy, after the last ARM
 * call; per-step medians of the wake operations), 429s, and wakes that failed. Appends to
 * bench/results/fleet-wake.json.
 *
 * Run: npm run build && node dist/bench/fleet-wake.js  (FLEET_WAKE_CLAWS, FLEET_WAKE_PARALLEL,
 * FLEET_WAKE_SPEED, FLEET_WAKE_SEED_PARALLEL override the defaults 100, 50, 20, 50;
 * FLEET_WAKE_GUESTS=full runs the real lifecycle scripts.)
 */
import os from "node:os";
import fs from "node:fs";
import path from "node:path";
import { createStateStore, type OperationRecord } from "../core/state";
import { mapLimit } from "../core/fleet/drift";
import { vmNameOf } from "../orchestrations/activities/record-activities";
import { AZURE_DURATIONS_MS } from "../local/azure/arm/latency";
import { ARM_BUCKETS, COMPUTE_POLICIES } from "../local/azure/arm/throttle";
import { DEFAULT_SEED } from "../local/azure/seed";
import { startTwinHarness, type TwinHarness } from "../local/twin-harness";
import { sshPublicKeyOf } from "../core/secrets/types";
import { createClawResources, seedClaws, startOrchestration, waitForOrchestration } from "./fleet-seed";
import {
  expectedNoOverheadDrawMs,
  tokenWindowBound,
  wakeSeenMeanMs,
  wakeSeenMs,
} from "./models/token-window";
import { percentile, recordResult } from "./record";

const N = Number(process.env.FLEET_WAKE_CLAWS ?? 100);
const PARALLEL = Number(process.env.FLEET_WAKE_PARALLEL ?? 50);
const SPEED = Number(process.env.FLEET_WAKE_SPEED ?? 20);
const SEED_PARALLEL = Number(process.env.FLEET_WAKE_SEED_PARALLEL ?? 50);
const SEED = process.env.FLEET_WAKE_SEED === "deploy" ? "deploy" : "direct";
const GUESTS = process.env.FLEET_WAKE_GUESTS === "full" ? "full" : "answering";
const ANSWERING = path.resolve(__dirname, "../../local/guest-shims/answering");

// The twin's subnet is a /24 (about 250 NICs); a deployed fleet of 1,000 gets a /20 of its own.
const VNET = {
  name: "vnet-bench",
  addressPrefix: "10.50.0.0/16",
  subnet: "snet-bench",
  subnetPrefix: "10.50.0.0/20",
};
const SUBNET_ID =
  `/subscriptions/${DEFAULT_SEED.subscriptionId}/resourceGroups/${DEFAULT_SEED.resourceGroup}` +
  `/providers/Microsoft.Network/virtualNetworks/${VNET.name}/subnets/${VNET.subnet}`;

const WAKE_STEPS = ["start", "wait-for-boot", "deliver-secrets", "verify"];

/**
 * Claws as a deploy leaves them, for fleets too large to deploy through sagas here: the first is
 * deployed for real (which also makes the control plane's SSH key); the others get their row and
 * Telegram token through the HTTP API and their IP, NIC, data disk and VM through the gateway, with
 * the control plane's key and what the deploy records (address, ids, image). What they lack against
 * a deployed claw: no pinned host key, nothing delivered yet, no app layer in the custom data (the
 * answering guests take their scripts from elsewhere). Their first wake pins the host key and
 * delivers all three files, which a wake after a secret rotation also does.
 */
/** POST /v1/claws; a dropped keep-alive connection (a busy host) is tried again, and then a 409 is the first try's row. */
async function createRow(t: TwinHarness, claw: string, spec: Record<string, string>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const c = await t.api("POST", "/v1/claws", spec).catch((e: unknown) => {
      if (attempt >= 5) throw e;
      return undefined;
    });
    if (!c) continue;
    if (c.status === 201 || (c.status === 409 && attempt > 1)) return;
    throw new Error(`creating ${claw}: HTTP ${c.status} ${JSON.stringify(c.body)}`);
  }
}

async function seedDirect(t: TwinHarness, n: number): Promise<string[]> {
  const [first] = await seedClaws(t, 1, { prefix: "wake", deploy: true });
  const rest = Array.from({ length: n - 1 }, (_, i) => `wake${String(i + 2).padStart(3, "0")}`);
  const file = JSON.parse(fs.readFileSync(t.env.LOCAL_SECRETS_FILE, "utf8")) as { sshPrivateKey: string };
  const sshPublicKey = sshPublicKeyOf(file.sshPrivateKey);
  const gateway = t.gateway();
  const state = createStateStore(t.env.AzureWebJobsStorage);
  const location = t.twin.seed.location;
  const imageVersion = "1.0.0";
  await mapLimit(rest, SEED_PARALLEL, async (claw) => {
    await createRow(t, claw, { name: claw, region: location, vmSize: "Standard_D2s_v5", imageVersion });
    const { ip, nic, disk, vm } = await createClawResources(gateway, {
      claw,
      location,
      imageVersion,
      sshPublicKey,
      tags: { "openclawps-claw": claw },
    });
    await state.claws.updateObserved(claw, {
      powerState: "running",
      vmId: vm.id,
      nicId: nic.id,
      publicIpId: ip.id,
      publicIp: ip.ipAddress,
      diskId: disk.id,
      imageVersion,
    });
  });
  return [first, ...rest];
}

/** CPU seconds (user + system) of a process, and of the children it has reaped; Linux /proc only. */
function cpuOf(pid: number | string): { own: number; reaped: number } {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const tick = 100; // USER_HZ
    return { own: (Number(f[11]) + Number(f[12])) / tick, reaped: (Number(f[13]) + Number(f[14])) / tick };
  } catch {
    return { own: 0, reaped: 0 };
  }
}

/**
 * Where the machine's CPU went: this process (the emulator, the guests' SSH servers and gateway
 * stand-ins), the guests' scripts (its reaped children), the dev host, Azurite, and the whole
 * machine (every core, every process, other work included).
 */
function cpuSnapshot(): Record<string, number> {
  const self = cpuOf(process.pid);
  const out: Record<string, number> = {
    emulatorAndSsh: self.own,
    guestScripts: self.reaped,
    devHost: 0,
    azurite: 0,
  };
  let children: string[] = [];
  try {
    children = fs
      .readFileSync(`/proc/${process.pid}/task/${process.pid}/children`, "utf8")
      .trim()
      .split(/\s+/);
  } catch {
    // not Linux
  }
  for (const pid of children.filter(Boolean)) {
    let cmd = "";
    try {
      cmd = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
    } catch {
      continue;
    }
    const c = cpuOf(pid);
    if (cmd.includes("host/main.js")) out.devHost += c.own + c.reaped;
    else if (cmd.includes("azurite")) out.azurite += c.own + c.reaped;
  }
  try {
    const cpu = fs.readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal: busy is all but idle and iowait.
    out.machineBusy = (cpu[0] + cpu[1] + cpu[2] + cpu[5] + cpu[6] + cpu[7]) / 100;
  } catch {
    out.machineBusy = 0;
  }
  return out;
}

const loadAverage = () => os.loadavg().map((l) => Number(l.toFixed(2)));

/** Milliseconds each named step of the operations took (steps that ended). */
function stepDurations(ops: OperationRecord[], name: string): number[] {
  return ops.flatMap((o) =>
    o.steps
      .filter((s) => s.name === name && s.endedAt)
      .map((s) => Date.parse(s.endedAt!) - Date.parse(s.startedAt)),
  );
}

async function main(): Promise<void> {
  const throttling = { enabled: false };
  const t = await startTwinHarness({
    // Table Storage is another machine on Azure: Azurite gets its own process (and core).
    azuriteProcess: true,
    emulator: {
      latency: { profile: "azure", speed: SPEED, seed: 19 },
      throttling,
      ...(GUESTS === "answering" ? { guests: { payloadDir: ANSWERING } } : {}),
    },
    env: {
      FLEET_MAX_PARALLEL: String(PARALLEL),
      FLEET_SUBNET_ID: SUBNET_ID,
      // Only the benchmark's own tick runs (see fleet-park.ts).
      "AzureWebJobs.scheduleTickTimer.Disabled": "true",
      "AzureWebJobs.driftReconcileTimer.Disabled": "true",
      "AzureWebJobs.healthSweepTimer.Disabled": "true",
      "AzureWebJobs.housekeepingTimer.Disabled": "true",
    },
  });
  const loads: number[][] = [loadAverage()];
  const sampler = setInterval(() => loads.push(loadAverage()), 30_000);
  try {
    const { subnetId } = t.twin.emulator.seed({ ...t.twin.seed, vnet: VNET });
    if (subnetId.toLowerCase() !== SUBNET_ID.toLowerCase()) throw new Error(`bench subnet is ${subnetId}`);

    const seedStart = Date.now();
    const names =
      SEED === "deploy"
        ? await seedClaws(t, N, { prefix: "wake", deploy: true, parallel: SEED_PARALLEL })
        : await seedDirect(t, N);
    const deployMs = Date.now() - seedStart;
    console.log(
      `  seeded ${names.length} claws (${SEED === "deploy" ? `deployClaw sagas, ${SEED_PARALLEL} at once` : "one deployClaw saga, the rest through the gateway"}) in ${(deployMs / 1000).toFixed(1)} s`,
    );

    // Parked as a park leaves a claw: VM deallocated (the guest shut down), row says so.
    const state = createStateStore(t.env.AzureWebJobsStorage);
    const gateway = t.gateway();
    const parkStart = Date.now();
    await mapLimit(names, SEED_PARALLEL, async (claw) => {
      await gateway.deallocateVm(vmNameOf(await state.claws.require(claw)));
      await state.claws.updateObserved(claw, { powerState: "deallocated" });
    });
    const parkMs = Date.now() - parkStart;
    console.log(`  deallocated them in ${(parkMs / 1000).toFixed(1)} s`);

    // Wake a minute ago (UTC), park twelve hours later: every claw's newest transition is "wake".
    const wakeAt = new Date(Date.now() - 60_000);
    const hhmm = (d: Date) => d.toISOString().slice(11, 16);
    const schedule = {
      mode: "scheduled" as const,
      timeZone: "UTC",
      wakeAt: hhmm(wakeAt),
      parkAt: hhmm(new Date(wakeAt.getTime() + 12 * 3_600_000)),
      days: ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as ("mon" | "tue")[],
    };
    await mapLimit(names, SEED_PARALLEL, (claw) =>
      state.claws.update(claw, (c) => ({ ...c, spec: { ...c.spec, schedule } })),
    );

    throttling.enabled = true;
    t.twin.emulator.requests.clear();
    t.twin.emulator.context.latency.clearDraws();
    const loadAtTick = loadAverage();
    const tickAt = new Date().toISOString();
    const cpuAtTick = cpuSnapshot();
    const t0 = Date.now();
    const id = await startOrchestration(t, "scheduleTick", {
      tickAt,
      isPastDue: false,
      maxParallel: PARALLEL,
    });
    const digest = (await waitForOrchestration(t, id, 60 * 60_000)) as {
      done: unknown[];
      failed: { claw: string; reason: string }[];
      skipped: { claw: string; reason: string }[];
    };
    const makespanMs = Date.now() - t0;
    const cpuAtEnd = cpuSnapshot();
    const cpu = Object.fromEntries(
      Object.keys(cpuAtEnd).map((k) => [k, Number((cpuAtEnd[k] - (cpuAtTick[k] ?? 0)).toFixed(1))]),
    );
    const ours = cpu.emulatorAndSsh + cpu.guestScripts + cpu.devHost + cpu.azurite;
    cpu.otherWork = Number((cpu.machineBusy - ours).toFixed(1));
    const loadAtEnd = loadAverage();

    const ops = (await state.operations.list({ limit: 10 * N })).filter(
      (o) => o.kind === "wake" && Date.parse(o.startedAt) >= t0 - 1_000,
    );
    const failed = ops.filter((o) => o.status === "failed");
    const throttledFailures = failed.filter((o) => o.error?.code === "AZURE_THROTTLED").length;
    const claws = await state.claws.list();
    const running = claws.filter((c) => names.includes(c.name) && c.observed.powerState === "running").length;
    const verifiedAfterTick = claws.filter(
      (c) =>
        names.includes(c.name) && c.observed.lastVerify?.ok && Date.parse(c.observed.lastVerify.at) >= t0,
    ).length;

    const log = t.twin.emulator.requests.list();
    const starts = log.filter((r) => r.method === "POST" && /\/start$/i.test(r.path));
    const accepted = starts.filter((r) => r.status < 300).length;
    const throttled = log.filter((r) => r.status === 429);
    const throttledBy: Record<string, number> = {};
    for (const r of throttled) throttledBy[r.method] = (throttledBy[r.method] ?? 0) + 1;
    const reads = log.filter((r) => r.method === "GET").length;
    const firstStartAt = starts[0]?.time ?? t0;
    const lastArmAt = log.at(-1)?.time ?? t0;
    const phases = {
      beforeFirstStartMs: firstStartAt - t0,
      armWindowMs: lastArmAt - firstStartAt,
      afterLastArmCallMs: t0 + makespanMs - lastArmAt,
    };

    // The bound, from the profile's ranges (and, beside it, from this run's own draws).
    const start = AZURE_DURATIONS_MS["vm.start"].map((ms) => ms / SPEED) as [number, number];
    const boot = AZURE_DURATIONS_MS["guest.boot"].map((ms) => ms / SPEED) as [number, number];
    const wakeMeanMs = wakeSeenMeanMs(start, boot);
    const buckets = [ARM_BUCKETS.writes, COMPUTE_POLICIES.UpdateVM.subscription];
    const boundMs = Math.max(
      tokenWindowBound(N, PARALLEL, wakeMeanMs, buckets),
      wakeSeenMs(start[1], boot[1]),
    );
    const noOverheadMs = expectedNoOverheadDrawMs(
      N,
      PARALLEL,
      (r) => wakeSeenMs(start[0] + r() * (start[1] - start[0]), boot[0] + r() * (boot[1] - boot[0])),
      buckets,
      50,
    );
    const writesOnlyMs = tokenWindowBound(N, N, 0, buckets);
    const windowOnlyMs = Math.ceil(N / PARALLEL) * wakeMeanMs;
    const ratio = makespanMs / boundMs;

    // Where a wake's time went, from the operations' own step timings.
    const med = (xs: number[]) => percentile(xs, 50);
    const steps = Object.fromEntries(
      WAKE_STEPS.map((name) => {
        const d = stepDurations(ops, name);
        return [
          name,
          {
            p50Ms: Math.round(med(d)),
            p95Ms: Math.round(percentile(d, 95)),
            sumMs: d.reduce((a, b) => a + b, 0),
          },
        ];
      }),
    );
    const opMs = ops.filter((o) => o.endedAt).map((o) => Date.parse(o.endedAt!) - Date.parse(o.startedAt));
    const opSumMs = opMs.reduce((a, b) => a + b, 0);
    const stepSumMs = Object.values(steps).reduce((a, s) => a + s.sumMs, 0);
    const draws = t.twin.emulator.context.latency.draws();
    const drawn = (kind: string) => draws.filter((d) => d.kind === kind).map((d) => d.ms);
    const bootDraws = drawn("guest.boot");
    const startDraws = drawn("vm.start");

    const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    console.log(
      `  wake ${N} claws (${GUESTS} guests), FLEET_MAX_PARALLEL=${PARALLEL}, azure profile at speed ${SPEED} (start ${s(start[0])}–${s(start[1])}, boot delay ${s(boot[0])}–${s(boot[1])}); load ${loadAtTick.join(" ")} at the tick, ${loadAtEnd.join(" ")} at its end`,
    );
    console.log(`  makespan ${s(makespanMs)}  bound ${s(boundMs)}  ratio ${ratio.toFixed(2)}`);
    console.log(
      `    bound parts: write tokens alone ${s(writesOnlyMs)}, window alone ${s(windowOnlyMs)}; a wake as the control plane sees it (start through Retry-After, then the boot delay): mean ${s(wakeMeanMs)}`,
    );
    console.log(
      `    an engine with no overhead and no guest time, durations drawn from the ranges: ${s(noOverheadMs)} expected (${(makespanMs / noOverheadMs).toFixed(2)}×)`,
    );
    console.log(
      `  running ${running}/${N}, verified in this tick ${verifiedAfterTick}; digest done ${digest.done.length} failed ${digest.failed.length} skipped ${digest.skipped.length}`,
    );
    console.log(
      `  wake operations ${ops.length}, failed ${failed.length}, failed from throttling ${throttledFailures}`,
    );
    console.log(
      `  ARM: ${starts.length} start POSTs (${accepted} accepted), ${throttled.length} answered 429 ${JSON.stringify(throttledBy)}, ${reads} GETs (${(reads / Math.max(1, N)).toFixed(1)} per wake)`,
    );
    console.log(
      `  phases: first start after ${s(phases.beforeFirstStartMs)}, ARM busy ${s(phases.armWindowMs)}, last ARM call to tick done ${s(phases.afterLastArmCallMs)}`,
    );
    console.log(
      `  per wake (p50 / p95): ${WAKE_STEPS.map((n) => `${n} ${s(steps[n].p50Ms)} / ${s(steps[n].p95Ms)}`).join(", ")}; whole operation ${s(med(opMs))} / ${s(percentile(opMs, 95))}`,
    );
    console.log(
      `  slot time: ${s(opSumMs / Math.max(1, ops.length))} per wake, of which its steps ${s(stepSumMs / Math.max(1, ops.length))} ` +
        `(drawn: start ${s(med(startDraws))}, boot delay ${s(med(bootDraws))} median); makespan × window / N = ${s((makespanMs * PARALLEL) / N)}`,
    );
    console.log(
      `  CPU during the tick (s): dev host ${cpu.devHost}, Azurite ${cpu.azurite}, emulator + guests' SSH ${cpu.emulatorAndSsh}, guest scripts ${cpu.guestScripts}; ` +
        `machine busy ${cpu.machineBusy} of ${((os.cpus().length * makespanMs) / 1000).toFixed(0)} (other work ${cpu.otherWork})`,
    );
    if (failed.length) console.log(`  first failure: ${JSON.stringify(failed[0].error)}`);
    if (digest.skipped.length) console.log(`  first skip: ${JSON.stringify(digest.skipped[0])}`);

    recordResult("fleet-wake", {
      claws: N,
      maxParallel: PARALLEL,
      speed: SPEED,
      guests:
        GUESTS === "full"
          ? "full (SSH server, gateway stand-in, real boot.sh, apply-secrets.sh and verify.sh per claw)"
          : "answering (SSH server, gateway stand-in, SFTP; lifecycle scripts from local/guest-shims/answering)",
      seeding: SEED,
      seedMs: deployMs,
      parkSetupMs: parkMs,
      makespanMs,
      boundMs: Math.round(boundMs),
      ratio: Number(ratio.toFixed(3)),
      boundBasis:
        "max(start through Retry-After, start + boot delay), profile means; guest scripts not in it",
      expectedNoOverheadMs: Math.round(noOverheadMs),
      running,
      verifiedAfterTick,
      wakeOperations: ops.length,
      failed: failed.length,
      throttledFailures,
      digest: { done: digest.done.length, failed: digest.failed.length, skipped: digest.skipped.length },
      startPosts: starts.length,
      responses429: throttled.length,
      responses429ByMethod: throttledBy,
      reads,
      ...phases,
      steps,
      operationP50Ms: Math.round(med(opMs)),
      operationP95Ms: Math.round(percentile(opMs, 95)),
      cpuSeconds: cpu,
      loadAverage: { atTick: loadAtTick, atEnd: loadAtEnd, max1min: Math.max(...loads.map((l) => l[0])) },
    });
  } finally {
    clearInterval(sampler);
    await t.close();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
