/**
 * `npm run bench [name...]`: runs the benchmarks one after another (each in its own process, so one
 * cannot warm or slow the next) and prints their figures; each also appends to bench/results/.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const ALL = [
  "durable-overhead",
  "upgrade-downtime",
  "azure-emulator",
  "fleet-park",
  "fleet-wake",
  "fleet-rollout",
  "telegram-webhook",
  "cold-load",
  "console-fleet",
];

const wanted = process.argv.slice(2);
const names = (wanted.length ? wanted : ALL).filter((n) => {
  const ok = fs.existsSync(path.join(__dirname, `${n}.js`));
  if (!ok && wanted.length) console.error(`bench: no benchmark named ${n} (have: ${ALL.join(", ")})`);
  return ok;
});
let failed = 0;
for (const name of names) {
  console.log(`\n== ${name}`);
  const r = spawnSync(process.execPath, [path.join(__dirname, `${name}.js`)], { stdio: "inherit" });
  if (r.status !== 0) failed++;
}
process.exitCode = failed ? 1 : 0;
