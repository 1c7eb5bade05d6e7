/**
 * Sagas with their activities replaced (level 2): the real orchestrators run through the SDK's
 * replay on the dev host engine; activities are stand-ins over a tiny world model, with failures
 * injected by step. Checks the saga logic: order, compensation, what the record says.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ActivityHandler } from "durable-functions";
import { createHarness, type Harness } from "../../local/host/durable/harness";
import { upgradeClaw } from "../../orchestrations/upgrade-claw";
import { deployClaw } from "../../orchestrations/deploy-claw";
import { parkClaw } from "../../orchestrations/simple-sagas";

interface World {
  vm?: { version: string; disk: string; power: string; os?: string };
  strategy?: "swap" | "replace";
  disks: Set<string>;
  calls: string[];
  fail: Record<string, string>;
  finished?: Record<string, unknown>;
  /** The agent is mid-task for this many more asks ("always": forever). */
  busy?: number | "always";
  /** The deferral policy askAgentBusy hands the saga. */
  deferPolicy?: { maxDeferSeconds: number; pollSeconds: number };
  notified?: unknown[];
}

const worlds = new Map<string, World>();
const w = (i: unknown) => worlds.get((i as { claw: string }).claw)!;

function act(name: string, fn: (world: World, input: Record<string, unknown>) => unknown): ActivityHandler {
  return async (input: unknown) => {
    const world = w(input);
    world.calls.push(name);
    const f = world.fail[name];
    if (f) {
      if (f.startsWith("once:")) delete world.fail[name];
      throw new Error(`[AZURE_ERROR] injected failure in ${name}`);
    }
    return fn(world, input as Record<string, unknown>);
  };
}

const activities: Record<string, ActivityHandler> = {
  loadClaw: act("loadClaw", (world, i) => ({
    upgradeStrategy: world.strategy ?? "replace",
    name: i.claw,
    spec: { name: i.claw, region: "eastus", vmSize: "Standard_D2s_v5", imageVersion: "1.0.0", tags: {} },
    imageVersion: world.vm?.version ?? "1.0.0",
    diskId: "disk-1",
    diskName: "c-data",
    nicId: "nic-1",
  })),
  getPowerState: act("getPowerState", (world) =>
    world.vm
      ? { exists: true, powerState: world.vm.power, imageVersion: world.vm.version }
      : { exists: false },
  ),
  preflightImage: act("preflightImage", (_w, i) => {
    if (i.version === i.currentVersion) throw new Error(`[ALREADY_ON_VERSION] already on ${i.version}`);
    if (i.version === "9.9.9")
      throw new Error("[IMAGE_NOT_FOUND] Image version 9.9.9 does not exist in the gallery.");
    return { version: i.version };
  }),
  snapshotDisk: act("snapshotDisk", () => ({ id: "snap-1", name: "c-data-snap-1" })),
  stopAgent: act("stopAgent", () => true),
  startAgent: act("startAgent", () => true),
  deleteVm: act("deleteVm", (world) => {
    world.vm = undefined;
    return null;
  }),
  createVm: act("createVm", (world, i) => {
    if (world.vm) throw new Error("[DISK_ATTACHED_ELSEWHERE] two VMs");
    world.vm = { version: i.version as string, disk: i.diskId as string, power: "running" };
    return { id: "vm" };
  }),
  restoreDisk: act("restoreDisk", (world) => {
    world.disks.add("disk-restored");
    return { id: "disk-restored", name: "c-data-r1" };
  }),
  waitForSsh: act("waitForSsh", () => "SHA256:x"),
  deliverSecrets: act("deliverSecrets", () => null),
  verify: act("verify", (world, i) => {
    if (i.expectVersion && world.vm?.version !== i.expectVersion)
      throw new Error("[VERIFY_FAILED] wrong version");
    return { ok: true, failed: [] };
  }),
  deallocateVm: act("deallocateVm", (world) => {
    if (world.vm) world.vm.power = "deallocated";
    return null;
  }),
  ensureDisk: act("ensureDisk", () => ({ id: "disk-1" })),
  prepareOsDisk: act("prepareOsDisk", (_w, i) => ({ id: `os-${i.version}`, name: `c-os-${i.version}` })),
  powerOffVm: act("powerOffVm", (world) => {
    if (world.vm) world.vm.power = "stopped";
    return null;
  }),
  swapOsDisk: act("swapOsDisk", (world, i) => {
    if (!world.vm || world.vm.power === "running") throw new Error("[CONFLICT] VM must be stopped");
    const previous = world.vm.os ?? `os-${world.vm.version}`;
    world.vm.os = i.osDiskId as string;
    world.vm.version = i.version as string;
    return { previousOsDiskId: previous };
  }),
  startVm: act("startVm", (world) => {
    if (world.vm) world.vm.power = "running";
    return null;
  }),
  deleteOldOsDisk: act("deleteOldOsDisk", () => null),
  ensureNetwork: act("ensureNetwork", () => ({ nicId: "nic-1" })),
  finishOperation: act("finishOperation", (world, i) => {
    world.finished = i;
    return null;
  }),
  askAgentBusy: act("askAgentBusy", (world) => {
    const busy = world.busy === "always" || (typeof world.busy === "number" && world.busy > 0);
    if (typeof world.busy === "number" && world.busy > 0) world.busy--;
    return {
      busy,
      known: true,
      detail: busy ? "1 session(s) active in the last 2 min" : "no session active in the last 2 min",
      ...(world.deferPolicy ?? { maxDeferSeconds: 1800, pollSeconds: 60 }),
    };
  }),
  recordDeferral: act("recordDeferral", () => null),
  notifyFleet: act("notifyFleet", (world, i) => {
    (world.notified ??= []).push(i);
    return null;
  }),
  // Its input is { op: "op-<claw>" }: record the call on that claw's world.
  notifyOperators: async (input: unknown) => {
    const claw = String((input as { op: string }).op).replace(/^op-/, "");
    worlds.get(claw)?.calls.push("notifyOperators");
    return { delivered: false };
  },
};

let n = 0;
function world(
  fail: Record<string, string> = {},
  vm: World["vm"] = { version: "1.0.0", disk: "disk-1", power: "running" },
) {
  const claw = `c${++n}`;
  const wd: World = { vm, disks: new Set(["disk-1"]), calls: [], fail };
  worlds.set(claw, wd);
  return { claw, wd };
}

const sagaInput = (claw: string, params: Record<string, unknown>) => ({
  operationId: `op-${claw}`,
  claw,
  requestId: `r-${claw}`,
  channel: "http",
  principal: "test",
  params,
});

describe("sagas with stand-in activities", () => {
  let h: Harness;
  beforeAll(async () => {
    // Indirect, so a test can swap one activity's behaviour.
    const dynamic = Object.fromEntries(
      Object.keys(activities).map((k) => [k, ((i, c) => activities[k](i, c)) as ActivityHandler]),
    );
    h = await createHarness({ upgradeClaw, deployClaw, parkClaw }, dynamic);
  });
  afterAll(async () => h?.close());

  it("upgradeClaw: replaces the VM keeping the disk, with two ARM steps while down", async () => {
    const { claw, wd } = world();
    const rec = await h.run("upgradeClaw", sagaInput(claw, { toVersion: "2.0.0" }));
    expect(JSON.parse(rec.output)).toMatchObject({
      status: "succeeded",
      fromVersion: "1.0.0",
      toVersion: "2.0.0",
    });
    expect(wd.vm).toEqual({ version: "2.0.0", disk: "disk-1", power: "running" });
    const down = wd.calls.slice(wd.calls.indexOf("stopAgent"), wd.calls.lastIndexOf("verify") + 1);
    expect(down).toEqual(["stopAgent", "deleteVm", "createVm", "waitForSsh", "deliverSecrets", "verify"]);
    expect(wd.finished).toMatchObject({ status: "succeeded" });
  });

  it("upgradeClaw: a missing version fails in preflight and touches nothing", async () => {
    const { claw, wd } = world();
    const rec = await h.run("upgradeClaw", sagaInput(claw, { toVersion: "9.9.9" }));
    expect(JSON.parse(rec.output)).toMatchObject({ status: "failed", step: "preflight" });
    expect(wd.calls).not.toContain("deleteVm");
    expect(wd.finished).toMatchObject({ status: "failed", error: { code: "IMAGE_NOT_FOUND" } });
    expect(wd.finished?.compensation).toBeUndefined();
  });

  it("upgradeClaw: create failing after the old VM is gone recreates the previous version (disk untouched)", async () => {
    const { claw, wd } = world({ createVm: "once:" });
    const rec = await h.run("upgradeClaw", sagaInput(claw, { toVersion: "2.0.0" }));
    const out = JSON.parse(rec.output);
    // createVm is retried by its retry profile; only a persistent failure compensates.
    expect(out.status).toBe("succeeded");
    const persistent = world({ createVm: "always" });
    // make the compensation's createVm succeed: fail only while creating 2.0.0
    activities.createVm = act("createVm", (wld, i) => {
      if (i.version === "2.0.0" && wld.fail.createVmNew) throw new Error("[AZURE_ERROR] create failed");
      if (wld.vm) throw new Error("[DISK_ATTACHED_ELSEWHERE] two VMs");
      wld.vm = { version: i.version as string, disk: i.diskId as string, power: "running" };
      return { id: "vm" };
    });
    persistent.wd.fail = { createVmNew: "always" };
    const rec2 = await h.run("upgradeClaw", sagaInput(persistent.claw, { toVersion: "2.0.0" }));
    const out2 = JSON.parse(rec2.output);
    expect(out2.status).toBe("compensated");
    expect(out2.step).toBe("create-vm");
    expect(persistent.wd.vm).toEqual({ version: "1.0.0", disk: "disk-1", power: "running" });
    expect(persistent.wd.calls).not.toContain("restoreDisk");
    expect(persistent.wd.finished).toMatchObject({
      status: "compensated",
      compensation: { restored: { imageVersion: "1.0.0" } },
    });
    void wd;
  });

  it("upgradeClaw: verify failing on the new image restores the pre-upgrade snapshot too", async () => {
    const { claw, wd } = world();
    activities.verify = act("verify", (wld, i) => {
      if (i.expectVersion === "2.0.0") throw new Error("[VERIFY_FAILED] gateway not answering");
      return { ok: wld.vm?.version === i.expectVersion, failed: [] };
    });
    const rec = await h.run("upgradeClaw", sagaInput(claw, { toVersion: "2.0.0" }));
    const out = JSON.parse(rec.output);
    expect(out).toMatchObject({ status: "compensated", step: "verify" });
    expect(wd.vm).toEqual({ version: "1.0.0", disk: "disk-restored", power: "running" });
    expect(out.restored.dataDisk).toContain("snapshot c-data-snap-1");
  });

  it("upgradeClaw: a parked claw is upgraded and left parked", async () => {
    const { claw, wd } = world({}, { version: "1.0.0", disk: "disk-1", power: "deallocated" });
    activities.verify = act("verify", () => ({ ok: true, failed: [] }));
    const rec = await h.run("upgradeClaw", sagaInput(claw, { toVersion: "2.0.0" }));
    expect(JSON.parse(rec.output).status).toBe("succeeded");
    expect(wd.calls).not.toContain("stopAgent");
    expect(wd.vm).toMatchObject({ version: "2.0.0", power: "deallocated" });
  });

  it("upgradeClaw: a failing compensation is recorded as failed, never swallowed", async () => {
    const { claw, wd } = world();
    activities.createVm = act("createVm", () => {
      throw new Error("[AZURE_ERROR] region is out of capacity");
    });
    const rec = await h.run("upgradeClaw", sagaInput(claw, { toVersion: "2.0.0" }));
    const out = JSON.parse(rec.output);
    expect(out.status).toBe("failed");
    expect(out.compensation).toMatch(/compensation failed.*manual action needed/);
    expect(wd.finished).toMatchObject({ status: "failed" });
    expect((wd.finished?.error as { message: string }).message).toContain("compensation failed too");
  });

  it("upgradeClaw (swap): prepares the OS disk while running, then power-off → swap → start", async () => {
    const { claw, wd } = world();
    wd.strategy = "swap";
    activities.verify = act("verify", (wld, i) => ({
      ok: wld.vm?.version === (i.expectVersion ?? wld.vm?.version),
      failed: [],
    }));
    activities.createVm = act("createVm", (wld, i) => {
      wld.vm = { version: i.version as string, disk: i.diskId as string, power: "running" };
      return { id: "vm" };
    });
    const rec = await h.run("upgradeClaw", sagaInput(claw, { toVersion: "2.0.0" }));
    expect(JSON.parse(rec.output)).toMatchObject({ status: "succeeded", strategy: "swap-os-disk" });
    const i = (n: string) => wd.calls.indexOf(n);
    expect(i("prepareOsDisk")).toBeLessThan(i("stopAgent"));
    expect(wd.calls.slice(i("stopAgent"), i("deleteOldOsDisk") + 1)).toEqual([
      "stopAgent", "powerOffVm", "swapOsDisk", "startVm", "waitForSsh", "deliverSecrets", "verify", "deleteOldOsDisk",
    ]); // prettier-ignore
    expect(wd.calls).not.toContain("deleteVm");
    expect(wd.vm).toMatchObject({ version: "2.0.0", disk: "disk-1", power: "running", os: "os-2.0.0" });
  });

  it("upgradeClaw (swap): a failed verify recreates the previous version and removes the swapped-out disk", async () => {
    const { claw, wd } = world();
    wd.strategy = "swap";
    activities.verify = act("verify", (_wld, i) => {
      if (i.expectVersion === "2.0.0") throw new Error("[VERIFY_FAILED] gateway not answering");
      return { ok: true, failed: [] };
    });
    const rec = await h.run("upgradeClaw", sagaInput(claw, { toVersion: "2.0.0" }));
    const out = JSON.parse(rec.output);
    expect(out).toMatchObject({ status: "compensated", step: "verify" });
    expect(wd.vm).toMatchObject({ version: "1.0.0", disk: "disk-restored", power: "running" });
    expect(wd.calls.slice(wd.calls.indexOf("swapOsDisk"))).toEqual(
      expect.arrayContaining(["deleteVm", "restoreDisk", "createVm", "deleteOldOsDisk"]),
    );
  });

  it("parkClaw: deallocates and records success", async () => {
    const { claw, wd } = world();
    const rec = await h.run("parkClaw", sagaInput(claw, {}));
    expect(JSON.parse(rec.output)).toMatchObject({ status: "succeeded", powerState: "deallocated" });
    expect(wd.vm?.power).toBe("deallocated");
    expect(wd.calls).toEqual(["askAgentBusy", "deallocateVm", "finishOperation", "notifyOperators"]);
    expect(wd.finished).toMatchObject({ details: { deferredBySeconds: 0 } });
  });

  it("parkClaw: waits for a busy agent on durable timers, tells the operators once, records the wait", async () => {
    const { claw, wd } = world();
    wd.busy = 2;
    wd.deferPolicy = { maxDeferSeconds: 60, pollSeconds: 0.3 };
    const rec = await h.run("parkClaw", sagaInput(claw, {}));
    const out = JSON.parse(rec.output);
    expect(out).toMatchObject({ status: "succeeded", powerState: "deallocated" });
    expect(out.deferBoundReached).toBeUndefined();
    expect(wd.calls).toEqual([
      "askAgentBusy",
      "notifyFleet",
      "askAgentBusy",
      "askAgentBusy",
      "recordDeferral",
      "deallocateVm",
      "finishOperation",
      "notifyOperators",
    ]);
    expect(wd.notified).toEqual([
      expect.objectContaining({
        kind: "agent-busy",
        claw,
        action: "park",
        operationId: `op-${claw}`,
        maxMinutes: 1,
      }),
    ]);
    // Two waits of 0.3 s on the orchestration's clock.
    expect(out.deferredBySeconds).toBeGreaterThanOrEqual(1);
    expect(out.deferredBySeconds).toBeLessThan(60);
  });

  it("parkClaw: an agent busy past the bound is parked anyway, and the record says so", async () => {
    const { claw, wd } = world();
    wd.busy = "always";
    wd.deferPolicy = { maxDeferSeconds: 1.2, pollSeconds: 0.5 };
    const rec = await h.run("parkClaw", sagaInput(claw, {}));
    const out = JSON.parse(rec.output);
    expect(out).toMatchObject({ status: "succeeded", powerState: "deallocated", deferBoundReached: true });
    expect(wd.vm?.power).toBe("deallocated");
    // Asked at 0, 0.5, 1.0 and at the bound (1.2 s; activity latency may merge the last two):
    // never more often than the poll, and never a wait past the bound.
    const asks = wd.calls.filter((c) => c === "askAgentBusy").length;
    expect(asks).toBeGreaterThanOrEqual(3);
    expect(asks).toBeLessThanOrEqual(4);
    expect(wd.calls.filter((c) => c === "notifyFleet")).toHaveLength(1);
    expect(out.deferredBySeconds).toBeGreaterThanOrEqual(1);
    expect(out.deferredBySeconds).toBeLessThanOrEqual(2);
    expect(wd.finished).toMatchObject({ details: { deferBoundReached: true } });
  });

  it("parkClaw: force parks a busy agent without asking it", async () => {
    const { claw, wd } = world();
    wd.busy = "always";
    const rec = await h.run("parkClaw", sagaInput(claw, { force: true }));
    expect(JSON.parse(rec.output)).toMatchObject({ status: "succeeded", deferredBySeconds: 0, force: true });
    expect(wd.calls).toEqual(["deallocateVm", "finishOperation", "notifyOperators"]);
  });

  it("parkClaw in a fleet run: a success is left to the run's digest, a failure is still told", async () => {
    const { claw, wd } = world();
    await h.run("parkClaw", { ...sagaInput(claw, {}), channel: "timer" });
    expect(wd.calls).toEqual(["askAgentBusy", "deallocateVm", "finishOperation"]);

    const failing = world({ deallocateVm: "always" });
    const rec = await h.run("parkClaw", { ...sagaInput(failing.claw, {}), channel: "timer" });
    expect(JSON.parse(rec.output)).toMatchObject({ status: "failed" });
    expect(failing.wd.calls.at(-1)).toBe("notifyOperators");
  });
});
