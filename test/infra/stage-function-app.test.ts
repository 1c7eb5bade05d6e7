import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { REPO_ROOT } from "./bicep-text";

const run = promisify(execFile);
const SCRIPT = path.join(REPO_ROOT, "scripts/stage-function-app.sh");
let root: string;

function write(rel: string, content = "{}\n") {
  mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  writeFileSync(path.join(root, rel), content);
}

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), "stage-"));
  write("dist/functions/index.js", "module.exports = {};\n");
  write("host.json");
  write("package.json", '{"name":"x","main":"dist/functions/index.js"}\n');
  write("package-lock.json");
  write("runtime/lifecycle/boot.sh", "#!/usr/bin/env bash\n");
  write("test/unit/a.test.ts", "");
  write("local/azure/x.ts", "");
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const stage = (...args: string[]) =>
  run("bash", [SCRIPT, ...args], { env: { PATH: process.env.PATH ?? "", OPENCLAWPS_ROOT: root } });

describe("stage-function-app.sh", () => {
  it("stage: copies the app's runtime files and nothing of the tests or the twin", async () => {
    await stage(".deploy/function-app", "--skip-install");
    const out = path.join(root, ".deploy/function-app");
    expect(readdirSync(out).sort()).toEqual([
      "dist",
      "host.json",
      "package-lock.json",
      "package.json",
      "runtime",
    ]);
    expect(existsSync(path.join(out, "dist/functions/index.js"))).toBe(true);
    expect(existsSync(path.join(out, "runtime/lifecycle/boot.sh"))).toBe(true);
  });

  it("stage: replaces a previous package instead of merging into it", async () => {
    write(".deploy/function-app/stale.js", "");
    await stage(".deploy/function-app", "--skip-install");
    expect(existsSync(path.join(root, ".deploy/function-app/stale.js"))).toBe(false);
  });

  it("stage: refuses to run before the app is built", async () => {
    rmSync(path.join(root, "dist"), { recursive: true });
    const error = (await stage(".deploy/function-app", "--skip-install").catch((e: unknown) => e)) as {
      code?: number;
      stderr?: string;
    };
    expect(error.code).toBe(1);
    expect(error.stderr).toContain("npm run build");
  });

  it("shellcheck: scripts/ is clean", async () => {
    const scripts = readdirSync(path.join(REPO_ROOT, "scripts"))
      .filter((f) => f.endsWith(".sh"))
      .map((f) => path.join(REPO_ROOT, "scripts", f));
    expect(scripts.length).toBeGreaterThan(0);
    await expect(run("shellcheck", scripts)).resolves.toBeDefined();
  });
});
