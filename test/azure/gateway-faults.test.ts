import { afterEach, describe, expect, it } from "vitest";
import { ClawError } from "../../core/errors";
import { manualClock, type FaultRule } from "../../local/azure";
import {
  LOCATION,
  clawNetworkAndDisk,
  startGatewayTwin,
  type GatewayTwin,
  type GatewayTwinOptions,
} from "./gateway-twin";

let t: GatewayTwin | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function twin(o: GatewayTwinOptions = {}): Promise<GatewayTwin> {
  t = await startGatewayTwin(o);
  return t;
}

async function caught(p: Promise<unknown>): Promise<ClawError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ClawError);
  return e as ClawError;
}

function fault(t: GatewayTwin, rule: FaultRule): void {
  t.emulator.faults.add(rule);
}

const statuses = (t: GatewayTwin, op: string) => t.calls(op).map((r) => r.status);

describe("azure gateway: throttling and faults", () => {
  it("retry: a 429 burst with Retry-After is waited out and the call succeeds", async () => {
    const t = await twin();
    fault(t, {
      operationId: "Disks_CreateOrUpdate",
      times: 3,
      effect: { type: "error", status: 429, code: "TooManyRequests", retryAfterSeconds: 7 },
    });
    const d = await t.gateway.ensureDataDisk({ claw: "alice", location: LOCATION, sizeGb: 64 });
    expect(d.created).toBe(true);
    expect(statuses(t, "Disks_CreateOrUpdate")).toEqual([429, 429, 429, 202]);
    expect(t.sleeps).toEqual([7000, 7000, 7000]);
  });

  it("retry: a 429 without Retry-After backs off exponentially with jitter", async () => {
    const t = await twin();
    fault(t, {
      operationId: "PublicIPAddresses_CreateOrUpdate",
      times: 2,
      effect: { type: "error", status: 429, code: "RetryableErrorDueToAnotherOperation" },
    });
    await t.gateway.ensurePublicIp({ claw: "alice", location: LOCATION });
    expect(t.sleeps).toHaveLength(2);
    // base 100 ms: first retry waits 50..100 ms, the second 100..200 ms.
    expect(t.sleeps[0]).toBeGreaterThanOrEqual(50);
    expect(t.sleeps[0]).toBeLessThanOrEqual(100);
    expect(t.sleeps[1]).toBeGreaterThanOrEqual(100);
    expect(t.sleeps[1]).toBeLessThanOrEqual(200);
  });

  it("retry: a Retry-After beyond maxDelayMs is not waited in-process (AZURE_THROTTLED, retryable)", async () => {
    const t = await twin();
    fault(t, {
      operationId: "Disks_Get",
      times: 0,
      effect: { type: "error", status: 429, code: "TooManyRequests", retryAfterSeconds: 1200 },
    });
    const e = await caught(t.gateway.getDisk("alice-data"));
    expect(e.code).toBe("AZURE_THROTTLED");
    expect(e.retryable).toBe(true);
    expect(e.details).toMatchObject({ status: 429, retryAfterMs: 1_200_000 });
    expect(t.calls("Disks_Get")).toHaveLength(1);
    expect(t.sleeps).toEqual([]);
  });

  it("retry: a persistent 500 fails with AZURE_ERROR, retryable, after the configured attempts", async () => {
    const t = await twin();
    const net = await clawNetworkAndDisk(t, "alice");
    await t.gateway.createVm(t.vmSpec("alice", net));
    fault(t, {
      operationId: "VirtualMachines_Deallocate",
      times: 0,
      effect: { type: "error", status: 500, code: "InternalServerError" },
    });
    const e = await caught(t.gateway.deallocateVm("alice"));
    expect(e.code).toBe("AZURE_ERROR");
    expect(e.retryable).toBe(true);
    expect(e.details).toMatchObject({
      status: 500,
      armCode: "InternalServerError",
      operation: "deallocateVm",
    });
    expect(statuses(t, "VirtualMachines_Deallocate")).toEqual([500, 500, 500, 500]);
    expect(t.sleeps).toHaveLength(3);
    expect((await t.gateway.getVm("alice"))?.powerState).toBe("running");
  });

  it("retry: 5xx on the operation's polls is retried in place, without a second request", async () => {
    const t = await twin();
    const net = await clawNetworkAndDisk(t, "alice");
    await t.gateway.createVm(t.vmSpec("alice", net));
    await t.gateway.deallocateVm("alice");
    fault(t, {
      operationId: "Compute_GetOperation",
      times: 2,
      effect: { type: "error", status: 503, code: "ServiceUnavailable", retryAfterSeconds: 1 },
    });
    await t.gateway.startVm("alice");
    expect(t.calls("VirtualMachines_Start")).toHaveLength(1);
    expect(statuses(t, "Compute_GetOperation").filter((s) => s === 503)).toHaveLength(2);
    expect(t.sleeps).toEqual([1000, 1000]);
    expect((await t.gateway.getVm("alice"))?.powerState).toBe("running");
  });

  it("retry: a dropped connection is retried", async () => {
    const t = await twin();
    fault(t, { operationId: "Disks_Get", times: 1, effect: { type: "reset" } });
    expect(await t.gateway.getDisk("alice-data")).toBeUndefined();
    expect(t.sleeps).toHaveLength(1);
  });

  it("lro: an operation that ends Failed with InternalExecutionError is submitted again", async () => {
    const t = await twin();
    const net = await clawNetworkAndDisk(t, "alice");
    await t.gateway.createVm(t.vmSpec("alice", net));
    await t.gateway.deallocateVm("alice");
    fault(t, {
      operationId: "VirtualMachines_Start",
      times: 1,
      effect: { type: "failOperation", code: "InternalExecutionError", message: "Boom." },
    });
    await t.gateway.startVm("alice");
    expect(t.calls("VirtualMachines_Start")).toHaveLength(2);
    expect((await t.gateway.getVm("alice"))?.powerState).toBe("running");
  });

  it("lro: a failed attach (ConflictingUserInput) is DISK_ATTACHED_ELSEWHERE and never submitted again", async () => {
    const t = await twin();
    const net = await clawNetworkAndDisk(t, "alice");
    fault(t, {
      operationId: "VirtualMachines_CreateOrUpdate",
      times: 0,
      effect: {
        type: "failOperation",
        code: "ConflictingUserInput",
        message: "Cannot attach the disk alice-data to VM alice because it is already attached to VM other.",
      },
    });
    const e = await caught(t.gateway.createVm(t.vmSpec("alice", net)));
    expect(e.code).toBe("DISK_ATTACHED_ELSEWHERE");
    expect(e.retryable).toBe(false);
    expect(e.details).toMatchObject({ armCode: "ConflictingUserInput", lroFailed: true });
    expect(t.calls("VirtualMachines_CreateOrUpdate").filter((r) => r.method === "PUT")).toHaveLength(1);
  });

  it("createVm: a 409 ConflictingUserInput from the PUT itself is DISK_ATTACHED_ELSEWHERE, sent once", async () => {
    const t = await twin();
    const net = await clawNetworkAndDisk(t, "alice");
    fault(t, {
      operationId: "VirtualMachines_CreateOrUpdate",
      times: 0,
      effect: {
        type: "error",
        status: 409,
        code: "ConflictingUserInput",
        message: "Disk is attached to VM other.",
      },
    });
    const e = await caught(t.gateway.createVm(t.vmSpec("alice", net)));
    expect([e.code, e.retryable]).toEqual(["DISK_ATTACHED_ELSEWHERE", false]);
    expect(t.calls("VirtualMachines_CreateOrUpdate")).toHaveLength(1);
  });

  it("createVm: after a create that timed out, a retry waits on the VM and never PUTs twice", async () => {
    const t = await twin();
    const short = t.gatewayWith({ timeouts: { requestMs: 5_000, lroMs: 300 } });
    const net = await clawNetworkAndDisk(t, "alice");
    fault(t, { operationId: "VirtualMachines_CreateOrUpdate", effect: { type: "neverComplete" } });
    expect((await caught(short.createVm(t.vmSpec("alice", net)))).code).toBe("AZURE_TIMEOUT");
    const again = await caught(short.createVm(t.vmSpec("alice", net)));
    expect([again.code, again.retryable]).toEqual(["AZURE_TIMEOUT", true]);
    expect(again.message).toContain("Creating");
    expect(t.calls("VirtualMachines_CreateOrUpdate")).toHaveLength(1);
  });

  it("createVm: a VM whose creation Failed is submitted again with the same model", async () => {
    const t = await twin();
    const net = await clawNetworkAndDisk(t, "alice");
    fault(t, {
      operationId: "VirtualMachines_CreateOrUpdate",
      effect: { type: "failOperation", code: "AllocationFailed", message: "No capacity." },
    });
    const e = await caught(t.gateway.createVm(t.vmSpec("alice", net)));
    expect([e.code, e.retryable]).toEqual(["AZURE_ERROR", true]);
    expect((await t.gateway.getVm("alice"))?.provisioningState).toBe("Failed");
    const vm = await t.gateway.createVm(t.vmSpec("alice", net));
    expect(t.calls("VirtualMachines_CreateOrUpdate")).toHaveLength(2);
    expect(await t.gateway.getVm("alice")).toMatchObject({ id: vm.id, provisioningState: "Succeeded" });
  });

  it("lro: an operation that never completes becomes AZURE_TIMEOUT (retryable) at the deadline", async () => {
    const t = await twin();
    const short = t.gatewayWith({ timeouts: { requestMs: 5_000, lroMs: 300 } });
    const net = await clawNetworkAndDisk(t, "alice");
    await t.gateway.createVm(t.vmSpec("alice", net));
    fault(t, { operationId: "VirtualMachines_Deallocate", effect: { type: "neverComplete" } });
    const e = await caught(short.deallocateVm("alice"));
    expect(e.code).toBe("AZURE_TIMEOUT");
    expect(e.retryable).toBe(true);
    expect(e.details).toMatchObject({ operation: "deallocateVm", timeoutMs: 300 });
    // Polling (every 5 ms) stops with the deadline; at most a poll already on the wire still lands.
    const polls = t.calls("Compute_GetOperation").length;
    await new Promise((r) => setTimeout(r, 300));
    expect(t.calls("Compute_GetOperation").length - polls).toBeLessThanOrEqual(1);
  });

  it("request: an answer that hangs past the deadline becomes AZURE_TIMEOUT", async () => {
    const t = await twin();
    fault(t, { operationId: "VirtualMachines_Get", effect: { type: "delay", ms: 3_000 } });
    const e = await caught(t.gatewayWith({ timeouts: { requestMs: 200, lroMs: 5_000 } }).getVm("alice"));
    expect(e.code).toBe("AZURE_TIMEOUT");
    expect(e.retryable).toBe(true);
  });

  it("throttling: the emulator's own Compute throttle (429 + Retry-After) is waited out", async () => {
    const clock = manualClock(Date.now());
    const t = await twin({
      emulator: {
        clock,
        throttling: {
          enabled: true,
          compute: {
            LowCostGet: {
              resource: { capacity: 2, refillPerSecond: 0.5 },
              subscription: { capacity: 1000, refillPerSecond: 100 },
            },
          },
        },
      },
      onSleep: (ms) => clock.advance(ms),
    });
    const net = await clawNetworkAndDisk(t, "alice");
    await t.gateway.createVm(t.vmSpec("alice", net));
    for (let i = 0; i < 4; i++) expect((await t.gateway.getVm("alice"))?.powerState).toBe("running");
    expect(statuses(t, "VirtualMachines_Get")).toContain(429);
    expect(t.sleeps.length).toBeGreaterThan(0);
    expect(t.sleeps.every((ms) => ms === 2000)).toBe(true);
  });
});
