import { randomBytes } from "node:crypto";
import { TableClient } from "@azure/data-tables";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clawSpecSchema } from "../../core/domain";
import { ClawError } from "../../core/errors";
import { createStateStore, newOperationId, updateWithRetry, type StateStore } from "../../core/state";
import { startAzurite, type Azurite } from "../helpers/azurite";
import { clawError } from "../helpers/errors";
import { fitJson } from "../../core/state/columns";

let azurite: Azurite;
beforeAll(async () => {
  azurite = await startAzurite({ table: true, queue: false });
});
afterAll(async () => {
  await azurite?.close();
});

function store(now?: () => Date): StateStore {
  return createStateStore(azurite.connectionString, { prefix: `t${randomBytes(4).toString("hex")}`, now });
}

const spec = (name = "alice") =>
  clawSpecSchema.parse({
    name,
    region: "eastus",
    vmSize: "Standard_D4s_v5",
    imageVersion: "1.0.0",
    tags: { team: "ops" },
  });

describe("state store", () => {
  it("createStateStore: creates the prefixed tables when missing (and again is harmless)", async () => {
    const s = store();
    await s.ensureTables();
    await s.ensureTables();
    const again = createStateStore(azurite.connectionString, {
      prefix: s.tableNames.claws.replace(/Claws$/, ""),
    });
    await again.ensureTables();
    expect(s.tableNames.claws).toMatch(/^t[0-9a-f]{8}Claws$/);
    expect(await s.claws.list()).toEqual([]);
  });

  it("createStateStore: refuses a prefix that makes an invalid table name", () => {
    expect(() => createStateStore(azurite.connectionString, { prefix: "bad-prefix" })).toThrow(/table name/);
  });
});

describe("claws", () => {
  it("create/get: round-trips the spec and stamps times", async () => {
    const s = store(() => new Date("2025-01-02T03:04:05Z"));
    const created = await s.claws.create(spec());
    expect(created.etag).toBeTruthy();
    const got = await s.claws.require("alice");
    expect(got).toEqual({ ...created, etag: got.etag });
    expect(got.spec).toEqual(spec());
    expect(got.createdAt).toBe("2025-01-02T03:04:05.000Z");
    expect(await s.claws.get("bob")).toBeUndefined();
  });

  it("create: refuses a second claw of the same name with CLAW_EXISTS", async () => {
    const s = store();
    await s.claws.create(spec());
    const e = await clawError(s.claws.create(spec()));
    expect(e.code).toBe("CLAW_EXISTS");
    expect(e.httpStatus).toBe(409);
  });

  it("require: a missing claw is CLAW_NOT_FOUND", async () => {
    expect((await clawError(store().claws.require("ghost"))).code).toBe("CLAW_NOT_FOUND");
  });

  it("replace: a stale ETag is a retryable CONFLICT and writes nothing", async () => {
    const s = store();
    const first = await s.claws.create(spec());
    await s.claws.replace({ ...first, observed: { powerState: "running" } });
    const e = await clawError(s.claws.replace({ ...first, observed: { powerState: "deallocated" } }));
    expect(e.code).toBe("CONFLICT");
    expect(e.retryable).toBe(true);
    expect((await s.claws.require("alice")).observed.powerState).toBe("running");
  });

  it("update: concurrent read-modify-writes all land (retry on stale ETag)", async () => {
    const s = store();
    await s.claws.create(spec());
    await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        s.claws.update("alice", (c) => ({
          ...c,
          spec: { ...c.spec, tags: { ...c.spec.tags, [`k${i}`]: "v" } },
        })),
      ),
    );
    const tags = (await s.claws.require("alice")).spec.tags;
    expect(Object.keys(tags).sort()).toEqual(["k0", "k1", "k2", "k3", "k4", "k5", "team"]);
  });

  it("updateObserved: sets, keeps and clears fields", async () => {
    const s = store();
    await s.claws.create(spec());
    await s.claws.updateObserved("alice", {
      powerState: "running",
      vmId: "/subscriptions/x/vm/alice",
      publicIp: "20.1.2.3",
      hostKeySha256: "SHA256:abc",
      lastVerify: { at: "2025-01-01T00:00:00.000Z", ok: false, total: 3, failed: ["gateway"] },
    });
    const r = await s.claws.updateObserved("alice", { publicIp: null, powerState: "deallocated" });
    expect(r.observed).toEqual({
      powerState: "deallocated",
      vmId: "/subscriptions/x/vm/alice",
      hostKeySha256: "SHA256:abc",
      lastVerify: { at: "2025-01-01T00:00:00.000Z", ok: false, total: 3, failed: ["gateway"] },
    });
    expect((await s.claws.require("alice")).observed).toEqual(r.observed);
  });

  it("claimOperation: one operation at a time; the loser learns the holder's id", async () => {
    const s = store();
    await s.claws.create(spec());
    const results = await Promise.allSettled([
      s.claws.claimOperation("alice", "op-a"),
      s.claws.claimOperation("alice", "op-b"),
    ]);
    const won = results.filter((r) => r.status === "fulfilled");
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    const holder = (await s.claws.require("alice")).runningOperationId;
    expect(lost[0].reason).toBeInstanceOf(ClawError);
    expect((lost[0].reason as ClawError).code).toBe("CLAW_BUSY");
    expect((lost[0].reason as ClawError).details).toEqual({ operationId: holder });
    // the holder claiming again is a no-op; a release by someone else changes nothing
    await s.claws.claimOperation("alice", holder!);
    await s.claws.releaseOperation("alice", "someone-else");
    expect((await s.claws.require("alice")).runningOperationId).toBe(holder);
    await s.claws.releaseOperation("alice", holder!);
    expect((await s.claws.require("alice")).runningOperationId).toBeUndefined();
    expect(await s.claws.releaseOperation("ghost", "x")).toBeUndefined();
  });

  it("delete: removes the row; a missing row is fine; a stale etag is CONFLICT", async () => {
    const s = store();
    const c = await s.claws.create(spec());
    await s.claws.updateObserved("alice", { powerState: "running" });
    expect((await clawError(s.claws.delete("alice", c.etag))).code).toBe("CONFLICT");
    await s.claws.delete("alice");
    await s.claws.delete("alice");
    expect(await s.claws.get("alice")).toBeUndefined();
  });

  it("create: a spec with the largest tags Azure allows still fits one row", async () => {
    const s = store();
    const tags = Object.fromEntries(
      Array.from({ length: 50 }, (_, i) => [`${i}`.padEnd(512, "k"), "v".repeat(256)]),
    );
    const big = clawSpecSchema.parse({ ...spec("big"), tags });
    await s.claws.create(big);
    expect((await s.claws.require("big")).spec).toEqual(big);
  });
});

describe("operations", () => {
  it("start: records a running operation; a redelivered start returns the same row", async () => {
    const s = store();
    const op = await s.operations.start({
      id: "op1",
      kind: "upgrade",
      claw: "alice",
      channel: "queue",
      principal: "q",
      requestId: "r1",
    });
    expect(op.status).toBe("running");
    const again = await s.operations.start({
      id: "op1",
      kind: "upgrade",
      claw: "alice",
      channel: "queue",
      principal: "q",
    });
    expect(again.startedAt).toBe(op.startedAt);
    expect(again.requestId).toBe("r1");
    const e = await clawError(
      s.operations.start({ id: "op1", kind: "park", claw: "alice", channel: "http", principal: "p" }),
    );
    expect(e.code).toBe("CONFLICT");
  });

  it("finish: a 5,000-claw fleet digest is stored, its longest list cut and counted", async () => {
    const s = store();
    const op = await s.operations.start({
      kind: "scheduleTick",
      claw: "*",
      channel: "timer",
      principal: "timer",
    });
    const done = Array.from({ length: 5000 }, (_, i) => ({ claw: `claw-${i}`, detail: "parked" }));
    const failed = [{ claw: "claw-x", reason: "park: AZURE_THROTTLED" }];
    await s.operations.finish(op.id, {
      status: "succeeded",
      details: { digest: { done, failed, skipped: [] } },
    });
    const read = await s.operations.require(op.id);
    const digest = read.details?.digest as { done: unknown[]; failed: unknown[] };
    expect(digest.failed).toEqual(failed);
    expect(digest.done.length).toBeGreaterThan(1000);
    expect(digest.done.length + (read.details?.omitted as Record<string, number>)["digest.done"]).toBe(5000);
  });

  it("fitJson: leaves a value that fits alone, and cuts the longest list first", () => {
    const small = { a: [1, 2, 3] };
    expect(fitJson(small, 100)).toBe(small);
    const big = { long: Array.from({ length: 100 }, () => "xxxxxxxxxx"), short: ["keep"] };
    const fitted = fitJson(big, 700);
    expect(JSON.stringify(fitted).length).toBeLessThanOrEqual(700);
    expect(fitted.short).toEqual(["keep"]);
    expect((fitted as unknown as { omitted: Record<string, number> }).omitted.long).toBe(
      100 - fitted.long.length,
    );
  });

  it("steps: start and end steps with timings, then finish with compensation", async () => {
    let t = Date.parse("2025-03-01T10:00:00Z");
    const s = store(() => new Date((t += 1000)));
    const op = await s.operations.start({ kind: "upgrade", claw: "alice", channel: "http", principal: "p" });
    await s.operations.startStep(op.id, "snapshot");
    await s.operations.endStep(op.id, "snapshot", { ok: true, detail: "alice-data-snap-1" });
    await s.operations.startStep(op.id, "create-vm");
    await s.operations.endStep(op.id, "create-vm", { ok: false, detail: "x".repeat(5000) });
    const done = await s.operations.finish(op.id, {
      status: "compensated",
      error: { code: "AZURE_ERROR", message: "boom", step: "create-vm" },
      compensation: {
        summary: "recreated from 1.0.0",
        steps: [{ name: "recreate", startedAt: "a", endedAt: "b", ok: true }],
        restored: { imageVersion: "1.0.0" },
      },
      details: { toVersion: "2.0.0" },
    });
    const read = await s.operations.require(op.id);
    expect(read).toEqual({ ...done, etag: read.etag });
    expect(read.steps.map((x) => [x.name, x.ok])).toEqual([
      ["snapshot", true],
      ["create-vm", false],
    ]);
    expect(read.steps[0]).toMatchObject({
      startedAt: "2025-03-01T10:00:02.000Z",
      endedAt: "2025-03-01T10:00:03.000Z",
    });
    expect(read.steps[1].detail!.length).toBeLessThanOrEqual(500);
    expect(read.endedAt).toBeDefined();
    expect(read.compensation?.restored).toEqual({ imageVersion: "1.0.0" });
  });

  it("update: hundreds of steps stay within the entity limits", async () => {
    const s = store();
    const op = await s.operations.start({ kind: "rollout", claw: "fleet", channel: "timer", principal: "t" });
    const steps = Array.from({ length: 400 }, (_, i) => ({
      name: `s${i}`,
      startedAt: "x",
      detail: "d".repeat(2000),
    }));
    await s.operations.update(op.id, (c) => ({ ...c, steps }));
    const read = await s.operations.require(op.id);
    expect(read.steps.length).toBe(200);
    expect(read.steps[20].detail).toContain("steps omitted");
    expect(read.steps.at(-1)!.name).toBe("s399");
  });

  it("list: newest first, filtered by claw and status; require of a missing id is NOT_FOUND", async () => {
    let t = Date.parse("2025-03-01T10:00:00Z");
    const s = store(() => new Date((t += 60_000)));
    const a = await s.operations.start({ kind: "deploy", claw: "alice", channel: "http", principal: "p" });
    const b = await s.operations.start({ kind: "deploy", claw: "bob", channel: "http", principal: "p" });
    const c = await s.operations.start({ kind: "park", claw: "alice", channel: "timer", principal: "t" });
    await s.operations.finish(a.id, { status: "succeeded" });
    expect((await s.operations.list()).map((o) => o.id)).toEqual([c.id, b.id, a.id]);
    expect((await s.operations.list({ claw: "alice" })).map((o) => o.id)).toEqual([c.id, a.id]);
    expect((await s.operations.list({ claw: "alice", status: "running" })).map((o) => o.id)).toEqual([c.id]);
    expect((await s.operations.list({ limit: 1 })).map((o) => o.id)).toEqual([c.id]);
    expect((await clawError(s.operations.require("nope"))).code).toBe("NOT_FOUND");
  });

  it("newOperationId: later ids sort first", () => {
    const early = newOperationId(new Date("2025-01-01T00:00:00Z"));
    const late = newOperationId(new Date("2025-01-01T00:00:01Z"));
    expect([early, late].sort()).toEqual([late, early]);
  });
});

describe("images", () => {
  it("upsert/list: newest version first, regions normalized, registeredAt kept", async () => {
    let t = Date.parse("2025-03-01T10:00:00Z");
    const s = store(() => new Date((t += 1000)));
    await s.images.upsert({ version: "1.9.0", state: "Succeeded", regions: ["East US"] });
    const first = await s.images.upsert({
      version: "1.10.0",
      state: "Creating",
      regions: ["eastus"],
      bake: { commit: "abc" },
    });
    const second = await s.images.upsert({
      version: "1.10.0",
      state: "Succeeded",
      regions: ["eastus", "West Europe"],
      bake: { commit: "abc" },
    });
    expect(second.registeredAt).toBe(first.registeredAt);
    expect(second.updatedAt > first.updatedAt).toBe(true);
    const list = await s.images.list();
    expect(list.map((i) => [i.version, i.state, i.regions])).toEqual([
      ["1.10.0", "Succeeded", ["eastus", "westeurope"]],
      ["1.9.0", "Succeeded", ["eastus"]],
    ]);
    expect(list[0].bake).toEqual({ commit: "abc" });
    expect((await clawError(s.images.require("9.9.9"))).code).toBe("IMAGE_NOT_FOUND");
  });

  it("upsert: concurrent first registrations of one version both succeed", async () => {
    const s = store();
    await Promise.all([
      s.images.upsert({ version: "2.0.0", state: "Creating", regions: ["eastus"] }),
      s.images.upsert({ version: "2.0.0", state: "Creating", regions: ["eastus"] }),
    ]);
    expect((await s.images.list()).map((i) => i.version)).toEqual(["2.0.0"]);
  });
});

describe("audit", () => {
  it("record/list: accepted and refused commands, newest first, partitioned by day", async () => {
    let t = Date.parse("2025-03-01T23:59:58Z");
    const s = store(() => new Date((t += 1000)));
    await s.audit.record({
      channel: "http",
      principal: "http:ops",
      kind: "upgrade",
      claw: "alice",
      requestId: "r1",
      command: { kind: "upgrade" },
      accepted: true,
      operationId: "op1",
    });
    await s.audit.record({
      channel: "queue",
      principal: "queue",
      kind: "invalid",
      command: "{not json",
      accepted: false,
      reason: "bad JSON",
    });
    const day1 = await s.audit.list({ day: "2025-03-01" });
    const day2 = await s.audit.list({ day: "2025-03-02" });
    expect(day1.map((e) => e.kind)).toEqual(["upgrade"]);
    expect(day1[0]).toMatchObject({ accepted: true, operationId: "op1", command: { kind: "upgrade" } });
    expect(day2).toEqual([
      {
        at: "2025-03-02T00:00:00.000Z",
        channel: "queue",
        principal: "queue",
        kind: "invalid",
        command: "{not json",
        accepted: false,
        reason: "bad JSON",
      },
    ]);
    expect((await s.audit.recent({ days: 2 })).map((e) => e.kind)).toEqual(["invalid", "upgrade"]);
  });

  it("record: an oversized raw command is clipped, not refused", async () => {
    const s = store();
    const e = await s.audit.record({
      channel: "http",
      principal: "p",
      kind: "invalid",
      command: "x".repeat(200_000),
      accepted: false,
      reason: "too large",
    });
    expect(e.accepted).toBe(false);
    const [row] = await s.audit.recent({ days: 1 });
    expect(JSON.stringify(row.command).length).toBeLessThan(3000);
  });
});

describe("updateWithRetry", () => {
  it("updateWithRetry: gives up with a retryable CONFLICT after the attempts", async () => {
    let writes = 0;
    const e = await clawError(
      updateWithRetry(
        async () => 1,
        (n) => n + 1,
        async () => {
          writes++;
          throw new ClawError("CONFLICT", "stale", { retryable: true });
        },
        { attempts: 3, delayMs: 1 },
      ),
    );
    expect(writes).toBe(3);
    expect(e.code).toBe("CONFLICT");
    expect(e.retryable).toBe(true);
  });

  it("updateWithRetry: a change returning undefined writes nothing", async () => {
    let writes = 0;
    const r = await updateWithRetry(
      async () => 5,
      () => undefined,
      async (n: number) => (writes++, n),
    );
    expect(r).toBe(5);
    expect(writes).toBe(0);
  });
});

describe("entities", () => {
  it("claws: no secret-looking or unknown columns are written (only the schema's)", async () => {
    const s = store();
    await s.claws.create(spec());
    await s.claws.updateObserved("alice", { powerState: "running", publicIp: "20.1.2.3" });
    const client = TableClient.fromConnectionString(azurite.connectionString, s.tableNames.claws, {
      allowInsecureConnection: true,
    });
    const row = await client.getEntity("claw", "alice");
    const columns = Object.keys(row).filter(
      (k) => !["etag", "partitionKey", "rowKey", "timestamp", "odata.metadata"].includes(k),
    );
    expect(columns.sort()).toEqual(["createdAt", "name", "powerState", "publicIp", "spec", "updatedAt"]);
  });
});
