/**
 * The deployment package on the twin: the dev host loads the staged bundle (copied outside the
 * repository, so no module can come from the repo's node_modules) and a claw is deployed and
 * verified through it — ARM through the lazily loaded SDK chunks, the guest over SSH through the
 * lazily loaded ssh2 — and the readiness probe answers 200.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTwinHarness, type TwinHarness } from "../../local/twin-harness";

const ROOT = path.resolve(__dirname, "../..");

describe("the staged package on the twin", () => {
  let t: TwinHarness;
  let work: string;
  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), "package-e2e-"));
    execFileSync("bash", [path.join(ROOT, "scripts/stage-function-app.sh"), path.join(work, "function-app")]);
    t = await startTwinHarness({ app: path.join(work, "function-app/dist/functions/index.js") });
  }, 180_000);
  afterAll(async () => {
    await t?.close();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it("package: the bundle deploys and verifies a claw, and is ready", async () => {
    expect(t.logs.some((l) => l.includes("function-app/dist/functions/index.js"))).toBe(true);
    const created = await t.api("POST", "/v1/claws", {
      name: "bundled",
      region: "westus",
      vmSize: "Standard_D2s_v5",
      imageVersion: "1.0.0",
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const started = await t.api<{ operationId: string }>("POST", "/v1/claws/bundled/deploy");
    expect(started.status).toBe(202);
    const op = await t.waitForOperation(started.body.operationId);
    expect(op.status, JSON.stringify(op)).toBe("succeeded");
    const claw = (await t.api<{ observed: Record<string, unknown> }>("GET", "/v1/claws/bundled")).body;
    expect(claw.observed.lastVerify).toMatchObject({ ok: true });

    const ready = await t.api<{ status: string; checks: { name: string; ok: boolean }[] }>(
      "GET",
      "/v1/health/ready",
    );
    expect(ready.status, JSON.stringify(ready.body)).toBe(200);
    expect(ready.body.checks.map((c) => c.name)).toContain("arm.fleetResourceGroup");
  }, 180_000);
});
