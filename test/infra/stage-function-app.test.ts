import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadApp } from "../../local/host/registry";
import { createLogger } from "../../local/host/log";
import { REPO_ROOT } from "./bicep-text";

const run = promisify(execFile);
const SCRIPT = path.join(REPO_ROOT, "scripts/stage-function-app.sh");
// Outside the repository, so nothing in the package can resolve from the repo's node_modules.
let work: string;
let pkg: string;

function bytes(p: string): number {
  const st = statSync(p);
  return st.isDirectory() ? readdirSync(p).reduce((s, e) => s + bytes(path.join(p, e)), 0) : st.size;
}

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), "stage-"));
  pkg = path.join(work, "function-app");
  await run("bash", [SCRIPT, pkg], { env: { PATH: process.env.PATH ?? "" } });
}, 120_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("stage-function-app.sh", () => {
  it("stage: ships the bundle, host.json, a dependency-free package.json and runtime/, nothing else", () => {
    expect(readdirSync(pkg).sort()).toEqual(["dist", "host.json", "package.json", "runtime"]);
    expect(readdirSync(path.join(pkg, "dist"))).toEqual(["functions"]);
    const manifest = JSON.parse(readFileSync(path.join(pkg, "package.json"), "utf8")) as Record<
      string,
      unknown
    >;
    expect(manifest.main).toBe("dist/functions/index.js");
    expect(manifest.dependencies).toBeUndefined();
    expect(existsSync(path.join(pkg, "node_modules"))).toBe(false);
    expect(existsSync(path.join(pkg, "runtime/lifecycle/boot.sh"))).toBe(true);
    expect(readFileSync(path.join(pkg, "host.json"), "utf8")).toBe(
      readFileSync(path.join(REPO_ROOT, "host.json"), "utf8"),
    );
  });

  it("stage: the package is under 25 MB unpacked and carries no twin code", () => {
    expect(bytes(pkg)).toBeLessThan(25 * 2 ** 20);
    // The source maps list every module the bundle (registration) and its library chunk hold:
    // none of the twin, tests or benches.
    const mapDir = path.join(pkg, "dist/functions");
    const sources = (file: string) =>
      (JSON.parse(readFileSync(path.join(mapDir, file), "utf8")) as { sources: string[] }).sources
        .filter((s) => !s.includes("node_modules/") && !s.includes("://"))
        .map((s) => path.relative(REPO_ROOT, path.resolve(mapDir, s)));
    const registration = sources("index.js.map");
    const library = sources("core.js.map");
    const ours = [...registration, ...library];
    expect(ours.length).toBeGreaterThan(50);
    expect(ours.filter((s) => /^(local|test|bench)\//.test(s))).toEqual([]);
    expect(registration.some((s) => s.startsWith("functions/"))).toBe(true);
    // core/ is only in its chunk, so each of its modules exists once.
    expect(registration.filter((s) => s.startsWith("core/"))).toEqual([]);
    expect(library.some((s) => s.startsWith("core/"))).toBe(true);
  });

  it("stage: the bundle registers every function the compiled app registers, outside the repo", () => {
    const quiet = createLogger({ level: "error", sink: () => undefined });
    const fromBundle = loadApp(path.join(pkg, "dist/functions/index.js"), { log: quiet });
    const fromDist = loadApp(path.join(REPO_ROOT, "dist/functions/index.js"), { log: quiet });
    expect([...fromBundle.functions.keys()].sort()).toEqual([...fromDist.functions.keys()].sort());
    expect(fromBundle.functions.size).toBeGreaterThan(20);
    // Packages most invocations never need stay in their lazy chunks at load time, and the app's
    // libraries (core.js) too: registration reads nothing from them.
    const loaded = Object.keys(require.cache).filter((k) => k.startsWith(pkg));
    expect(loaded.filter((k) => k.endsWith(".chunk.js") || k.endsWith("core.js"))).toEqual([]);
  });

  it("stage: refuses to stage into the repository root", async () => {
    const error = (await run("bash", [SCRIPT, "."]).catch((e: unknown) => e)) as {
      code?: number;
      stderr?: string;
    };
    expect(error.code).toBe(2);
    expect(error.stderr).toContain("refusing");
  });

  it("shellcheck: scripts/ is clean", async () => {
    const scripts = readdirSync(path.join(REPO_ROOT, "scripts"))
      .filter((f) => f.endsWith(".sh"))
      .map((f) => path.join(REPO_ROOT, "scripts", f));
    expect(scripts.length).toBeGreaterThan(0);
    await expect(run("shellcheck", scripts)).resolves.toBeDefined();
  });
});
