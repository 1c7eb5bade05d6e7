/**
 * The handoff upgrade end to end on the strict twin: the standby is provisioned by cloud-init from
 * its custom data (the image holds only what Packer bakes), learned through Run Command, and gets
 * the data disk online; the claw's public IP moves with it. Rollbacks: boot failing on the new
 * image (the snapshot comes back), an attach that keeps failing, and a dev host killed at every
 * step of the handoff.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTwinHarness, type TwinHarness } from "../../local/twin-harness";

const NOTE = `"\${CLAW_DATA:-/mnt/claw-data}/workspace/note.txt"`;

interface ClawView {
  spec: { imageVersion: string };
  observed: Record<string, string | undefined> & { lastVerify?: { ok: boolean; imageVersion?: string } };
}

describe("upgrade by handoff on the twin", () => {
  let t: TwinHarness;
  beforeAll(async () => {
    t = await startTwinHarness();
  }, 120_000);
  afterAll(async () => t?.close());

  const claw = async (name: string) => (await t.api<ClawView>("GET", `/v1/claws/${name}`)).body;

  async function start(name: string, action: string, body?: unknown): Promise<string> {
    const r = await t.api<{ operationId: string }>("POST", `/v1/claws/${name}/${action}`, body);
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    return r.body.operationId;
  }

  /** A deployed claw with a note on its data disk; returns its address and pinned host key. */
  async function deployed(name: string) {
    const created = await t.api("POST", "/v1/claws", {
      name,
      region: "westus",
      vmSize: "Standard_D2s_v5",
      imageVersion: "1.0.0",
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const op = await t.waitForOperation(await start(name, "deploy"), 120_000);
    expect(op.status, JSON.stringify(op)).toBe("succeeded");
    const c = await claw(name);
    const ip = c.observed.publicIp!;
    const key = c.observed.hostKeySha256!;
    const wrote = await t.guest(ip, key).exec(`echo "remember ${name}" > ${NOTE}`);
    expect(wrote.code).toBe(0);
    return { ip, key, vmName: c.observed.vmName ?? name };
  }

  /** VMs of the claw in the emulator, and which hold its data disk. */
  function vmsOf(name: string) {
    const vms = t.twin.emulator.context.store
      .list<Record<string, unknown>>("Microsoft.Compute/virtualMachines")
      .filter((v) => String(v.body.name).startsWith(name));
    return vms.map((v) => ({
      name: String(v.body.name),
      holdsDisk: JSON.stringify(v.body).includes(`/disks/${name}-data`),
    }));
  }

  /**
   * The standby of a running handoff, by name: by the time a poll sees a step, the disk may already
   * have left the old VM, so "the VM without the disk" could be either of them.
   */
  function standbyOf(name: string, current: string | undefined): string {
    const standby = vmsOf(name).find((v) => v.name.startsWith(`${name}-v`) && v.name !== current);
    if (!standby) throw new Error(`no standby VM of ${name} yet`);
    return standby.name;
  }

  async function waitForStep(op: string, step: RegExp, timeoutMs = 60_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const r = await t
        .api<{ steps?: Array<{ name: string }> }>("GET", `/v1/operations/${op}`)
        .catch(() => undefined);
      if (r?.body.steps?.some((s) => step.test(s.name))) return;
      if (Date.now() > until) throw new Error(`operation ${op} never reached ${step}`);
      await new Promise((res) => setTimeout(res, 50));
    }
  }

  /**
   * Holds the claw's IP move onto the standby (and the standby NIC's creation) for a few seconds,
   * so a test can change the standby through Run Command after the saga's own Run Command ended
   * and before boot.sh runs there.
   */
  function holdIpMove(name: string): void {
    t.twin.emulator.faults.add({
      operationId: "NetworkInterfaces_CreateOrUpdate",
      pathIncludes: `/networkInterfaces/${name}-v`,
      effect: { type: "delay", ms: 6_000 },
      times: 2,
    });
  }

  it("handoff: the data, the host key and the address stay; the claw runs the new version on a new VM", async () => {
    const before = await deployed("hana");
    const op = await t.waitForOperation(await start("hana", "upgrade", { toVersion: "1.1.0" }), 120_000);
    expect(op.status, JSON.stringify(op)).toBe("succeeded");
    expect(op.details).toMatchObject({ strategy: "handoff", fromVersion: "1.0.0", toVersion: "1.1.0" });
    const c = await claw("hana");
    expect(c.observed.imageVersion).toBe("1.1.0");
    expect(c.spec.imageVersion).toBe("1.1.0"); // the version a later deploy uses follows the upgrade
    expect(c.observed.lastVerify).toMatchObject({ ok: true, imageVersion: "1.1.0" });
    expect(c.observed.publicIp).toBe(before.ip);
    expect(c.observed.hostKeySha256).toBe(before.key);
    expect(c.observed.vmName).not.toBe(before.vmName);
    const read = await t.guest(before.ip, before.key).exec(`cat ${NOTE}`);
    expect(read.stdout.trim()).toBe("remember hana");
    // The old VM is gone; one VM holds the disk.
    expect(vmsOf("hana")).toEqual([{ name: c.observed.vmName, holdsDisk: true }]);
    // The standby's host key came through Run Command, before any SSH to it.
    const steps = (op.steps as Array<{ name: string; detail?: string }>).map((s) => s.name);
    expect(steps.indexOf("await-standby")).toBeLessThan(steps.findIndex((s) => s.startsWith("boot ")));
  }, 180_000);

  it("handoff: boot.sh failing on the new image rolls back to the old VM with the pre-upgrade data", async () => {
    const before = await deployed("ivo");
    holdIpMove("ivo");
    const op = await start("ivo", "upgrade", { toVersion: "1.1.0" });
    await waitForStep(op, /^detach-disk/);
    // Make the agent's unit fail to start on the standby (as a broken new app layer would).
    const standby = standbyOf("ivo", (await claw("ivo")).observed.vmName);
    await t
      .gateway()
      .runCommand(standby, [
        'mkdir -p "${CLAW_STATE:-/var/lib/openclawps}/shim/systemd"',
        'touch "${CLAW_STATE:-/var/lib/openclawps}/shim/systemd/openclaw-gateway.fail"',
      ]);
    const done = await t.waitForOperation(op, 180_000);
    expect(done.status, JSON.stringify(done)).toBe("compensated");
    expect(JSON.stringify(done.compensation)).toMatch(/restored from snapshot/);
    const c = await claw("ivo");
    expect(c.observed.imageVersion).toBe("1.0.0");
    expect(c.spec.imageVersion).toBe("1.0.0");
    expect(c.observed.vmName).toBe(before.vmName);
    expect(c.observed.lastVerify).toMatchObject({ ok: true, imageVersion: "1.0.0" });
    expect((await t.guest(before.ip, before.key).exec(`cat ${NOTE}`)).stdout.trim()).toBe("remember ivo");
    // Only the old VM is left, holding the restored disk; the migrated one is kept, unattached.
    const vms = vmsOf("ivo");
    expect(vms.map((v) => v.name)).toEqual([before.vmName]);
    expect(c.observed.diskId).toMatch(/ivo-data-r/);
  }, 240_000);

  it("handoff: an attach that keeps failing gives the disk and the address back to the old VM", async () => {
    const before = await deployed("jun");
    t.twin.emulator.faults.add({
      operationId: "VirtualMachines_AttachDetachDataDisks",
      pathIncludes: "/virtualMachines/jun-v",
      effect: { type: "error", status: 500, code: "InternalServerError", message: "injected" },
      times: 1_000,
    });
    const done = await t.waitForOperation(await start("jun", "upgrade", { toVersion: "1.1.0" }), 180_000);
    t.twin.emulator.faults.clear();
    expect(done.status, JSON.stringify(done)).toBe("compensated");
    expect(done.error).toMatchObject({ step: "attach-disk" });
    expect(JSON.stringify(done.compensation)).not.toMatch(/snapshot/); // the new image never saw the disk
    const c = await claw("jun");
    expect(c.observed.imageVersion).toBe("1.0.0");
    expect(c.observed.diskId).toMatch(/jun-data$/);
    expect(c.observed.lastVerify).toMatchObject({ ok: true, imageVersion: "1.0.0" });
    expect((await t.guest(before.ip, before.key).exec(`cat ${NOTE}`)).stdout.trim()).toBe("remember jun");
    expect(vmsOf("jun")).toEqual([{ name: before.vmName, holdsDisk: true }]);
  }, 240_000);

  it("handoff: a dev host killed at every step of the handoff resumes each time and finishes", async () => {
    const before = await deployed("kai");
    const op = await start("kai", "upgrade", { toVersion: "1.1.0" });
    const steps = [/^create-standby/, /^await-standby/, /^release-disk/, /^detach-disk/, /^attach-disk/, /^boot /, /^verify/, /^retire /]; // prettier-ignore
    for (const step of steps) {
      await waitForStep(op, step, 240_000);
      await t.killHost();
      await t.startHost();
    }
    const done = await t.waitForOperation(op, 180_000);
    expect(done.status, JSON.stringify(done)).toBe("succeeded");
    const c = await claw("kai");
    expect(c.observed.imageVersion).toBe("1.1.0");
    expect(c.observed.hostKeySha256).toBe(before.key);
    expect((await t.guest(before.ip, before.key).exec(`cat ${NOTE}`)).stdout.trim()).toBe("remember kai");
    expect(vmsOf("kai")).toEqual([{ name: c.observed.vmName, holdsDisk: true }]);
  }, 900_000);

  it("deploy/upgrade: an image older than what ran on the disk needs allowDowngrade", async () => {
    const refused = await t.waitForOperation(await start("hana", "upgrade", { toVersion: "1.0.0" }), 60_000);
    expect(refused.status).toBe("failed");
    expect(refused.error).toMatchObject({ code: "DOWNGRADE_REFUSED" });
    expect((refused.steps as unknown[]).length).toBeLessThan(4); // refused in preflight, nothing touched
  }, 90_000);

  it("refresh: the same version on a fresh VM (a new app layer without a re-bake), data kept", async () => {
    const before = await claw("kai");
    const done = await t.waitForOperation(await start("kai", "refresh"), 180_000);
    expect(done.status, JSON.stringify(done)).toBe("succeeded");
    expect(done.details).toMatchObject({ mode: "refresh", fromVersion: "1.1.0", toVersion: "1.1.0" });
    const after = await claw("kai");
    expect(after.observed.vmName).not.toBe(before.observed.vmName);
    expect(after.observed.imageVersion).toBe("1.1.0");
    expect(after.observed.hostKeySha256).toBe(before.observed.hostKeySha256);
    const ip = after.observed.publicIp!;
    expect((await t.guest(ip, after.observed.hostKeySha256).exec(`cat ${NOTE}`)).stdout.trim()).toBe(
      "remember kai",
    );
  }, 240_000);

  it("refresh: boot failing on the fresh VM rolls back with the data intact", async () => {
    const before = await claw("jun");
    holdIpMove("jun");
    const op = await start("jun", "refresh");
    await waitForStep(op, /^detach-disk/);
    const standby = standbyOf("jun", before.observed.vmName);
    await t
      .gateway()
      .runCommand(standby, [
        'mkdir -p "${CLAW_STATE:-/var/lib/openclawps}/shim/systemd"',
        'touch "${CLAW_STATE:-/var/lib/openclawps}/shim/systemd/openclaw-gateway.fail"',
      ]);
    const done = await t.waitForOperation(op, 240_000);
    expect(done.status, JSON.stringify(done)).toBe("compensated");
    const after = await claw("jun");
    expect(after.observed.vmName).toBe(before.observed.vmName);
    expect(after.observed.lastVerify).toMatchObject({ ok: true });
    const ip = after.observed.publicIp!;
    expect((await t.guest(ip, after.observed.hostKeySha256).exec(`cat ${NOTE}`)).stdout.trim()).toBe(
      "remember jun",
    );
  }, 300_000);
});
