/**
 * Benchmark: the dev host's durable engine overhead on real Azurite.
 * - per-step overhead of a 100-activity sequence (p50/p95 of the gap between consecutive
 *   activity starts, i.e. one replay + one history commit + one dispatch)
 * - makespan of a fan-out/fan-in of 1,000 no-op activities
 * Prints the figures and appends them to bench/results/durable-overhead.json.
 * Run: npm run build && node dist/bench/durable-overhead.js
 */
import type { OrchestrationContext } from "durable-functions";
import { createHarness } from "../local/host/durable/harness";
import { recordResult, percentile } from "./record";

const stamps: number[] = [];

async function main(): Promise<void> {
  const h = await createHarness(
    {
      sequence: function* (ctx: OrchestrationContext) {
        for (let i = 0; i < 100; i++) yield ctx.df.callActivity("stamp", i);
        return "done";
      },
      fanOut: function* (ctx: OrchestrationContext) {
        const n = ctx.df.getInput<number>();
        yield ctx.df.Task.all(Array.from({ length: n }, (_, i) => ctx.df.callActivity("noop", i)));
        return n;
      },
    },
    {
      stamp: async () => {
        stamps.push(performance.now());
        return null;
      },
      noop: async () => null,
    },
  );
  try {
    // warm-up
    await h.run("fanOut", 10);
    const seqStart = performance.now();
    const seq = await h.run("sequence");
    const seqTotal = performance.now() - seqStart;
    if (seq.status !== "Completed") throw new Error(`sequence ended ${seq.status}`);
    const gaps = stamps.slice(1).map((t, i) => t - stamps[i]);

    const fanStart = performance.now();
    const fan = await h.run("fanOut", 1000);
    const fanMs = performance.now() - fanStart;
    if (fan.status !== "Completed") throw new Error(`fan-out ended ${fan.status}`);

    const result = {
      sequence100: {
        totalMs: Math.round(seqTotal),
        stepP50Ms: round(percentile(gaps, 50)),
        stepP95Ms: round(percentile(gaps, 95)),
      },
      fanOut1000: { makespanMs: Math.round(fanMs) },
      targets: { stepP50Ms: 10, fanOut1000Ms: 5000 },
    };
    console.log("durable engine overhead (real Azurite, in-process tables over loopback HTTP)");
    console.log(
      `  100-activity sequence: total ${result.sequence100.totalMs} ms, per step p50 ${result.sequence100.stepP50Ms} ms, p95 ${result.sequence100.stepP95Ms} ms (target p50 <= 10 ms)`,
    );
    console.log(
      `  fan-out/fan-in of 1,000 no-op activities: ${result.fanOut1000.makespanMs} ms (target <= 5000 ms)`,
    );
    recordResult("durable-overhead", result);
  } finally {
    await h.close();
  }
}

const round = (x: number) => Math.round(x * 100) / 100;

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
