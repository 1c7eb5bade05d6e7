/**
 * Sagas with their activities replaced (level 2): the real orchestrators run through the SDK's
 * replay on the dev host engine; activities are stand-ins over a small world model (VMs, the data
 * disk, the public IP, where the agent runs), with failures injected by step. Every stand-in checks
 * the upgrade's invariants as it goes: the agent runs on at most one VM, the disk is attached to at
 * most one VM and never detached while mounted, the old VM is not deleted before the new one
 * verified.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ActivityHandler } from "durable-functions";
import { createHarness, type Harness } from "../../local/host/durable/harness";
import { refreshClaw, upgradeClaw } from "../../orchestrations/upgrade-claw";
import { deployClaw } from "../../orchestrations/deploy-claw";
import { parkClaw, wakeClaw } from "../../orchestrations/simple-sagas";
import { clawResourceNames, shortSuffix } from "../../core/domain/naming";
import type { SagaActivities } from "../../orchestrations/activities/types";
import type { InputOf } from "../../orchestrations/activity-calls";

/** The standby's name, as the saga derives it from the operation id (op-<claw>). */
const sb = (claw: string) => clawResourceNames(claw).standbyVm(shortSuffix(`op-${claw}`, 8));

interface Vm {
  version: string;
  power: "running" | "deallocated";
  nic: string;
  disk?: string;
  mounted: boolean;
  agent: boolean;
}

interface World {
  claw: string;
  strategy: "handoff" | "replace";
  vms: Map<string, Vm>;
  /** The claw's VM as its row names it. */
  current: string;
  /** NIC holding the public IP. */
  ipOn: string;
  calls: string[];
  fail: Record<string, string | ((input: Record<string, unknown>) => boolean)>;
  violations: string[];
  verified: Set<string>;
  finished?: InputOf<SagaActivities, "finishOperation">;
  nextDisk: number;
  /** When the claw's VM last booted (absent: before the test). */
  bootedAt?: number;
  /** waitForSsh as the real one: a boot after `since` must happen (wake tests). */
  realBootWait?: boolean;
  pinnedHours?: number;
  /** The agent is mid-task for this many more asks ("always": forever). */
  busy?: number | "always";
  /** The deferral policy askAgentBusy hands the saga. */
  deferPolicy?: { maxDeferSeconds: number; pollSeconds: number };
  notified?: unknown[];
}

const worlds = new Map<string, World>();
const w = (i: unknown) => worlds.get((i as { claw: string }).claw)!;

function atIp(world: World): [string, Vm] | undefined {
  return [...world.vms.entries()].find(([, vm]) => vm.nic === world.ipOn);
}

function checkInvariants(world: World, after: string): void {
  const agents = [...world.vms.entries()].filter(([, vm]) => vm.agent).map(([n]) => n);
  if (agents.length > 1) world.violations.push(`${after}: agent on ${agents.join(" and ")}`);
  const holders = new Map<string, string[]>();
  for (const [n, vm] of world.vms) if (vm.disk) holders.set(vm.disk, [...(holders.get(vm.disk) ?? []), n]);
  for (const [d, vms] of holders)
    if (vms.length > 1) world.violations.push(`${after}: ${d} on ${vms.join(", ")}`);
}

type Name = keyof SagaActivities & string;

/** A stand-in for activity `name`: its input and result are the real activity's. */
function act<K extends Name>(
  name: K,
  // Partial: a stand-in answers the fields the sagas read.
  fn: (world: World, input: InputOf<SagaActivities, K>) => Partial<Awaited<ReturnType<SagaActivities[K]>>>,
): ActivityHandler {
  return async (input: InputOf<SagaActivities, K>) => {
    const world = w(input);
    world.calls.push(name);
    const f = world.fail[name];
    if (f && (typeof f !== "function" || f(input as Record<string, unknown>))) {
      if (f === "once") delete world.fail[name];
      throw new Error(`[AZURE_ERROR] injected failure in ${name}`);
    }
    const out = fn(world, input);
    checkInvariants(world, name);
    return out;
  };
}

function vmAt(world: World, name: string): Vm {
  const vm = world.vms.get(name);
  if (!vm) throw new Error(`[NOT_FOUND] no VM ${name}`);
  return vm;
}

const activities: { [K in Name]?: ActivityHandler } = {
  loadClaw: act("loadClaw", (world, i) => ({
    upgradeStrategy: world.strategy,
    name: i.claw,
    spec: { name: i.claw, region: "eastus", vmSize: "Standard_D2s_v5", imageVersion: "1.0.0", tags: {} },
    imageVersion: world.vms.get(world.current)?.version ?? "1.0.0",
    diskId: "disk-1",
    diskName: "c-data",
    nicId: "/x/networkInterfaces/nic-old",
    hostKeySha256: "SHA256:claw",
    vmName: world.current,
  })),
  getPowerState: act("getPowerState", (world) => {
    const vm = world.vms.get(world.current);
    return vm ? { exists: true, powerState: vm.power, imageVersion: vm.version } : { exists: false };
  }),
  preflightImage: act("preflightImage", (_w, i) => {
    if (i.version === i.currentVersion) throw new Error(`[ALREADY_ON_VERSION] already on ${i.version}`);
    if (i.version === "9.9.9")
      throw new Error("[IMAGE_NOT_FOUND] Image version 9.9.9 does not exist in the gallery.");
    return { version: i.version };
  }),
  snapshotDisk: act("snapshotDisk", () => ({ id: "snap-1", name: "c-data-snap-1" })),
  createStandbyVm: act("createStandbyVm", (world, i) => {
    world.vms.set(sb(world.claw), { version: String(i.version), power: "running", nic: "standby-nic", mounted: false, agent: false });
    return { vmName: sb(world.claw), nicName: "standby-nic", nicId: "/x/networkInterfaces/standby-nic" };
  }), // prettier-ignore
  awaitStandby: act("awaitStandby", (world, i) => {
    vmAt(world, String(i.vmName));
    return { hostKeySha256: "SHA256:standby", status: "standby" };
  }),
  releaseDisk: act("releaseDisk", (world) => {
    const [, vm] = atIp(world) ?? [];
    if (!vm) throw new Error("[SSH_ERROR] nothing answers at the claw's address");
    vm.agent = false;
    vm.mounted = false;
    return null;
  }),
  detachDisk: act("detachDisk", (world, i) => {
    const vm = world.vms.get(String(i.vmName));
    if (!vm || vm.disk !== i.diskId) return null;
    if (vm.mounted)
      world.violations.push(`detached ${String(i.diskId)} from ${String(i.vmName)} while mounted`);
    vm.disk = undefined;
    return null;
  }),
  attachDisk: act("attachDisk", (world, i) => {
    const vm = vmAt(world, String(i.vmName));
    if (vm.disk === i.diskId) return null;
    const other = [...world.vms.entries()].find(([, v]) => v.disk === i.diskId);
    if (other) throw new Error(`[DISK_ATTACHED_ELSEWHERE] ${String(i.diskId)} is on ${other[0]}`);
    vm.disk = String(i.diskId);
    return null;
  }),
  moveIp: act("moveIp", (world, i) => {
    world.ipOn = String(i.to);
    return null;
  }),
  bootOnDisk: act("bootOnDisk", (world) => {
    const [, vm] = atIp(world) ?? [];
    if (!vm?.disk) throw new Error("[VERIFY_FAILED] boot.sh: no data disk");
    vm.mounted = true;
    vm.agent = true;
    return null;
  }),
  waitForSsh: act("waitForSsh", (world, i) => {
    // As the real one: waits for a boot.sh run after `since`; a VM that booted before the test
    // (and was not started since) boots no more, so the wait times out.
    if (world.realBootWait && typeof i.since === "string" && world.bootedAt === undefined)
      throw new Error("[SSH_ERROR,retryable] boot did not finish within 1200 s (last status: ok)");
    const [, vm] = atIp(world) ?? [];
    if (!vm?.agent) throw new Error("[SSH_ERROR] boot not done");
    return "SHA256:claw";
  }),
  checkSecrets: act("checkSecrets", () => ({ providers: ["ANTHROPIC_API_KEY"] })),
  deliverSecrets: act("deliverSecrets", () => ({ changed: [] })),
  verify: act("verify", (world, i) => {
    const [name, vm] = atIp(world) ?? [];
    if (!vm?.agent || (i.expectVersion && vm.version !== i.expectVersion))
      throw new Error("[VERIFY_FAILED] wrong version or agent down");
    world.verified.add(`${name}@${vm.version}`);
    return { ok: true, failed: [] };
  }),
  adoptVm: act("adoptVm", (world, i) => {
    world.current = String((i.vm as { vmName: string }).vmName);
    return null;
  }),
  retireVm: act("retireVm", (world, i) => {
    const vm = world.vms.get(String(i.vmName));
    if (!vm) return null;
    if (vm.disk) throw new Error("[CONFLICT] refusing to delete a VM that holds the data disk");
    if (i.vmName !== sb(world.claw) && ![...world.verified].some((v) => v.startsWith(`${sb(world.claw)}@`)))
      world.violations.push(`deleted ${String(i.vmName)} before the standby verified`);
    world.vms.delete(String(i.vmName));
    return null;
  }),
  restoreDisk: act("restoreDisk", (world) => ({
    id: `disk-restored-${++world.nextDisk}`,
    name: "c-data-r1",
  })),
  deleteVm: act("deleteVm", (world) => {
    world.vms.delete(world.current);
    return null;
  }),
  createVm: act("createVm", (world, i) => {
    const name = String(i.vmName ?? world.current);
    const vm: Vm = {
      version: String(i.version),
      power: "running",
      nic: "nic-old",
      mounted: false,
      agent: false,
    };
    if (i.diskId) {
      const other = [...world.vms.values()].find((v) => v.disk === i.diskId);
      if (other) throw new Error("[DISK_ATTACHED_ELSEWHERE] two VMs");
      Object.assign(vm, { disk: String(i.diskId), mounted: true, agent: true });
    }
    world.vms.set(name, vm);
    return { id: name };
  }),
  deallocateVm: act("deallocateVm", (world) => {
    const vm = vmAt(world, world.current);
    Object.assign(vm, { power: "deallocated", agent: false, mounted: false });
    return null;
  }),
  startVm: act("startVm", (world) => {
    const vm = vmAt(world, world.current);
    const started = vm.power !== "running";
    if (started) {
      vm.power = "running";
      world.bootedAt = Date.now();
      if (vm.disk) Object.assign(vm, { mounted: true, agent: true });
    }
    return { started };
  }),
  pinAwake: act("pinAwake", (world, i) => {
    world.pinnedHours = i.hours as number;
    return { pinnedUntil: "2030-01-01T00:00:00.000Z" };
  }),
  ensureDisk: act("ensureDisk", () => ({ id: "disk-1" })),
  ensureNetwork: act("ensureNetwork", () => ({ nicId: "nic-old" })),
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
function world(o: { strategy?: World["strategy"]; fail?: World["fail"]; power?: Vm["power"] } = {}) {
  const claw = `c${++n}`;
  const power = o.power ?? "running";
  const running = power === "running";
  const wd: World = {
    claw,
    strategy: o.strategy ?? "handoff",
    vms: new Map([
      [claw, { version: "1.0.0", power, nic: "nic-old", disk: "disk-1", mounted: running, agent: running }],
    ]),
    current: claw,
    ipOn: "nic-old",
    calls: [],
    fail: o.fail ?? {},
    violations: [],
    verified: new Set(),
    nextDisk: 0,
  };
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

const between = (calls: string[], first: string, last: string) =>
  calls.slice(calls.indexOf(first), calls.lastIndexOf(last) + 1);

describe("sagas with stand-in activities", () => {
  let h: Harness;
  beforeAll(async () => {
    // Indirect, so a test can swap one activity's behaviour.
    const dynamic = Object.fromEntries(
      Object.keys(activities).map((k) => [k, ((i, c) => activities[k as Name]!(i, c)) as ActivityHandler]),
    );
    h = await createHarness({ upgradeClaw, refreshClaw, deployClaw, parkClaw, wakeClaw }, dynamic);
  });
  afterAll(async () => h?.close());

  const upgrade = async (claw: string, params: Record<string, unknown> = { toVersion: "2.0.0" }) =>
    JSON.parse((await h.run("upgradeClaw", sagaInput(claw, params))).output) as Record<string, unknown>;

  it("upgradeClaw (handoff): the standby is made while the claw runs; the disk moves only after release", async () => {
    const { claw, wd } = world();
    const out = await upgrade(claw);
    expect(out).toMatchObject({
      status: "succeeded",
      fromVersion: "1.0.0",
      toVersion: "2.0.0",
      strategy: "handoff",
    });
    const i = (s: string) => wd.calls.indexOf(s);
    expect(i("createStandbyVm")).toBeLessThan(i("releaseDisk"));
    expect(i("awaitStandby")).toBeLessThan(i("releaseDisk"));
    // detach and the IP move run side by side; everything else in the window is in order.
    const down = between(wd.calls, "releaseDisk", "retireVm");
    expect(down.slice(0, 1)).toEqual(["releaseDisk"]);
    expect(new Set(down.slice(1, 3))).toEqual(new Set(["detachDisk", "moveIp"]));
    expect(down.slice(3)).toEqual(["attachDisk", "bootOnDisk", "waitForSsh", "deliverSecrets", "verify", "adoptVm", "retireVm"]); // prettier-ignore
    expect(wd.current).toBe(sb(claw));
    expect([...wd.vms.keys()]).toEqual([sb(claw)]);
    expect(wd.vms.get(sb(claw))).toMatchObject({ version: "2.0.0", disk: "disk-1", agent: true });
    expect(wd.ipOn).toBe("standby-nic");
    expect(wd.violations).toEqual([]);
    expect(wd.finished).toMatchObject({ status: "succeeded" });
  });

  it("upgradeClaw (handoff): a mid-task agent delays the downtime window, not the standby; force skips it", async () => {
    const { claw, wd } = world();
    wd.busy = 2;
    wd.deferPolicy = { maxDeferSeconds: 60, pollSeconds: 0.3 };
    const out = await upgrade(claw);
    expect(out).toMatchObject({ status: "succeeded", strategy: "handoff" });
    expect(out.deferredBySeconds).toBeGreaterThanOrEqual(1);
    const i = (c: string) => wd.calls.indexOf(c);
    expect(i("awaitStandby")).toBeLessThan(i("askAgentBusy"));
    expect(wd.calls.lastIndexOf("askAgentBusy")).toBeLessThan(i("releaseDisk"));

    const forced = world();
    forced.wd.busy = "always";
    expect(await upgrade(forced.claw, { toVersion: "2.0.0", force: true })).toMatchObject({
      status: "succeeded",
      deferredBySeconds: 0,
    });
    expect(forced.wd.calls).not.toContain("askAgentBusy");
  });

  it("upgradeClaw: a missing version fails in preflight at once (no retries) and touches nothing", async () => {
    const { claw, wd } = world();
    const out = await upgrade(claw, { toVersion: "9.9.9" });
    expect(out).toMatchObject({ status: "failed", step: "preflight" });
    expect(wd.calls.filter((c) => c === "preflightImage")).toHaveLength(1);
    expect(wd.calls).not.toContain("createStandbyVm");
    expect(wd.finished).toMatchObject({ status: "failed", error: { code: "IMAGE_NOT_FOUND" } });
    expect(wd.finished?.compensation).toBeUndefined();
  });

  it("upgradeClaw (handoff): a standby that never gets ready is deleted; the claw never stopped", async () => {
    const { claw, wd } = world({ fail: { awaitStandby: "always" } });
    const out = await upgrade(claw);
    expect(out).toMatchObject({ status: "compensated", step: "await-standby" });
    expect(wd.calls).not.toContain("releaseDisk");
    expect([...wd.vms.keys()]).toEqual([claw]);
    expect(wd.vms.get(claw)).toMatchObject({ version: "1.0.0", disk: "disk-1", agent: true });
    expect(wd.violations).toEqual([]);
  });

  it("upgradeClaw (handoff): an attach that keeps failing gives the disk and IP back to the old VM", async () => {
    const { claw, wd } = world({ fail: { attachDisk: (i) => i.vmName === sb(claw) } });
    const out = await upgrade(claw);
    expect(out).toMatchObject({ status: "compensated", step: "attach-disk" });
    expect(wd.calls).not.toContain("restoreDisk"); // the new image never touched the disk
    expect(wd.vms.get(claw)).toMatchObject({ version: "1.0.0", disk: "disk-1", agent: true });
    expect(wd.ipOn).toBe("nic-old");
    expect(wd.vms.has(sb(claw))).toBe(false);
    expect(wd.verified.has(`${claw}@1.0.0`)).toBe(true);
    expect(wd.violations).toEqual([]);
  });

  it("upgradeClaw (handoff): verify failing on the new image restores the snapshot onto the old VM", async () => {
    const { claw, wd } = world({ fail: { verify: (i) => i.expectVersion === "2.0.0" } });
    const out = await upgrade(claw);
    expect(out).toMatchObject({ status: "compensated", step: "verify" });
    expect(out.compensation).toMatch(/restored from snapshot c-data-snap-1/);
    expect(wd.vms.get(claw)).toMatchObject({ version: "1.0.0", disk: "disk-restored-1", agent: true });
    expect(wd.vms.has(sb(claw))).toBe(false);
    expect(wd.ipOn).toBe("nic-old");
    expect(wd.calls.filter((c) => c === "releaseDisk")).toHaveLength(2); // old VM, then the standby
    expect(wd.violations).toEqual([]);
    expect(wd.finished).toMatchObject({ status: "compensated", error: { step: "verify" } });
  });

  it("upgradeClaw (handoff): a parked claw is upgraded on the standby and left parked", async () => {
    const { claw, wd } = world({ power: "deallocated" });
    const out = await upgrade(claw);
    expect(out).toMatchObject({ status: "succeeded", leftParked: true });
    expect(wd.calls).not.toContain("releaseDisk");
    expect(wd.vms.get(sb(claw))).toMatchObject({ version: "2.0.0", power: "deallocated", disk: "disk-1" });
    expect(wd.vms.has(claw)).toBe(false);
    expect(wd.violations).toEqual([]);
  });

  it("upgradeClaw (handoff): a failing compensation is recorded as failed with manual action needed", async () => {
    const { claw, wd } = world({
      fail: { verify: (i) => i.expectVersion === "2.0.0", attachDisk: (i) => i.vmName !== sb(claw) },
    });
    const out = await upgrade(claw);
    expect(out.status).toBe("failed");
    expect(out.compensation).toMatch(/compensation failed at reattach-to-old-vm.*manual action needed/);
    expect((wd.finished?.error as { message: string }).message).toContain("compensation failed too");
    expect(wd.violations).toEqual([]);
  });

  it("upgradeClaw (replace): the seed's order — deallocate, detach, delete, create, attach, boot, verify", async () => {
    const { claw, wd } = world({ strategy: "replace" });
    const out = await upgrade(claw);
    expect(out).toMatchObject({ status: "succeeded", strategy: "replace" });
    expect(between(wd.calls, "releaseDisk", "adoptVm")).toEqual([
      "releaseDisk", "deallocateVm", "detachDisk", "deleteVm", "createVm", "awaitStandby", "attachDisk",
      "bootOnDisk", "waitForSsh", "deliverSecrets", "verify", "adoptVm",
    ]); // prettier-ignore
    expect(wd.vms.get(claw)).toMatchObject({ version: "2.0.0", disk: "disk-1", agent: true });
    expect(wd.violations).toEqual([]);
  });

  it("upgradeClaw (replace): a create that keeps failing recreates the previous version with the disk", async () => {
    const { claw, wd } = world({ strategy: "replace", fail: { createVm: (i) => i.version === "2.0.0" } });
    const out = await upgrade(claw);
    expect(out).toMatchObject({ status: "compensated", step: "create-vm" });
    expect(wd.calls).not.toContain("restoreDisk");
    expect(wd.vms.get(claw)).toMatchObject({ version: "1.0.0", disk: "disk-1", agent: true });
    expect(wd.violations).toEqual([]);
  });

  it("upgradeClaw (replace): verify failing on the new image recreates the previous one on the snapshot", async () => {
    const { claw, wd } = world({ strategy: "replace", fail: { verify: (i) => i.expectVersion === "2.0.0" } });
    const out = await upgrade(claw);
    expect(out).toMatchObject({ status: "compensated", step: "verify" });
    expect(wd.vms.get(claw)).toMatchObject({ version: "1.0.0", disk: "disk-restored-1", agent: true });
    expect(wd.violations).toEqual([]);
  });

  it("refreshClaw: hands the disk to a fresh VM of the same version", async () => {
    const { claw, wd } = world();
    const out = JSON.parse((await h.run("refreshClaw", sagaInput(claw, {}))).output) as Record<
      string,
      unknown
    >;
    expect(out).toMatchObject({
      status: "succeeded",
      mode: "refresh",
      fromVersion: "1.0.0",
      toVersion: "1.0.0",
    });
    expect(wd.current).toBe(sb(claw));
    expect(wd.vms.get(sb(claw))).toMatchObject({ version: "1.0.0", disk: "disk-1", agent: true });
    expect(wd.violations).toEqual([]);
  });

  it("refreshClaw: verify failing on the fresh VM rolls back with the data intact", async () => {
    const { claw, wd } = world({ fail: { verify: (i) => i.claw !== undefined && atIp(worlds.get(String(i.claw))!)?.[0] !== String(i.claw) } }); // prettier-ignore
    const out = JSON.parse((await h.run("refreshClaw", sagaInput(claw, {}))).output) as Record<
      string,
      unknown
    >;
    expect(out).toMatchObject({ status: "compensated", step: "verify" });
    expect(wd.vms.get(claw)).toMatchObject({ version: "1.0.0", disk: "disk-restored-1", agent: true });
    expect(wd.vms.has(sb(claw))).toBe(false);
    expect(wd.violations).toEqual([]);
  });

  it("parkClaw: deallocates and records success", async () => {
    const { claw, wd } = world();
    const rec = await h.run("parkClaw", sagaInput(claw, {}));
    expect(JSON.parse(rec.output)).toMatchObject({ status: "succeeded", powerState: "deallocated" });
    expect(wd.vms.get(claw)?.power).toBe("deallocated");
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
    expect(wd.vms.get(claw)?.power).toBe("deallocated");
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

    const failing = world({ fail: { deallocateVm: "always" } });
    const rec = await h.run("parkClaw", { ...sagaInput(failing.claw, {}), channel: "timer" });
    expect(JSON.parse(rec.output)).toMatchObject({ status: "failed" });
    expect(failing.wd.calls.at(-1)).toBe("notifyOperators");
  });

  it("wakeClaw: a claw that already runs is verified and pinned at once, without waiting for a boot", async () => {
    const { claw, wd } = world();
    wd.realBootWait = true;
    const rec = await h.run("wakeClaw", sagaInput(claw, { awakeHours: 3 }));
    expect(JSON.parse(rec.output)).toMatchObject({
      status: "succeeded",
      alreadyRunning: true,
      awakeHours: 3,
      pinnedUntil: "2030-01-01T00:00:00.000Z",
    });
    expect(wd.calls).toEqual([
      "startVm",
      "waitForSsh",
      "deliverSecrets",
      "verify",
      "pinAwake",
      "finishOperation",
      "notifyOperators",
    ]);
    expect(wd.pinnedHours).toBe(3);
  });

  it("wakeClaw: verify is asked once more after a dropped connection, never after failed checks", async () => {
    const dropped = world({ power: "deallocated", fail: { verify: "once" } });
    const ok = await h.run("wakeClaw", sagaInput(dropped.claw, {}));
    expect(JSON.parse(ok.output)).toMatchObject({ status: "succeeded", powerState: "running" });
    expect(dropped.wd.calls.filter((c) => c === "verify")).toHaveLength(2);

    const failing = world({ power: "deallocated" });
    const verify = activities.verify!;
    activities.verify = async (i) => {
      w(i).calls.push("verify");
      throw new Error("[VERIFY_FAILED] failed checks: agent-service");
    };
    try {
      const rec = await h.run("wakeClaw", sagaInput(failing.claw, {}));
      expect(JSON.parse(rec.output)).toMatchObject({ status: "failed", step: "verify" });
    } finally {
      activities.verify = verify;
    }
    expect(failing.wd.calls.filter((c) => c === "verify")).toHaveLength(1);
  });

  it("wakeClaw: a parked claw is started and waited for until it booted after the wake", async () => {
    const { claw, wd } = world({ power: "deallocated" });
    wd.realBootWait = true;
    const rec = await h.run("wakeClaw", sagaInput(claw, {}));
    expect(JSON.parse(rec.output)).toMatchObject({ status: "succeeded", powerState: "running" });
    expect(JSON.parse(rec.output)).not.toHaveProperty("alreadyRunning");
    expect(wd.calls).toEqual([
      "startVm",
      "waitForSsh",
      "deliverSecrets",
      "verify",
      "finishOperation",
      "notifyOperators",
    ]);
  });
});
