import { execFile } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "./bicep-text";

const run = promisify(execFile);
const WORKFLOWS_DIR = path.join(REPO_ROOT, ".github/workflows");
const FILES = readdirSync(WORKFLOWS_DIR).filter((f) => /\.ya?ml$/.test(f));
const text = (file: string) => readFileSync(path.join(WORKFLOWS_DIR, file), "utf8");

// Commit SHAs read from each action's own repository (tag -> commit), not copied from third parties.
const PINNED: Record<string, { sha: string; tag: string }> = {
  "actions/checkout": { sha: "de0fac2e4500dabe0009e67214ff5f5447ce83dd", tag: "v6.0.2" },
  "actions/setup-node": { sha: "48b55a011bda9f5d6aeb4c2d9c7362e8dae4041e", tag: "v6.4.0" },
  "azure/login": { sha: "f5d393ae46f8fde4be8b75f32e3fc50e654ad0ca", tag: "v3.0.1" },
  "hashicorp/setup-packer": { sha: "1aa358be5cf73883762b302a3a03abd66e75b232", tag: "v3.1.0" },
  "azure/functions-action": { sha: "c5060b3b8bb1ebbcb531abd00c822ecbaa8ea656", tag: "v1.5.7" },
};

/** The script text of every `run:` step (block or single line). */
function runScripts(yaml: string): string[] {
  const lines = yaml.split("\n");
  const scripts: string[] = [];
  lines.forEach((line, i) => {
    const m = /^(\s*)(?:- )?run:\s*(.*)$/.exec(line);
    if (!m) return;
    if (!/^[|>]/.test(m[2])) {
      scripts.push(m[2]);
      return;
    }
    const indent = m[1].length;
    const body: string[] = [];
    for (let j = i + 1; j < lines.length; j++) {
      if (lines[j].trim() !== "" && lines[j].search(/\S/) <= indent) break;
      body.push(lines[j]);
    }
    scripts.push(body.join("\n"));
  });
  return scripts;
}

/** The lines of one job (from `  <name>:` to the next job at the same indent). */
function job(yaml: string, name: string): string {
  const start = yaml.indexOf(`\n  ${name}:\n`);
  if (start < 0) throw new Error(`no job ${name}`);
  const rest = yaml.slice(start + 1);
  const next = rest.slice(1).search(/\n {2}[\w-]+:\n/);
  return next < 0 ? rest : rest.slice(0, next + 1);
}

describe("GitHub workflows", () => {
  it("workflows: ci, bake-image and deploy exist", () => {
    expect(FILES.sort()).toEqual(["bake-image.yml", "ci.yml", "deploy.yml"]);
  });

  it("schema: every workflow passes action-validator (GitHub's workflow schema)", async () => {
    const validator = path.join(REPO_ROOT, "node_modules/@action-validator/cli/cli.mjs");
    const results = await Promise.all(
      FILES.map((file) =>
        run(process.execPath, [validator, path.join(WORKFLOWS_DIR, file)], {
          cwd: REPO_ROOT,
          timeout: 20_000,
        }).then(
          () => ({ file, ok: true, detail: "" }),
          (e: { stdout?: string }) => ({ file, ok: false, detail: e.stdout ?? String(e) }),
        ),
      ),
    );
    expect(results.filter((r) => !r.ok)).toEqual([]);
  });

  it("pinning: every action is pinned to a full commit SHA from the verified list, with its tag", () => {
    for (const file of FILES) {
      for (const [, action, ref, comment] of text(file).matchAll(/uses:\s*([\w.-]+\/[\w.-]+)@(\S+)(.*)$/gm)) {
        const pin = PINNED[action.toLowerCase()];
        expect(pin, `${file}: ${action} is not in the verified list`).toBeDefined();
        expect(ref, `${file}: ${action}`).toBe(pin?.sha);
        expect(comment.trim(), `${file}: ${action}`).toBe(`# ${pin?.tag}`);
      }
    }
  });

  it("permissions: read-only by default; an OIDC token only in jobs that log in to Azure", () => {
    for (const file of FILES) {
      const yaml = text(file);
      expect(yaml, file).toMatch(/^permissions:\n {2}contents: read\n/m);
      expect(yaml, file).not.toMatch(/write-all|pull_request_target/);
      const oidcJobs = (yaml.match(/id-token: write/g) ?? []).length;
      const logins = (yaml.match(/uses: azure\/login@/g) ?? []).length;
      expect(oidcJobs, file).toBe(logins);
      // No long-lived cloud credentials: OIDC client id only, never a client secret or creds JSON.
      expect(yaml, file).not.toMatch(/AZURE_CREDENTIALS|client-secret|creds:/);
    }
  });

  it("injection: run scripts never splice inputs or event data; they go through env", () => {
    for (const file of FILES) {
      for (const script of runScripts(text(file))) {
        expect(script, file).not.toMatch(/\$\{\{\s*(inputs\.|github\.event\.|secrets\.)/);
      }
    }
  });

  it("ci: runs npm ci, lint, type-check, npm test, ShellCheck, bats, bicep build + lint, packer init + validate", () => {
    const scripts = runScripts(text("ci.yml")).join("\n");
    for (const step of [
      "npm ci",
      "npm run lint",
      "npm run typecheck",
      "npm test",
      "shellcheck",
      "bats",
      "az bicep build",
      "az bicep lint",
      "packer init",
      "packer validate",
    ]) {
      expect(scripts, step).toContain(step);
    }
    expect(text("ci.yml")).toMatch(/pull_request:/);
    expect(text("ci.yml")).toMatch(/push:/);
  });

  it("deploy: tests first, then deploys behind the production environment with OIDC", () => {
    const yaml = text("deploy.yml");
    const deploy = job(yaml, "deploy");
    expect(deploy).toMatch(/needs: test/);
    expect(deploy).toMatch(/environment:\n\s+name: production/);
    expect(deploy).toMatch(/id-token: write/);
    expect(deploy).toMatch(/sku: flexconsumption/);
    expect(runScripts(deploy).join("\n")).toContain("scripts/stage-function-app.sh .deploy/function-app");
    expect(runScripts(job(yaml, "test")).join("\n")).toContain("npm test");
  });

  it("bake: triggers on packer/ and the desktop layer, or by hand with a version", () => {
    const yaml = text("bake-image.yml");
    expect(yaml).toContain('- "packer/**"');
    expect(yaml).toContain('- "runtime/install/desktop/**"');
    expect(yaml).toMatch(/workflow_dispatch:\n\s+inputs:\n\s+image_version:/);
    expect(runScripts(yaml).join("\n")).toMatch(/packer build/);
  });

  it("bake: passes every Packer variable the template requires, and only declared ones", () => {
    const packerDir = path.join(REPO_ROOT, "packer");
    if (!existsSync(packerDir)) return;
    const hcl = readdirSync(packerDir)
      .filter((f) => f.endsWith(".pkr.hcl"))
      .map((f) => readFileSync(path.join(packerDir, f), "utf8"))
      .join("\n");
    const variables = [...hcl.matchAll(/^variable "(\w+)" \{([\s\S]*?)^\}/gm)].map((m) => ({
      name: m[1],
      required: !/^\s+default\s*=/m.test(m[2]),
    }));
    expect(variables.length).toBeGreaterThan(0);
    const bake = [...text("bake-image.yml").matchAll(/PKR_VAR_(\w+):/g)].map((m) => m[1]);
    const ci = [...text("ci.yml").matchAll(/-var (\w+)=/g)].map((m) => m[1]);
    for (const [where, passed] of [
      ["bake-image.yml", bake],
      ["ci.yml", ci],
    ] as const) {
      expect(
        passed.filter((p) => !variables.some((v) => v.name === p)),
        `${where}: undeclared`,
      ).toEqual([]);
      expect(
        variables.filter((v) => v.required && !passed.includes(v.name)).map((v) => v.name),
        `${where}: missing`,
      ).toEqual([]);
    }
  });

  it("bake: calls the signing script with the flags it accepts and the secret from secrets", async () => {
    const yaml = text("bake-image.yml");
    const script = runScripts(yaml).find((s) => s.includes("scripts/sign-bake-webhook.mjs"));
    expect(script).toBeDefined();
    expect(yaml).toMatch(/BAKE_WEBHOOK_SECRET: \$\{\{ secrets\.BAKE_WEBHOOK_SECRET \}\}/);
    // Run the workflow's own command line (with --dry-run) to prove the flags and date format parse.
    const env = {
      PATH: process.env.PATH ?? "",
      BAKE_WEBHOOK_SECRET: "workflow-test-secret",
      IMAGE_VERSION: "1.42.0",
      GALLERY_IMAGE_ID:
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/i/versions/1.42.0",
      GIT_SHA: "0123456789abcdef0123456789abcdef01234567",
    };
    const command = (script ?? "").replace(/\\\n\s*/g, " ").trim() + " --dry-run";
    const { stdout } = await run("bash", ["-euo", "pipefail", "-c", command], { cwd: REPO_ROOT, env });
    const out = JSON.parse(stdout) as { body: string };
    expect(JSON.parse(out.body)).toMatchObject({ imageVersion: "1.42.0", gitSha: env.GIT_SHA });
  });

  it("bake: the version step accepts x.y.z and refuses anything else", async () => {
    const script = runScripts(text("bake-image.yml")).find((s) => s.includes("image_version="));
    expect(script).toBeDefined();
    const attempt = (requested: string) =>
      run("bash", ["-euo", "pipefail", "-c", script ?? ""], {
        env: {
          PATH: process.env.PATH ?? "",
          REQUESTED: requested,
          RUN_NUMBER: "17",
          MAJOR: "1",
          GITHUB_OUTPUT: "/dev/null",
          AZURE_SUBSCRIPTION_ID: "sub",
          GALLERY_RESOURCE_GROUP: "rg",
          GALLERY_NAME: "g",
          GALLERY_IMAGE_NAME: "i",
        },
      }).then(
        () => "ok",
        () => "refused",
      );
    expect(await attempt("2.0.1")).toBe("ok");
    expect(await attempt("")).toBe("ok"); // push: 1.<run number>.0
    expect(await attempt("2.0")).toBe("refused");
    expect(await attempt("1.0.0; curl evil")).toBe("refused");
  });
});
