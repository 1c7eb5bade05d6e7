/**
 * Kill the dev host in the middle of an upgrade (SIGKILL, while the standby VM's PUT is in flight),
 * start it again: the saga resumes from its history in Azurite and finishes; the disk is attached
 * to exactly one VM and the record is truthful.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTwinHarness, type TwinHarness } from "../../local/twin-harness";

describe("dev host crash during an upgrade", () => {
  let t: TwinHarness;
  beforeAll(async () => {
    t = await startTwinHarness();
  }, 120_000);
  afterAll(async () => t?.close());

  it("upgradeClaw: a host killed mid-saga resumes on restart and completes", async () => {
    expect(
      (
        await t.api("POST", "/v1/claws", {
          name: "bob",
          region: "westus",
          vmSize: "Standard_D2s_v5",
          imageVersion: "1.0.0",
        })
      ).status,
    ).toBe(201);
    const dep = await t.api<{ operationId: string }>("POST", "/v1/claws/bob/deploy");
    expect((await t.waitForOperation(dep.body.operationId)).status).toBe("succeeded");

    // Hold the standby VM's PUT for a few seconds so the kill lands inside that step.
    t.twin.emulator.faults.add({
      operationId: "VirtualMachines_CreateOrUpdate",
      pathIncludes: "/virtualMachines/bob-v",
      effect: { type: "delay", ms: 4_000 },
      times: 1,
    });
    const up = await t.api<{ operationId: string }>("POST", "/v1/claws/bob/upgrade", { toVersion: "1.1.0" });
    expect(up.status).toBe(202);
    const until = Date.now() + 30_000;
    for (;;) {
      const op = await t.api<{ steps: Array<{ name: string }> }>(
        "GET",
        `/v1/operations/${up.body.operationId}`,
      );
      // The standby VM's PUT (handoff, the default strategy).
      if (op.body.steps?.some((s) => /^create-standby/.test(s.name))) break;
      if (Date.now() > until) throw new Error("upgrade never reached its VM PUT");
      await new Promise((r) => setTimeout(r, 100));
    }
    await t.killHost();
    await t.startHost();

    const done = await t.waitForOperation(up.body.operationId, 120_000);
    expect(done.status, JSON.stringify(done)).toBe("succeeded");
    const claw = await t.api<{ observed: Record<string, unknown> }>("GET", "/v1/claws/bob");
    expect(claw.body.observed.imageVersion).toBe("1.1.0");
    expect(claw.body.observed.lastVerify).toMatchObject({ ok: true });
    const disks = t.twin.emulator.context.store
      .list<Record<string, unknown>>("Microsoft.Compute/disks")
      .filter((d) => d.body.name === "bob-data");
    expect(disks).toHaveLength(1);
    const vms = t.twin.emulator.context.store
      .list("Microsoft.Compute/virtualMachines")
      .filter((v) => String(v.body.name).startsWith("bob"));
    expect(vms).toHaveLength(1);
    expect(vms[0].body.name).toBe(claw.body.observed.vmName);
    expect(JSON.stringify(vms[0].body)).toContain("bob-data");
  }, 240_000);
});
