/**
 * Cold load of the function app: process start to every function registered, through the module
 * the worker loads (the package's "main"), with `@azure/functions-core` provided by the dev host's
 * loader as the Node worker provides it. Two packages:
 * - "dist": the tsc output with node_modules (what scripts/stage-function-app.sh shipped before);
 * - "bundle": scripts/bundle-function-app.mjs's package, copied outside the repository so nothing
 *   can resolve from the repo's node_modules.
 * Runs interleave (dist, bundle, dist, ...) so machine load hits both alike; each figure is the
 * median of the runs, wall (performance.now() at registration end, i.e. since process start) and
 * CPU (user + system of the process). Also prints the package sizes.
 *
 * The bundle leaves the app's libraries (core.js) to the first invocation that needs them; after
 * registering, the bundle's runs also time loading core.js and evaluating every module it holds,
 * the most any first invocation adds (one route evaluates only its own modules).
 * COLD_LOAD_COMPARE=<a package's main> adds a third package to the rotation (e.g. the bundle of
 * an earlier commit, staged outside the repository), so a change is measured against it alike;
 * COLD_LOAD_COMPARE_LABEL names it in the record (its path is not recorded).
 */
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { percentile, recordResult } from "./record";

const ROOT = path.resolve(__dirname, "../..");
const RUNS = Number(process.env.COLD_LOAD_RUNS ?? 9);
const COMPARE = process.env.COLD_LOAD_COMPARE;

function duBytes(p: string): number {
  const st = fs.lstatSync(p);
  if (!st.isDirectory()) return st.size;
  return fs.readdirSync(p).reduce((s, e) => s + duBytes(path.join(p, e)), 0);
}

const mb = (b: number) => Math.round((b / 2 ** 20) * 10) / 10;

/** What the former package held: dist/, runtime/, host.json and the production dependency tree. */
function formerPackageBytes(): number {
  const out = execFileSync("npm", ["ls", "--omit=dev", "--all", "--parseable"], {
    cwd: ROOT,
    encoding: "utf8",
  });
  const deps = out
    .split("\n")
    .filter((p) => p.includes(`${path.sep}node_modules${path.sep}`))
    // Nested packages are inside their parents' folders: count only top-most paths.
    .sort();
  const top: string[] = [];
  for (const d of deps) if (!top.some((t) => d.startsWith(t + path.sep))) top.push(d);
  return (
    top.reduce((s, d) => s + duBytes(d), 0) +
    duBytes(path.join(ROOT, "dist")) +
    duBytes(path.join(ROOT, "runtime")) +
    duBytes(path.join(ROOT, "host.json"))
  );
}

const LOADER = `
const t0 = process.cpuUsage();
const { loadApp } = require(process.argv[2]);
const quiet = { debug() {}, info() {}, warn() {}, error() {}, child() { return quiet; } };
const reg = loadApp(process.argv[3], { log: quiet });
const cpu = process.cpuUsage(t0);
const sample = { wallMs: performance.now(), cpuMs: (cpu.user + cpu.system) / 1000, functions: reg.functions.size };
const library = require("path").join(require("path").dirname(process.argv[3]), "core.js");
if (require("fs").existsSync(library)) {
  const [w1, c1] = [performance.now(), process.cpuUsage()];
  for (const evaluate of Object.values(require(library).modules)) evaluate();
  const c2 = process.cpuUsage(c1);
  sample.libraryWallMs = performance.now() - w1;
  sample.libraryCpuMs = (c2.user + c2.system) / 1000;
}
process.stdout.write(JSON.stringify(sample));
`;

interface Sample {
  wallMs: number;
  cpuMs: number;
  functions: number;
  /** Loading core.js and evaluating all of it, after registration (bundles that have one). */
  libraryWallMs?: number;
  libraryCpuMs?: number;
}

function loadOnce(loader: string, main: string): Sample {
  const r = spawnSync(process.execPath, [loader, path.join(ROOT, "dist/local/host/registry.js"), main], {
    encoding: "utf8",
    env: { ...process.env, NODE_OPTIONS: "" },
  });
  if (r.status !== 0) throw new Error(`loading ${main} failed: ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout) as Sample;
}

function summary(samples: Sample[]) {
  const wall = samples.map((s) => s.wallMs);
  const cpu = samples.map((s) => s.cpuMs);
  const libWall = samples.flatMap((s) => (s.libraryWallMs === undefined ? [] : [s.libraryWallMs]));
  const libCpu = samples.flatMap((s) => (s.libraryCpuMs === undefined ? [] : [s.libraryCpuMs]));
  return {
    functions: samples[0].functions,
    wallMsMedian: Math.round(percentile(wall, 50)),
    wallMsMin: Math.round(Math.min(...wall)),
    cpuMsMedian: Math.round(percentile(cpu, 50)),
    ...(libWall.length
      ? {
          firstUseOfLibraries: {
            wallMsMedian: Math.round(percentile(libWall, 50)),
            cpuMsMedian: Math.round(percentile(libCpu, 50)),
          },
        }
      : {}),
  };
}

function main(): void {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "cold-load-"));
  try {
    const pkg = path.join(work, "function-app");
    execFileSync(process.execPath, [path.join(ROOT, "scripts/bundle-function-app.mjs"), pkg], {
      stdio: "inherit",
    });
    const loader = path.join(work, "loader.js");
    fs.writeFileSync(loader, LOADER);
    const bare = spawnSync(process.execPath, ["-e", "process.stdout.write(String(performance.now()))"], {
      encoding: "utf8",
    });
    const variants: Record<string, string> = {
      dist: path.join(ROOT, "dist/functions/index.js"),
      bundle: path.join(pkg, "dist/functions/index.js"),
      ...(COMPARE ? { compare: path.resolve(COMPARE) } : {}),
    };
    const samples: Record<string, Sample[]> = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
    // Warm the file cache for each, so none pays the disk.
    for (const file of Object.values(variants)) loadOnce(loader, file);
    for (let i = 0; i < RUNS; i++) {
      for (const [name, file] of Object.entries(variants)) samples[name].push(loadOnce(loader, file));
    }
    const result = {
      runs: RUNS,
      loadAverage: os.loadavg().map((l) => Math.round(l * 10) / 10),
      bareNodeStartMs: Math.round(Number(bare.stdout)),
      dist: summary(samples.dist),
      bundle: summary(samples.bundle),
      ...(COMPARE
        ? {
            compare: { label: process.env.COLD_LOAD_COMPARE_LABEL ?? "compare", ...summary(samples.compare) },
          }
        : {}),
      packageMB: {
        former: mb(formerPackageBytes()),
        bundle: mb(duBytes(pkg)),
        bundleJs: mb(duBytes(path.join(pkg, "dist/functions/index.js"))),
        libraryJs: mb(duBytes(path.join(pkg, "dist/functions/core.js"))),
        sourceMap: mb(duBytes(path.join(pkg, "dist/functions/index.js.map"))),
      },
    };
    console.log(JSON.stringify(result, null, 2));
    recordResult("cold-load", result);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main();
