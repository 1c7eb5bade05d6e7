/**
 * The claw lifecycle end to end on the twin (issue 4): HTTP API → dev host → durable sagas →
 * Azure gateway → emulator → simulated guest running the real runtime/ scripts over real SSH.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TableServiceClient, TableClient } from "@azure/data-tables";
import { SECRET_VALUES, startTwinHarness, type TwinHarness } from "../../local/twin-harness";

const spec = { name: "alice", region: "westus", vmSize: "Standard_D2s_v5", imageVersion: "1.0.0" };

describe("claw lifecycle on the twin", () => {
  let t: TwinHarness;
  beforeAll(async () => {
    t = await startTwinHarness();
  }, 120_000);
  afterAll(async () => t?.close());

  /** SSH to whichever VM holds the claw's public IP, pinned to the claw's host key. */
  const guest = async () => {
    const c = (await t.api<{ observed: Record<string, string> }>("GET", "/v1/claws/alice")).body;
    return t.guest(c.observed.publicIp, c.observed.hostKeySha256);
  };

  async function run(action: string, body?: unknown) {
    const r = await t.api<{ operationId: string }>("POST", `/v1/claws/alice/${action}`, body);
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    return t.waitForOperation(r.body.operationId);
  }

  it("deploy → file on the data disk → upgrade keeps it → park refuses SSH → wake verifies", async () => {
    const created = await t.api("POST", "/v1/claws", spec);
    expect(created.status, JSON.stringify(created.body)).toBe(201);

    const deployed = await run("deploy");
    expect(deployed.status, JSON.stringify(deployed)).toBe("succeeded");
    let claw = (await t.api<{ observed: Record<string, unknown> }>("GET", "/v1/claws/alice")).body;
    expect(claw.observed.imageVersion).toBe("1.0.0");
    expect(claw.observed.lastVerify).toMatchObject({ ok: true });

    const wrote = await (
      await guest()
    ).exec(`echo "remember me" > "\${CLAW_DATA:-/mnt/claw-data}/workspace/note.txt"`);
    expect(wrote.code).toBe(0);

    const upgraded = await run("upgrade", { toVersion: "1.1.0" });
    expect(upgraded.status, JSON.stringify(upgraded)).toBe("succeeded");
    claw = (await t.api<{ observed: Record<string, unknown> }>("GET", "/v1/claws/alice")).body;
    expect(claw.observed.imageVersion).toBe("1.1.0");
    expect(claw.observed.lastVerify).toMatchObject({ ok: true, imageVersion: "1.1.0" });
    const read = await (await guest()).exec(`cat "\${CLAW_DATA:-/mnt/claw-data}/workspace/note.txt"`);
    expect(read.stdout.trim()).toBe("remember me");

    const parked = await run("park");
    expect(parked.status).toBe("succeeded");
    await expect((await guest()).exec("true")).rejects.toThrow();

    const woken = await run("wake");
    expect(woken.status, JSON.stringify(woken)).toBe("succeeded");
    expect(
      (await (await guest()).exec(`cat "\${CLAW_DATA:-/mnt/claw-data}/workspace/note.txt"`)).stdout.trim(),
    ).toBe("remember me");
  }, 180_000);

  it("two sagas on one claw at once: one runs, the other gets 409 naming the running operation", async () => {
    const [a, b] = await Promise.all([
      t.api<{ operationId?: string; error?: { code: string } }>("POST", "/v1/claws/alice/verify"),
      t.api<{ operationId?: string; error?: { code: string } }>("POST", "/v1/claws/alice/verify"),
    ]);
    const statuses = [a.status, b.status].sort();
    expect(statuses).toEqual([202, 409]);
    const accepted = a.status === 202 ? a : b;
    const refused = a.status === 202 ? b : a;
    expect(refused.body.error?.code).toBe("CLAW_BUSY");
    expect(JSON.stringify(refused.body)).toContain(accepted.body.operationId!);
    await t.waitForOperation(accepted.body.operationId!);
  }, 60_000);

  it("secrets: never in a table row, a log line or the VM's custom data", async () => {
    const needles = Object.values(SECRET_VALUES);
    const service = TableServiceClient.fromConnectionString(t.azurite.connectionString, {
      allowInsecureConnection: true,
    });
    let rows = 0;
    for await (const table of service.listTables()) {
      const client = TableClient.fromConnectionString(t.azurite.connectionString, table.name!, {
        allowInsecureConnection: true,
      });
      for await (const e of client.listEntities()) {
        rows++;
        const text = JSON.stringify(e);
        for (const n of needles) expect(text, `table ${table.name}`).not.toContain(n);
      }
    }
    expect(rows).toBeGreaterThan(10);
    const logText = t.logs.join("\n");
    expect(logText.length).toBeGreaterThan(100);
    for (const n of needles) expect(logText).not.toContain(n);
    // The guests keep the custom data cloud-init got, as a VM does (var/lib/cloud/instance/user-data.txt).
    const customData = (fs.readdirSync(t.twin.emulator.stateDir, { recursive: true }) as string[])
      .filter((f) => f.endsWith("user-data.txt"))
      .map((f) => fs.readFileSync(path.join(t.twin.emulator.stateDir, f), "utf8"));
    expect(customData.length).toBeGreaterThan(0);
    expect(customData[0]).toContain("#cloud-config");
    for (const cd of customData) for (const n of needles) expect(cd).not.toContain(n);
  });
});
