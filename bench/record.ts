/** Shared helpers for benchmarks: percentiles and appending results with a machine description. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/** A repeatable random source for the benchmarks' simulations (a 32-bit LCG; Math.imul keeps it exact). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => (state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0) / 2 ** 32;
}

export function percentile(values: number[], p: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx];
}

export function machine(): Record<string, unknown> {
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  };
}

/** Append one run to bench/results/<name>.json (a JSON array), newest last. */
export function recordResult(name: string, result: Record<string, unknown>): void {
  const dir = path.resolve(__dirname, "../../bench/results");
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.json`);
  const runs = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as unknown[]) : [];
  runs.push({ at: new Date().toISOString(), machine: machine(), ...result });
  fs.writeFileSync(file, JSON.stringify(runs, null, 2) + "\n");
  console.log(`  recorded in bench/results/${name}.json`);
}
