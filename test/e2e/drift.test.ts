/**
 * Drift reconcile on the twin (issue 6): a claw deployed through the API, its VM deleted straight
 * through ARM (not through the control plane), then the reconcileDrift saga started through the dev
 * host's Durable HTTP API (the hourly timer starts the same orchestration). The drift is recorded in
 * Operations and Audit, and the reconcile sends nothing but reads to ARM.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAzureGatewayFromConfig } from "../../core/azure";
import { createStateStore } from "../../core/state";
import { startTwinHarness, type TwinHarness } from "../../local/twin-harness";

const spec = { name: "drifty", region: "westus", vmSize: "Standard_D2s_v5", imageVersion: "1.0.0" };

interface DriftOutput {
  checked: number;
  findings: { claw: string; kind: string; expected: string; actual: string }[];
  errors: string[];
  operationId?: string;
}

describe("drift reconcile on the twin", () => {
  let t: TwinHarness;
  beforeAll(async () => {
    t = await startTwinHarness();
  }, 120_000);
  afterAll(async () => t?.close());

  /** Starts reconcileDrift as the timer would, waits for it and returns its output. */
  async function reconcile(): Promise<DriftOutput> {
    const code = encodeURIComponent(t.apiKey);
    const base = `${t.url}/runtime/webhooks/durabletask`;
    const started = await fetch(`${base}/orchestrators/reconcileDrift?code=${code}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ checkedAt: new Date().toISOString() }),
    });
    expect(started.status).toBe(202);
    const { id } = (await started.json()) as { id: string };
    const until = Date.now() + 30_000;
    for (;;) {
      const res = await fetch(`${base}/instances/${encodeURIComponent(id)}?code=${code}`);
      const s = (await res.json()) as { runtimeStatus?: string; output?: unknown };
      if (s.runtimeStatus === "Completed") return s.output as DriftOutput;
      if (s.runtimeStatus === "Failed" || Date.now() > until)
        throw new Error(`reconcileDrift ${id}: ${JSON.stringify(s)}\n${t.logs.slice(-30).join("\n")}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  it("reconcileDrift: a VM deleted behind the control plane's back is recorded as drift, Azure untouched", async () => {
    expect((await t.api("POST", "/v1/claws", spec)).status).toBe(201);
    const dep = await t.api<{ operationId: string }>("POST", `/v1/claws/${spec.name}/deploy`);
    expect(dep.status, JSON.stringify(dep.body)).toBe(202);
    const deployed = await t.waitForOperation(dep.body.operationId);
    expect(deployed.status, JSON.stringify(deployed)).toBe("succeeded");

    // In step with Azure: nothing to report, nothing recorded.
    const clean = await reconcile();
    expect(clean).toMatchObject({ checked: 1, findings: [], errors: [] });
    expect(clean.operationId).toBeUndefined();

    // Someone deletes the VM in the portal: straight through ARM, the Claws table never hears of it.
    const gateway = createAzureGatewayFromConfig(t.env);
    await gateway.deleteVm(spec.name);
    expect(await gateway.getVm(spec.name)).toBeUndefined();
    const before = t.twin.emulator.requests.list().length;

    const drift = await reconcile();
    expect(drift.findings).toEqual([
      { claw: spec.name, kind: "vm-missing", expected: "VM running", actual: "no VM" },
    ]);
    expect(drift.operationId).toBeTruthy();

    // Recorded: an Operations row with the findings, an Audit entry naming the claw.
    const op = await t.api<{ kind: string; status: string; details: { findings: unknown[] } }>(
      "GET",
      `/v1/operations/${drift.operationId}`,
    );
    expect(op.status).toBe(200);
    expect(op.body).toMatchObject({ kind: "drift-reconcile", status: "succeeded" });
    expect(op.body.details.findings).toEqual(drift.findings);
    const audit = await createStateStore(t.env.AzureWebJobsStorage).audit.list();
    expect(audit.filter((a) => a.kind === "drift")).toMatchObject([
      { claw: spec.name, accepted: true, operationId: drift.operationId },
    ]);

    // Reported, never repaired: the reconcile only read from ARM, and the claw's row is as it was.
    const during = t.twin.emulator.requests.list().slice(before);
    expect(during.length).toBeGreaterThan(0);
    expect(during.filter((r) => r.method !== "GET")).toEqual([]);
    expect(await gateway.getVm(spec.name)).toBeUndefined();
    const claw = await t.api<{ observed: { powerState?: string } }>("GET", `/v1/claws/${spec.name}`);
    expect(claw.body.observed.powerState).toBe("running");
  }, 120_000);
});
