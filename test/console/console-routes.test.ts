import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gunzipSync } from "node:zlib";
import { HttpRequest, InvocationContext } from "@azure/functions";
import { createConsoleDataHandlers } from "../../functions/http/console-data";
import { startAzurite, type Azurite } from "../helpers/azurite";
import { spec, testDeps, type TestDeps } from "../api/fakes";

let azurite: Azurite;
let deps: TestDeps;
beforeAll(async () => {
  azurite = await startAzurite({ table: true, queue: false });
  deps = testDeps(azurite.connectionString);
  await deps.state.claws.create(spec("alice"));
  await deps.state.claws.create(
    spec("bob", {
      schedule: {
        mode: "scheduled",
        timeZone: "UTC",
        parkAt: "22:00",
        wakeAt: "07:00",
        days: ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
      },
    }),
  );
  await deps.state.claws.updateObserved("alice", { powerState: "running" });
  await deps.state.claws.updateObserved("bob", { powerState: "deallocated" });
});
afterAll(async () => {
  await azurite?.close();
});

const now = () => new Date("2026-03-03T12:00:30Z");
const handlers = () => createConsoleDataHandlers(() => deps, now);
const call = (name: keyof ReturnType<typeof handlers>, path: string, headers: Record<string, string> = {}) =>
  handlers()[name](
    new HttpRequest({ method: "GET", url: `http://127.0.0.1/api/v1${path}`, headers }),
    new InvocationContext({ functionName: name }),
  );

describe("console reads", () => {
  it("GET /fleet: each claw with its effective schedule and next transition; 304 on the same ETag", async () => {
    const res = await call("fleetList", "/fleet");
    expect(res.status).toBe(200);
    const body = res.jsonBody as {
      claws: { name: string; next?: { action: string; at: string }; schedule: { mode: string } }[];
    };
    expect(body.claws.map((c) => c.name)).toEqual(["alice", "bob"]);
    expect(body.claws[1].next).toEqual({ action: "park", at: "2026-03-03T22:00:00.000Z" });
    const etag = (res.headers as Record<string, string>).etag;
    expect(etag).toMatch(/^".+"$/);
    const again = await call("fleetList", "/fleet", { "if-none-match": etag });
    expect(again.status).toBe(304);
    expect(again.jsonBody).toBeUndefined();
  });

  it("GET /fleet: gzip when accepted", async () => {
    for (const n of ["carol", "dave", "erin"]) await deps.state.claws.create(spec(n));
    const res = await call("fleetList", "/fleet", { "accept-encoding": "gzip, br" });
    const h = res.headers as Record<string, string>;
    expect(h["content-encoding"]).toBe("gzip");
    const parsed = JSON.parse(gunzipSync(res.body as Buffer).toString()) as { claws: unknown[] };
    expect(parsed.claws).toHaveLength(5);
  });

  it("GET /stats/fleet-hours: hours per day and the price table's currency", async () => {
    const res = await call("fleetHoursStats", "/stats/fleet-hours?days=3");
    expect(res.status, JSON.stringify(res.jsonBody)).toBe(200);
    const body = res.jsonBody as {
      days: { day: string; runningHours: number; parkedHours: number }[];
      currency: string;
    };
    expect(body.days.map((d) => d.day)).toEqual(["2026-03-01", "2026-03-02", "2026-03-03"]);
    // No records: each claw counts in its observed state for the whole window.
    expect(body.days[0]).toMatchObject({ runningHours: 24, parkedHours: 24 });
    expect(body.currency).toBe("USD");
    const bad = await call("fleetHoursStats", "/stats/fleet-hours?days=0");
    expect(bad.status).toBe(400);
  });

  it("GET /audit: the recorded commands, newest first", async () => {
    await deps.state.audit.record({
      channel: "http",
      principal: "http:function-key",
      kind: "park",
      claw: "alice",
      command: {},
      accepted: true,
    });
    const res = await call("auditList", "/audit?days=1");
    expect(res.status).toBe(200);
    expect((res.jsonBody as { entries: { kind: string }[] }).entries.map((e) => e.kind)).toContain("park");
  });
});
