/**
 * The pin HTTP handlers (functions/http/pins.ts) with real requests: POST pins a claw awake for
 * `hours` (200, or 202 with a wake saga started through the durable client when it is parked),
 * refuses bad bodies (400, audited) and unknown claws (404); DELETE hands it back to its schedule.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAppRoot, setAppRoot } from "../../core/app";
import type { FleetDeps } from "../../core/fleet/deps";
import { clawPin, clawUnpin } from "../../functions/http/pins";
import { startAzurite, type Azurite } from "../helpers/azurite";
import { spec } from "../api/fakes";
import { answer, request, startFakeDurable, type FakeDurable } from "./http-fixture";

let azurite: Azurite;
let durable: FakeDurable;
let deps: FleetDeps;
const savedStorage = process.env.AzureWebJobsStorage;
const noAzure = {
  getVm: () => Promise.reject(new Error("not used")),
  getImageVersion: () => Promise.reject(new Error("not used")),
};

beforeAll(async () => {
  [azurite, durable] = await Promise.all([startAzurite({ table: true, queue: false }), startFakeDurable()]);
  // The pin route builds its command deps from the app settings, as on Azure.
  process.env.AzureWebJobsStorage = azurite.connectionString;
  const root = createAppRoot({ AzureWebJobsStorage: azurite.connectionString }, { fleetAzure: noAzure });
  setAppRoot(root);
  deps = await root.fleet();
  await deps.state.claws.create(spec("awake"));
  await deps.state.claws.updateObserved("awake", { powerState: "running" });
  await deps.state.claws.create(spec("parked"));
  await deps.state.claws.updateObserved("parked", { powerState: "deallocated" });
});
afterAll(async () => {
  if (savedStorage === undefined) delete process.env.AzureWebJobsStorage;
  else process.env.AzureWebJobsStorage = savedStorage;
  await durable?.close();
  await azurite?.close();
});

const pin = async (name: string, body: unknown, raw?: string) =>
  answer(
    await clawPin(
      request("POST", `/v1/claws/${name}/pin`, { body, raw, params: { name } }),
      durable.context("clawPin"),
    ),
  );
const unpin = async (name: string) =>
  answer(
    await clawUnpin(request("DELETE", `/v1/claws/${name}/pin`, { params: { name } }), durable.context("u")),
  );

describe("pin HTTP API", () => {
  it("clawPin: a running claw is pinned (200, until now + hours) and no saga starts", async () => {
    const before = Date.now();
    const r = await pin("awake", { hours: 3 });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.wake).toBeUndefined();
    const until = Date.parse(String(r.body.pinnedUntil));
    expect(until - before).toBeGreaterThanOrEqual(3 * 3_600_000 - 1_000);
    expect(until - before).toBeLessThanOrEqual(3 * 3_600_000 + 60_000);
    expect((await deps.fleet.pins()).get("awake")?.toISOString()).toBe(r.body.pinnedUntil);
    expect(durable.calls).toEqual([]);
  });

  it("clawPin: a parked claw is pinned and woken (202 with the wake saga's operation)", async () => {
    const r = await pin("parked", { hours: 2 });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    const wake = r.body.wake as { operationId: string };
    expect(wake.operationId).toBeTruthy();
    const starts = durable.calls.filter((c) => c.method === "POST");
    expect(starts).toHaveLength(1);
    expect(starts[0].path).toMatch(/^orchestrators\/wakeClaw\//);
    expect(starts[0].body).toMatchObject({ claw: "parked" });
    expect((await deps.fleet.pins()).has("parked")).toBe(true);
  });

  it("clawPin: bad hours, unknown fields and non-JSON are 400 and audited; an unknown claw is 404", async () => {
    for (const body of [{ hours: 0 }, { hours: 169 }, { hours: "3" }, { hours: 1, extra: true }]) {
      const r = await pin("awake", body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error).toMatchObject({ code: "BAD_REQUEST" });
    }
    expect((await pin("awake", undefined, "{not json")).status).toBe(400);
    expect((await pin("ghost", { hours: 1 })).status).toBe(404);
    expect((await deps.fleet.pins()).has("ghost")).toBe(false);
    const refused = (await deps.state.audit.list()).filter((a) => a.kind === "pin" && !a.accepted);
    expect(refused.length).toBeGreaterThanOrEqual(4);
  });

  it("clawUnpin: 204 removes the pin and audits it; an unknown claw is 404", async () => {
    const r = await unpin("awake");
    expect(r.status).toBe(204);
    expect((await deps.fleet.pins()).has("awake")).toBe(false);
    expect((await deps.state.audit.list()).some((a) => a.kind === "unpin" && a.claw === "awake")).toBe(true);
    expect((await unpin("ghost")).status).toBe(404);
  });
});
