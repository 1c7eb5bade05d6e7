/**
 * Waking a claw that already runs: the VM needs no start, so the saga must not wait for a boot
 * newer than itself (none comes: it used to wait the boot timeout twice with the claw locked).
 * It verifies the claw and pins it awake for awakeHours, and the claw takes commands again.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTwinHarness, type TwinHarness } from "../../local/twin-harness";

describe("wake of a running claw on the twin", () => {
  let t: TwinHarness;
  beforeAll(async () => {
    t = await startTwinHarness();
  }, 120_000);
  afterAll(async () => t?.close());

  it("wakeClaw: a claw that already runs is verified and pinned, and ends without waiting for a boot", async () => {
    const spec = { name: "awake", region: "westus", vmSize: "Standard_D2s_v5", imageVersion: "1.0.0" };
    expect((await t.api("POST", "/v1/claws", spec)).status).toBe(201);
    const dep = await t.api<{ operationId: string }>("POST", "/v1/claws/awake/deploy");
    expect((await t.waitForOperation(dep.body.operationId)).status).toBe("succeeded");

    const wake = await t.api<{ operationId: string }>("POST", "/v1/claws/awake/wake", { awakeHours: 2 });
    expect(wake.status).toBe(202);
    // The boot timeout is 20 min, waited twice: a wake that waited for a new boot would still be
    // running long after this bound (generous: the machine may be busy).
    const done = await t.waitForOperation(wake.body.operationId, 300_000);
    expect(done, JSON.stringify(done)).toMatchObject({
      status: "succeeded",
      details: { alreadyRunning: true, awakeHours: 2 },
    });
    const steps = (done.steps as Array<{ name: string; detail?: string }>).map((s) => s.name);
    expect(steps).toEqual(expect.arrayContaining(["start", "wait-for-boot", "verify"]));
    const claw = await t.api<{ runningOperationId?: string; observed: { lastVerify?: { ok: boolean } } }>(
      "GET",
      "/v1/claws/awake",
    );
    expect(claw.body.runningOperationId).toBeUndefined();
    expect(claw.body.observed.lastVerify?.ok).toBe(true);
    // Pinned awake: pinnedUntil about two hours after the wake.
    const pinnedUntil = Date.parse(String((done.details as { pinnedUntil?: string }).pinnedUntil));
    expect(pinnedUntil - Date.parse(String(done.startedAt))).toBeGreaterThan(1.9 * 3_600_000);
  }, 600_000);
});
