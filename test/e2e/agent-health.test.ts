/**
 * The agent's own health on the twin (issue 16): the real sagas on the dev host, the emulator's
 * simulated guest running the real runtime/ scripts over SSH. A busy agent defers a park (the bound
 * honoured, `force` skipping it), the health sweep records and tells a change once, and the
 * retention run deletes exactly what the policy says and never the claw's current data disk.
 */
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAzureGatewayFromConfig, type AzureGateway } from "../../core/azure";
import { createGuestClient, endpointMapResolver } from "../../core/guest";
import { startTwinHarness, type TwinHarness } from "../../local/twin-harness";

const spec = { name: "hana", region: "westus", vmSize: "Standard_D2s_v5", imageVersion: "1.0.0" };
const BOUND_S = 20;

interface Op {
  status: string;
  details?: Record<string, unknown>;
  steps: { name: string; ok?: boolean; detail?: string }[];
}

describe("the agent's own health on the twin", () => {
  let t: TwinHarness;
  let gateway: AzureGateway;
  beforeAll(async () => {
    t = await startTwinHarness({
      env: {
        AGENT_BUSY_MAX_DEFER_MINUTES: String(BOUND_S / 60),
        AGENT_BUSY_POLL_SECONDS: "1",
        RETENTION_KEEP_LAST: "2",
        RETENTION_KEEP_DAYS: "14",
      },
    });
    gateway = createAzureGatewayFromConfig({ ...process.env, ...t.env });
    const created = await t.api("POST", "/v1/claws", spec);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const deployed = await run("deploy");
    expect(deployed.status, JSON.stringify(deployed)).toBe("succeeded");
  }, 180_000);
  afterAll(async () => t?.close());

  const guest = () => {
    const secrets = JSON.parse(fs.readFileSync(t.env.LOCAL_SECRETS_FILE, "utf8")) as {
      sshPrivateKey: string;
    };
    return createGuestClient({
      address: spec.name,
      resolveEndpoint: endpointMapResolver({
        url: t.env.SSH_ENDPOINT_MAP_URL,
        ca: fs.readFileSync(t.env.SSH_ENDPOINT_MAP_CA_FILE),
      }),
      username: "clawadmin",
      privateKey: secrets.sshPrivateKey,
      retry: { attempts: 2, delayMs: 200 },
      connectTimeoutMs: 3_000,
    });
  };
  const onGuest = async (command: string) => {
    const r = await guest().exec(command);
    expect(r.code, r.stderr).toBe(0);
  };
  const shimState = `"\${CLAW_STATE}/shim/openclaw"`;

  async function run(action: string, body?: unknown): Promise<Op> {
    const r = await t.api<{ operationId: string }>("POST", `/v1/claws/${spec.name}/${action}`, body);
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    return (await t.waitForOperation(r.body.operationId)) as unknown as Op;
  }

  /** Wakes the claw if an earlier test left it parked. */
  async function awake(): Promise<void> {
    const c = await t.api<{ observed: { powerState?: string } }>("GET", `/v1/claws/${spec.name}`);
    if (c.body.observed.powerState !== "running") expect((await run("wake")).status).toBe("succeeded");
  }

  /** Starts an orchestration as its timer would (Durable HTTP API), returns its output. */
  async function orchestrate<T>(name: string, input: unknown): Promise<T> {
    const code = encodeURIComponent(t.apiKey);
    const base = `${t.url}/runtime/webhooks/durabletask`;
    const started = await fetch(`${base}/orchestrators/${name}?code=${code}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(input),
    });
    expect(started.status).toBe(202);
    const { id } = (await started.json()) as { id: string };
    const until = Date.now() + 60_000;
    for (;;) {
      const res = await fetch(`${base}/instances/${encodeURIComponent(id)}?code=${code}`);
      const s = (await res.json()) as { runtimeStatus?: string; output?: unknown };
      if (s.runtimeStatus === "Completed") return s.output as T;
      if (s.runtimeStatus === "Failed" || Date.now() > until)
        throw new Error(`${name} ${id}: ${JSON.stringify(s)}\n${t.logs.slice(-30).join("\n")}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  it("park: an idle agent is parked at once; a busy one is waited for, then parked", async () => {
    const idle = await run("park");
    expect(idle.status).toBe("succeeded");
    expect(idle.details).toMatchObject({ powerState: "deallocated", deferredBySeconds: 0 });
    expect(idle.steps.map((s) => s.name)).not.toContain("defer-while-busy");
    expect((await run("wake")).status).toBe("succeeded");

    // Mid-task for the next two asks (one a second apart), idle on the third.
    await onGuest(`mkdir -p ${shimState} && echo 2 > ${shimState}/busy`);
    const busy = await run("park");
    expect(busy.status, JSON.stringify(busy)).toBe("succeeded");
    // Two waits of a second, plus three asks over SSH.
    expect(busy.details?.deferredBySeconds).toBeGreaterThanOrEqual(2);
    expect(busy.details?.deferBoundReached).toBeUndefined();
    const step = busy.steps.find((s) => s.name === "defer-while-busy");
    expect(step?.detail).toMatch(/waited \d+ s for the agent to finish \(3 asks\)/);
    expect((await run("wake")).status).toBe("succeeded");
  }, 300_000);

  it("park: an agent busy past the bound is parked anyway; force does not ask", async () => {
    await awake();
    await onGuest(`mkdir -p ${shimState} && echo always > ${shimState}/busy`);
    const bounded = await run("park");
    expect(bounded.status, JSON.stringify(bounded)).toBe("succeeded");
    expect(bounded.details).toMatchObject({ deferBoundReached: true, powerState: "deallocated" });
    // Waited the bound (orchestration time); past it only by the last ask over SSH.
    expect(bounded.details?.deferredBySeconds).toBeGreaterThanOrEqual(BOUND_S);
    expect(bounded.details?.deferredBySeconds).toBeLessThanOrEqual(BOUND_S + 10);
    expect(bounded.steps.find((s) => s.name === "defer-while-busy")?.detail).toMatch(/still busy after/);

    expect((await run("wake")).status).toBe("succeeded");
    await onGuest(`mkdir -p ${shimState} && echo always > ${shimState}/busy`);
    const forced = await run("park", { force: true });
    expect(forced.status).toBe("succeeded");
    expect(forced.details).toMatchObject({ deferredBySeconds: 0, force: true });
    expect(forced.steps.map((s) => s.name)).toEqual(["deallocate"]);
    expect((await run("wake")).status).toBe("succeeded");
    await onGuest(`rm -f ${shimState}/busy`);
  }, 300_000);

  it("health sweep: records each claw's result and tells a healthy → failing change once", async () => {
    await awake();
    interface Sweep {
      checked: number;
      failing: string[];
      becameFailing: string[];
      recovered: string[];
      notified: boolean;
    }
    const healthy = await orchestrate<Sweep>("healthSweep", { sweptAt: new Date().toISOString() });
    expect(healthy).toMatchObject({ checked: 1, failing: [], becameFailing: [], notified: false });

    await onGuest(`mkdir -p ${shimState} && touch ${shimState}/telegram-down`);
    const first = await orchestrate<Sweep>("healthSweep", { sweptAt: new Date().toISOString() });
    expect(first).toMatchObject({ failing: [spec.name], becameFailing: [spec.name], notified: true });
    const claw = (
      await t.api<{ observed: { lastVerify: { ok: boolean; failed: string[] } } }>(
        "GET",
        `/v1/claws/${spec.name}`,
      )
    ).body;
    expect(claw.observed.lastVerify).toMatchObject({ ok: false, failed: ["telegram-connected"] });

    const second = await orchestrate<Sweep>("healthSweep", { sweptAt: new Date().toISOString() });
    expect(second).toMatchObject({ failing: [spec.name], becameFailing: [], notified: false });

    await onGuest(`rm -f ${shimState}/telegram-down`);
    const back = await orchestrate<Sweep>("healthSweep", { sweptAt: new Date().toISOString() });
    expect(back).toMatchObject({ failing: [], recovered: [spec.name], notified: true });
  }, 300_000);

  it("housekeeping: keeps the newest 2 and the young, deletes the rest, never the current data disk", async () => {
    await awake();
    const disk = `${spec.name}-data`;
    const names = ["s1", "s2", "s3", "s4"].map((s) => `${disk}-snap-${s}`);
    for (const n of names) {
      await gateway.snapshotDisk({ diskName: disk, snapshotName: n, location: spec.region });
      await new Promise((r) => setTimeout(r, 20)); // distinct creation times, in order
    }
    // Two disks a rollback set aside (restored from the oldest snapshot), unattached.
    const s1 = (await gateway.listSnapshots()).find((s) => s.name === names[0])!;
    for (const r of ["ra", "rb", "rc"])
      await gateway.createDiskFromSnapshot({
        name: `${disk}-${r}`,
        snapshotId: s1.id,
        location: spec.region,
      });

    interface Result {
      deleted: { kind: string; name: string }[];
      operationId?: string;
    }
    // As of today everything is young: nothing goes.
    const today = await orchestrate<Result>("housekeeping", { at: new Date().toISOString() });
    expect(today.deleted).toEqual([]);

    // A month on: beyond the newest two, everything is older than 14 days.
    const later = new Date(Date.now() + 30 * 86_400_000).toISOString();
    const month = await orchestrate<Result>("housekeeping", { at: later });
    expect(month.deleted.map((d) => `${d.kind} ${d.name}`).sort()).toEqual(
      [`disk ${disk}-ra`, `snapshot ${names[0]}`, `snapshot ${names[1]}`].sort(),
    );
    const left = (await gateway.listSnapshots()).map((s) => s.name).filter((n) => n.startsWith(disk));
    expect(left.sort()).toEqual([names[2], names[3]]);
    const disks = (await gateway.listDisks()).map((d) => d.name).filter((n) => n.startsWith(disk));
    expect(disks.sort()).toEqual([disk, `${disk}-rb`, `${disk}-rc`]);
    // The current data disk is still attached and the claw still verifies with its data.
    const current = await gateway.getDisk(disk);
    expect(current?.managedBy).toMatch(/virtualMachines\/hana$/i);
    expect((await run("verify")).status).toBe("succeeded");

    const op = (await t.api<Op & { kind: string }>("GET", `/v1/operations/${month.operationId}`)).body;
    expect(op).toMatchObject({ kind: "housekeeping", status: "succeeded" });

    // Run again: the policy holds, nothing more goes.
    const again = await orchestrate<Result>("housekeeping", { at: later });
    expect(again.deleted).toEqual([]);
  }, 300_000);
});
