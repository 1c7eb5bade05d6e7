/**
 * Benchmark: a claw's downtime during an image upgrade, handoff (the default) side by side with the
 * seed's order (UPGRADE_STRATEGY=replace: deallocate → detach → delete → create → attach → boot →
 * verify), both run by the real upgradeClaw saga on the strict twin (provisioning only at VM
 * create, online attach/detach, Run Command), on the `azure` latency profile divided by SPEED.
 * Two twins, one per strategy, upgrade a fresh claw each round, alternately, in the same run.
 *
 * Downtime = from the agent's release on the old VM (release.sh) until verify passed on the VM
 * that runs the new version, from the operation's own step timings. Also printed: the whole
 * upgrade's duration and the ARM operations (writes) the emulator answered inside the window.
 * Figures are emulated Azure seconds (measured × SPEED); since the guests' steps (release.sh,
 * boot.sh, secrets, verify.sh over SSH) are real scripts on this machine, not Azure waits, the
 * downtime is also printed with their time counted once.
 * Run: npm run build && node dist/bench/upgrade-downtime.js [rounds]
 */
import { startTwinHarness, type TwinHarness } from "../local/twin-harness";
import { recordResult, percentile } from "./record";

const SPEED = Number(process.env.BENCH_SPEED ?? 20);
const ROUNDS = Number(process.argv[2] ?? 3);
const STRATEGIES = ["handoff", "replace"] as const;
type Strategy = (typeof STRATEGIES)[number];

interface Step {
  name: string;
  startedAt: string;
  endedAt?: string;
}

interface Measured {
  downS: number;
  /** The same window with the guests' own time (scripts over SSH) counted once, not × SPEED. */
  downGuestUnscaledS: number;
  guestS: number;
  wholeS: number;
  writesInWindow: string[];
  breakdown: string;
}

const azureS = (ms: number) => Math.round((ms * SPEED) / 100) / 10;
/** Steps that are scripts on the guest over SSH (no Azure call behind them). */
const GUEST_STEPS = ["release-disk", "boot", "wait-for-boot", "deliver-secrets", "verify"];

async function deploy(t: TwinHarness, name: string): Promise<void> {
  const c = await t.api("POST", "/v1/claws", {
    name,
    region: "westus",
    vmSize: "Standard_D2s_v5",
    imageVersion: "1.0.0",
  });
  if (c.status !== 201) throw new Error(`create ${name}: ${JSON.stringify(c.body)}`);
  const d = await t.api<{ operationId: string }>("POST", `/v1/claws/${name}/deploy`);
  const op = await t.waitForOperation(d.body.operationId, 600_000, 250);
  if (op.status !== "succeeded") throw new Error(`deploy ${name}: ${JSON.stringify(op)}`);
}

async function upgrade(t: TwinHarness, name: string, strategy: Strategy): Promise<Measured> {
  const r = await t.api<{ operationId: string }>("POST", `/v1/claws/${name}/upgrade`, { toVersion: "1.1.0" });
  const op = (await t.waitForOperation(r.body.operationId, 900_000, 250)) as {
    status: string;
    steps: Step[];
    details?: { strategy?: string };
  };
  if (op.status !== "succeeded") throw new Error(`${strategy} upgrade of ${name}: ${JSON.stringify(op)}`);
  if (op.details?.strategy !== strategy) throw new Error(`expected ${strategy}, ran ${op.details?.strategy}`);
  const first = op.steps.find((s) => s.name.startsWith("release-disk"))!;
  const verify = [...op.steps].reverse().find((s) => s.name === "verify")!;
  const from = Date.parse(first.startedAt);
  const until = Date.parse(verify.endedAt!);
  const whole = Date.parse(op.steps.at(-1)!.endedAt ?? verify.endedAt!) - Date.parse(op.steps[0].startedAt);
  const writesInWindow = t.twin.emulator.requests
    .list()
    .filter((e) => e.time >= from && e.time <= until && e.method !== "GET")
    .map((e) => e.operationId);
  // Guest steps run real scripts on this machine: their time is not an Azure duration divided by
  // SPEED, so multiplying it by SPEED overstates it (both strategies run the same ones).
  const guestMs = op.steps
    .filter((s) => Date.parse(s.startedAt) >= from && Date.parse(s.startedAt) <= until)
    .filter((s) => GUEST_STEPS.includes(s.name.split(" ")[0]))
    .reduce((a, s) => a + Date.parse(s.endedAt!) - Date.parse(s.startedAt), 0);
  const breakdown = op.steps
    .filter((s) => Date.parse(s.startedAt) >= from && Date.parse(s.startedAt) <= until)
    .map((s) => `${s.name.split(" ")[0]} ${azureS(Date.parse(s.endedAt!) - Date.parse(s.startedAt))}s`)
    .join(", ");
  return {
    downS: azureS(until - from),
    downGuestUnscaledS: Math.round((azureS(until - from - guestMs) + guestMs / 1000) * 10) / 10,
    guestS: Math.round(guestMs / 100) / 10,
    wholeS: azureS(whole),
    writesInWindow,
    breakdown,
  };
}

function countBy(xs: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[x] = (out[x] ?? 0) + 1;
  return out;
}

async function main(): Promise<void> {
  console.log(
    `upgrade downtime: handoff vs the seed's order, azure profile at speed ${SPEED}, ${ROUNDS} rounds`,
  );
  const twins = {} as Record<Strategy, TwinHarness>;
  for (const s of STRATEGIES) {
    twins[s] = await startTwinHarness({
      emulator: { latency: { profile: "azure", speed: SPEED, seed: 42 }, throttling: { enabled: true } },
      env: { UPGRADE_STRATEGY: s, CLAW_BOOT_POLL_MS: "250", DURABLE_RETRY_WAIT_SCALE: "1" },
      azuriteProcess: true,
    });
  }
  const runs: Record<Strategy, Measured[]> = { handoff: [], replace: [] };
  try {
    for (let i = 0; i < ROUNDS; i++) {
      for (const s of STRATEGIES) {
        const name = `${s}-r${i + 1}`;
        await deploy(twins[s], name);
        const m = await upgrade(twins[s], name, s);
        runs[s].push(m);
        console.log(
          `  round ${i + 1} ${s.padEnd(7)}: down ${m.downS} s (${m.downGuestUnscaledS} s with the guests' ${m.guestS} s unscaled), whole upgrade ${m.wholeS} s, ` +
            `${m.writesInWindow.length} ARM writes while down (${Object.entries(countBy(m.writesInWindow))
              .map(([k, v]) => `${k}×${v}`)
              .join(", ")})`,
        );
        console.log(`    steps while down (Azure s): ${m.breakdown}`);
      }
    }
    const med = (s: Strategy, f: (m: Measured) => number) => percentile(runs[s].map(f), 50);
    const handoffDown = med("handoff", (m) => m.downS);
    const seedDown = med("replace", (m) => m.downS);
    const result = {
      speed: SPEED,
      rounds: ROUNDS,
      twin: "strict (provisioning only at create, online attach/detach, Run Command)",
      handoffDowntimeMedianAzureSeconds: handoffDown,
      seedDowntimeMedianAzureSeconds: seedDown,
      ratio: Math.round((handoffDown / seedDown) * 100) / 100,
      handoffDowntimeGuestUnscaledMedianSeconds: med("handoff", (m) => m.downGuestUnscaledS),
      seedDowntimeGuestUnscaledMedianSeconds: med("replace", (m) => m.downGuestUnscaledS),
      ratioGuestUnscaled:
        Math.round(
          (med("handoff", (m) => m.downGuestUnscaledS) / med("replace", (m) => m.downGuestUnscaledS)) * 100,
        ) / 100,
      guestSecondsMedian: { handoff: med("handoff", (m) => m.guestS), seed: med("replace", (m) => m.guestS) },
      handoffWholeUpgradeMedianAzureSeconds: med("handoff", (m) => m.wholeS),
      seedWholeUpgradeMedianAzureSeconds: med("replace", (m) => m.wholeS),
      handoffArmWritesWhileDown: countBy(runs.handoff[0].writesInWindow),
      seedArmWritesWhileDown: countBy(runs.replace[0].writesInWindow),
      perRound: { handoff: runs.handoff.map((m) => m.downS), seed: runs.replace.map((m) => m.downS) },
      target: "ratio <= 0.3",
    };
    console.log(
      `  median downtime: handoff ${handoffDown} s vs seed order ${seedDown} s → ratio ${result.ratio} (aim ≤ 0.3)`,
    );
    console.log(
      `  with the guests' script time counted once (not × ${SPEED}): handoff ${result.handoffDowntimeGuestUnscaledMedianSeconds} s vs seed order ${result.seedDowntimeGuestUnscaledMedianSeconds} s → ratio ${result.ratioGuestUnscaled}`,
    );
    console.log(
      `  median whole upgrade: handoff ${result.handoffWholeUpgradeMedianAzureSeconds} s vs seed order ${result.seedWholeUpgradeMedianAzureSeconds} s`,
    );
    recordResult("upgrade-downtime", result);
  } finally {
    for (const s of STRATEGIES) await twins[s]?.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
