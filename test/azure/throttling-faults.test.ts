import { afterEach, describe, expect, it } from "vitest";
import { manualClock } from "../../local/azure";
import { RG, SUB, clawVm, createDataDisk, createNic, startTwin, type Twin } from "./helpers";

let t: Twin | undefined;
afterEach(async () => {
  await t?.emulator.close();
  t = undefined;
});

const diskPath = (name: string) =>
  `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Compute/disks/${name}`;

async function armGet(path: string): Promise<Response> {
  return fetch(`${t!.emulator.url}${path}?api-version=2025-01-02`, {
    headers: { authorization: "Bearer x" },
  });
}

describe("throttling", () => {
  it("reads: an empty subscription read bucket answers 429 SubscriptionRequestsThrottled with Retry-After", async () => {
    const clock = manualClock();
    t = await startTwin({ clock, throttling: { arm: { reads: { capacity: 2, refillPerSecond: 0.5 } } } });
    expect((await armGet(diskPath("a"))).status).toBe(404);
    expect((await armGet(diskPath("a"))).status).toBe(404);
    const throttled = await armGet(diskPath("a"));
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get("retry-after")).toBe("2");
    expect(((await throttled.json()) as { error: { code: string } }).error.code).toBe(
      "SubscriptionRequestsThrottled",
    );
    clock.advance(2_000);
    expect((await armGet(diskPath("a"))).status).toBe(404);
  });

  it("Compute policy: a VM's LowCostGet bucket throttles with CRP's body and the SDK retries after Retry-After", async () => {
    t = await startTwin({
      throttling: {
        compute: {
          LowCostGet: {
            resource: { capacity: 1, refillPerSecond: 1 },
            subscription: { capacity: 100, refillPerSecond: 100 },
          },
        },
      },
    });
    await t.compute.virtualMachines.createOrUpdate(
      RG,
      "busy",
      clawVm(t, { nicId: await createNic(t, "busy") }),
    );
    t.emulator.requests.clear();
    await t.compute.virtualMachines.get(RG, "busy");
    await t.compute.virtualMachines.get(RG, "busy");
    const gets = t.emulator.requests.list("VirtualMachines_Get");
    expect(gets.map((g) => g.status)).toContain(429);
    expect(gets.find((g) => g.status === 429)?.errorCode).toBe("OperationNotAllowed");
    expect(gets[gets.length - 1].status).toBe(200);
  });
});

describe("fault injection", () => {
  it("failOperation: the VM create LRO ends Failed with the injected code and the VM shows Failed", async () => {
    t = await startTwin();
    const diskId = await createDataDisk(t, "f-data");
    const nicId = await createNic(t, "f");
    t.emulator.faults.add({
      operationId: "VirtualMachines_CreateOrUpdate",
      effect: { type: "failOperation", code: "AllocationFailed", message: "No capacity." },
    });
    await expect(
      t.compute.virtualMachines.createOrUpdate(RG, "f", clawVm(t, { nicId, diskId })),
    ).rejects.toThrow(/AllocationFailed/);
    const vm = await t.compute.virtualMachines.get(RG, "f");
    expect(vm.provisioningState).toBe("Failed");
    // Like Azure, the failed VM still holds its disk until it is deleted.
    expect((await t.compute.disks.get(RG, "f-data")).managedBy).toBe(vm.id);
    await t.compute.virtualMachines.delete(RG, "f");
    expect((await t.compute.disks.get(RG, "f-data")).diskState).toBe("Unattached");
  });

  it("failOperation: submitting a failed VM's model again provisions it (running)", async () => {
    t = await startTwin();
    const nicId = await createNic(t, "g");
    t.emulator.faults.add({
      operationId: "VirtualMachines_CreateOrUpdate",
      effect: { type: "failOperation", code: "OSProvisioningTimedOut" },
    });
    await expect(t.compute.virtualMachines.createOrUpdate(RG, "g", clawVm(t, { nicId }))).rejects.toThrow(
      /OSProvisioningTimedOut/,
    );
    const vm = await t.compute.virtualMachines.createOrUpdate(RG, "g", clawVm(t, { nicId }));
    expect(vm.provisioningState).toBe("Succeeded");
    const view = await t.compute.virtualMachines.instanceView(RG, "g");
    expect(view.statuses?.map((s) => s.code)).toContain("PowerState/running");
  });

  it("error: a 503 fires once and the SDK's retry gets through", async () => {
    t = await startTwin();
    await createDataDisk(t, "r-data");
    t.emulator.requests.clear();
    t.emulator.faults.add({
      operationId: "Disks_Get",
      effect: { type: "error", status: 503, code: "ServiceUnavailable", retryAfterSeconds: 0 },
    });
    expect((await t.compute.disks.get(RG, "r-data")).name).toBe("r-data");
    expect(t.emulator.requests.list("Disks_Get").map((r) => [r.status, r.fault])).toEqual([
      [503, "error"],
      [200, undefined],
    ]);
  });

  it("skip/times: a rule lets the first N requests through, then fires the given number of times", async () => {
    t = await startTwin({ requireAuth: false });
    const id = t.emulator.faults.add({
      pathIncludes: "/disks/z",
      skip: 1,
      times: 2,
      effect: { type: "error", status: 500, code: "InternalServerError" },
    });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await armGet(diskPath("z"))).status);
    expect(statuses).toEqual([404, 500, 500, 404]);
    expect(t.emulator.faults.list().find((f) => f.id === id)?.fired).toBe(2);
  });

  it("admin API: fault rules can be added over HTTP and the request log read back", async () => {
    t = await startTwin();
    const added = await fetch(`${t.emulator.url}/_emulator/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        operationId: "Disks_Get",
        effect: { type: "error", status: 409, code: "Conflict" },
      }),
    });
    expect(added.status).toBe(201);
    await expect(t.compute.disks.get(RG, "nope")).rejects.toMatchObject({
      statusCode: 409,
      code: "Conflict",
    });
    const log = (await (
      await fetch(`${t.emulator.url}/_emulator/requests?operationId=Disks_Get`)
    ).json()) as { value: { status: number }[] };
    expect(log.value.map((e) => e.status)).toEqual([409]);
  });
});
