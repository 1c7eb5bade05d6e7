/**
 * The rollouts HTTP handlers (functions/http/rollouts.ts) with real requests: create starts the
 * rolloutFleet saga through the durable client and answers 202 with Location; list and item read the
 * Rollouts table; actions raise the control event or are refused (404 unknown action, 409 when the
 * rollout cannot take it), each command audited.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAppRoot, setAppRoot } from "../../core/app";
import type { FleetDeps } from "../../core/fleet/deps";
import { rolloutAction, rolloutCreate, rolloutItem, rolloutsList } from "../../functions/http/rollouts";
import { startAzurite, type Azurite } from "../helpers/azurite";
import { answer, request, startFakeDurable, type FakeDurable } from "./http-fixture";

let azurite: Azurite;
let durable: FakeDurable;
let deps: FleetDeps;
const noAzure = {
  getVm: () => Promise.reject(new Error("not used")),
  getImageVersion: () => Promise.reject(new Error("not used")),
};

beforeAll(async () => {
  [azurite, durable] = await Promise.all([startAzurite({ table: true, queue: false }), startFakeDurable()]);
  const root = createAppRoot({ AzureWebJobsStorage: azurite.connectionString }, { fleetAzure: noAzure });
  setAppRoot(root);
  deps = await root.fleet();
  await deps.state.images.upsert({ version: "1.2.0", state: "Succeeded", regions: ["westus"] });
  await deps.state.images.upsert({ version: "1.3.0", state: "Creating", regions: ["westus"] });
});
afterAll(async () => {
  await durable?.close();
  await azurite?.close();
});

const create = async (body: unknown) =>
  answer(await rolloutCreate(request("POST", "/v1/rollouts", { body }), durable.context("rolloutCreate")));
const act = async (id: string, action: string) =>
  answer(
    await rolloutAction(
      request("POST", `/v1/rollouts/${id}/${action}`, { params: { id, action } }),
      durable.context("rolloutAction"),
    ),
  );

describe("rollouts HTTP API", () => {
  it("rolloutCreate: refuses an unknown or unready image with 400 and starts nothing", async () => {
    const unknown = await create({ version: "9.9.9" });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatchObject({ code: "IMAGE_NOT_FOUND" });
    const creating = await create({ version: "1.3.0" });
    expect(creating.body.error).toMatchObject({ code: "IMAGE_NOT_READY" });
    const bad = await create({ version: "1.2.0", batchSize: 0 });
    expect(bad.status).toBe(400);
    expect(durable.calls).toEqual([]);
    const refused = (await deps.state.audit.list()).filter((a) => a.kind === "rollout" && !a.accepted);
    expect(refused).toHaveLength(3);
  });

  let id = "";
  it("rolloutCreate: 202 with Location, starts rolloutFleet under the rollout's instance id", async () => {
    const r = await create({ version: "1.2.0", canary: 1, batchSize: 5, soakMinutes: 0 });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    id = String(r.body.rolloutId);
    expect(r.body).toMatchObject({ accepted: true, version: "1.2.0", statusPath: `/api/v1/rollouts/${id}` });
    expect(r.headers.Location).toBe(`/api/v1/rollouts/${id}`);
    expect(durable.calls).toEqual([
      {
        method: "POST",
        path: `orchestrators/rolloutFleet/rollout-${id}`,
        body: { rolloutId: id, channel: "http", principal: expect.any(String) as unknown },
      },
    ]);
  });

  it("rolloutCreate: a second rollout while one is active is 409 naming it", async () => {
    const r = await create({ version: "1.2.0" });
    expect(r.status).toBe(409);
    expect(JSON.stringify(r.body)).toContain(id);
    expect(durable.calls).toHaveLength(1);
  });

  it("rolloutsList / rolloutItem: the rollout is listed and described; an unknown id is 404", async () => {
    const list = answer(await rolloutsList(request("GET", "/v1/rollouts"), durable.context("rolloutsList")));
    expect(list.status).toBe(200);
    expect(list.body.rollouts).toMatchObject([{ id, version: "1.2.0", status: "starting" }]);
    const item = answer(
      await rolloutItem(request("GET", `/v1/rollouts/${id}`, { params: { id } }), durable.context("x")),
    );
    expect(item.status).toBe(200);
    expect(JSON.stringify(item.body)).toContain(id);
    const missing = answer(
      await rolloutItem(
        request("GET", "/v1/rollouts/nope", { params: { id: "nope" } }),
        durable.context("x"),
      ),
    );
    expect(missing.status).toBe(404);
  });

  it("rolloutAction: pause raises the control event; approve before the gate is 409; a bad action is 404", async () => {
    durable.calls.length = 0;
    const paused = await act(id, "pause");
    expect(paused.status, JSON.stringify(paused.body)).toBe(202);
    expect(paused.body).toMatchObject({ accepted: true, rolloutId: id, action: "pause" });
    expect(durable.calls).toMatchObject([
      { method: "POST", path: `instances/rollout-${id}/raiseEvent/control`, body: { action: "pause" } },
    ]);
    expect((await act(id, "approve")).status).toBe(409);
    const bogus = await act(id, "explode");
    expect(bogus.status).toBe(404);
    expect((await act("nope", "cancel")).status).toBe(404);
    expect(durable.calls).toHaveLength(1);
    const audits = (await deps.state.audit.list()).filter((a) => a.kind.startsWith("rollout-"));
    expect(audits.filter((a) => a.accepted).map((a) => a.kind)).toEqual(["rollout-pause"]);
    expect(audits.filter((a) => !a.accepted)).toHaveLength(3);
  });

  it("rolloutAction: a finished rollout takes no more commands (409)", async () => {
    await deps.rollouts.update(id, (c) => ({ ...c, status: "cancelled", endedAt: new Date().toISOString() }));
    const r = await act(id, "resume");
    expect(r.status).toBe(409);
    expect(JSON.stringify(r.body)).toContain("takes no more commands");
  });

  it("rolloutCreate: the saga failing to start is 500 and the rollout is marked failed", async () => {
    durable.status = 500;
    try {
      const r = await create({ version: "1.2.0" });
      expect(r.status).toBe(500);
      const list = answer(await rolloutsList(request("GET", "/v1/rollouts"), durable.context("x")));
      const newest = (list.body.rollouts as { id: string; status: string }[]).find((x) => x.id !== id);
      expect(newest).toMatchObject({ status: "failed" });
    } finally {
      durable.status = 202;
    }
  });
  it("rolloutItem / rolloutAction: a malformed id is 400 naming the rule, an unknown long one 404 echoed short", async () => {
    for (const bad of ["a/b", "a\\b", "a#b", "a?b", "x".repeat(2000)]) {
      const item = answer(
        await rolloutItem(request("GET", "/v1/rollouts/x", { params: { id: bad } }), durable.context("x")),
      );
      expect(item.status, bad.slice(0, 10)).toBe(400);
      expect(JSON.stringify(item.body)).toMatch(/rollout id: may contain only letters, digits/);
      expect(JSON.stringify(item.body).length).toBeLessThan(400);
      expect((await act(bad, "approve")).status).toBe(400);
    }
    const unknown = "y".repeat(128);
    const missing = answer(
      await rolloutItem(request("GET", "/v1/rollouts/x", { params: { id: unknown } }), durable.context("x")),
    );
    expect(missing.status).toBe(404);
    expect(JSON.stringify(missing.body)).not.toContain(unknown);
  });
});
