/**
 * The seed's order (UPGRADE_STRATEGY=replace) end to end on the strict twin: deallocate, detach,
 * delete, create from the new version (cloud-init installs the app layer), attach, boot.sh over
 * SSH pinned to the key Run Command reported, verify. Its compensation: boot failing on the new
 * image recreates the previous version on the pre-upgrade snapshot.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTwinHarness, type TwinHarness } from "../../local/twin-harness";

const NOTE = `"\${CLAW_DATA:-/mnt/claw-data}/workspace/note.txt"`;

describe("upgrade in the seed's order (replace) on the twin", () => {
  let t: TwinHarness;
  beforeAll(async () => {
    t = await startTwinHarness({ env: { UPGRADE_STRATEGY: "replace" } });
  }, 120_000);
  afterAll(async () => t?.close());

  const claw = async (name: string) =>
    (await t.api<{ observed: Record<string, string> }>("GET", `/v1/claws/${name}`)).body.observed;

  async function run(name: string, action: string, body?: unknown) {
    const r = await t.api<{ operationId: string }>("POST", `/v1/claws/${name}/${action}`, body);
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    return r.body.operationId;
  }

  async function deployed(name: string) {
    const c = await t.api("POST", "/v1/claws", { name, region: "westus", vmSize: "Standard_D2s_v5", imageVersion: "1.0.0" }); // prettier-ignore
    expect(c.status, JSON.stringify(c.body)).toBe(201);
    expect((await t.waitForOperation(await run(name, "deploy"), 120_000)).status).toBe("succeeded");
    const o = await claw(name);
    expect((await t.guest(o.publicIp, o.hostKeySha256).exec(`echo "kept ${name}" > ${NOTE}`)).code).toBe(0);
    return o;
  }

  it("replace: the same VM name, the data and the host key survive; the new version runs", async () => {
    const before = await deployed("rex");
    const op = await t.waitForOperation(await run("rex", "upgrade", { toVersion: "1.1.0" }), 180_000);
    expect(op.status, JSON.stringify(op)).toBe("succeeded");
    expect(op.details).toMatchObject({ strategy: "replace" });
    const steps = (op.steps as Array<{ name: string }>).map((s) => s.name.split(" ")[0]);
    const order = ["release-disk", "deallocate", "detach-disk", "delete-vm", "create-vm", "await-standby", "attach-disk", "boot", "verify"]; // prettier-ignore
    expect(steps.filter((s) => order.includes(s))).toEqual(order);
    const after = await claw("rex");
    expect(after.imageVersion).toBe("1.1.0");
    expect(after.hostKeySha256).toBe(before.hostKeySha256);
    expect(after.vmName ?? "rex").toBe(before.vmName ?? "rex");
    expect((await t.guest(after.publicIp, after.hostKeySha256).exec(`cat ${NOTE}`)).stdout.trim()).toBe(
      "kept rex",
    );
  }, 180_000);

  it("replace: boot failing on the new image recreates the previous version on the snapshot", async () => {
    await deployed("sol");
    // Hold the detach and the attach a few seconds each, so the new VM can be changed through Run
    // Command after the saga's own Run Command ended and before boot.sh runs there.
    t.twin.emulator.faults.add({
      operationId: "VirtualMachines_AttachDetachDataDisks",
      pathIncludes: "/virtualMachines/sol/",
      effect: { type: "delay", ms: 4_000 },
      times: 2,
    });
    const op = await run("sol", "upgrade", { toVersion: "1.1.0" });
    const until = Date.now() + 120_000;
    for (;;) {
      const r = await t.api<{ steps?: Array<{ name: string }> }>("GET", `/v1/operations/${op}`);
      if (r.body.steps?.some((s) => s.name.startsWith("attach-disk"))) break;
      if (Date.now() > until) throw new Error("never reached attach-disk");
      await new Promise((res) => setTimeout(res, 50));
    }
    await t
      .gateway()
      .runCommand("sol", [
        'mkdir -p "${CLAW_STATE:-/var/lib/openclawps}/shim/systemd"',
        'touch "${CLAW_STATE:-/var/lib/openclawps}/shim/systemd/openclaw-gateway.fail"',
      ]);
    const done = await t.waitForOperation(op, 240_000);
    expect(done.status, JSON.stringify(done)).toBe("compensated");
    expect(JSON.stringify(done.compensation)).toMatch(/recreated from 1\.0\.0 and verified.*snapshot/);
    const o = await claw("sol");
    expect(o.imageVersion).toBe("1.0.0");
    expect(o.diskId).toMatch(/sol-data-r/);
    expect((await t.guest(o.publicIp, o.hostKeySha256).exec(`cat ${NOTE}`)).stdout.trim()).toBe("kept sol");
  }, 300_000);
});
