import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  describeOperation,
  freeAbandonedClaims,
  handleCommand,
  type SagaAccepted,
  type SyncApplied,
} from "../../core/commands";
import { startAzurite, type Azurite } from "../helpers/azurite";
import { rejection, rid, spec, testDeps, type TestDeps } from "../api/fakes";

let azurite: Azurite;
beforeAll(async () => {
  azurite = await startAzurite({ table: true, queue: false });
});
afterAll(async () => {
  await azurite?.close();
});

const who = { channel: "http", principal: "http:function-key" } as const;

async function withClaw(name = "alice", now?: () => Date): Promise<TestDeps> {
  const deps = testDeps(azurite.connectionString, now);
  await deps.state.claws.create(spec(name));
  return deps;
}

function deploy(requestId = rid(), claw = "alice") {
  return { kind: "deploy", claw, requestId, ...who };
}

describe("handleCommand: validation", () => {
  it("handleCommand: refuses a bad version with a message naming the field, writes nothing but audit", async () => {
    const deps = await withClaw();
    const err = await rejection(
      handleCommand(deps, { kind: "upgrade", claw: "alice", requestId: "u1", toVersion: "1.2", ...who }),
    );
    expect(err.code).toBe("BAD_REQUEST");
    expect(err.message).toMatch(/toVersion: must be an image version like '1\.2\.3'; got '1\.2'/);
    expect(deps.durable.started).toHaveLength(0);
    expect(await deps.state.operations.list()).toEqual([]);
    expect(await deps.requests.get("u1")).toBeUndefined();
    const [entry] = await deps.state.audit.list();
    expect(entry).toMatchObject({ accepted: false, kind: "upgrade", claw: "alice", requestId: "u1" });
    expect(entry.reason).toMatch(/toVersion/);
  });

  it("handleCommand: reports a bad spec against the spec's own fields", async () => {
    const deps = testDeps(azurite.connectionString);
    const err = await rejection(
      handleCommand(deps, {
        kind: "createClaw",
        requestId: rid(),
        ...who,
        spec: { name: "Alice", region: "eastus", vmSize: "Standard_D4s_v5", imageVersion: "1.0.0" },
      }),
    );
    expect(err.message).toBe(
      "invalid claw spec: name: must be lower-case (did you mean 'alice'?); got 'Alice'",
    );
    expect(await deps.state.claws.list()).toEqual([]);
  });

  it("handleCommand: refuses unknown fields and unknown kinds", async () => {
    const deps = await withClaw();
    const extra = await rejection(handleCommand(deps, { ...deploy(), force: true }));
    expect(extra.message).toMatch(/unknown field 'force'/);
    const kind = await rejection(handleCommand(deps, { ...deploy(), kind: "reboot" }));
    expect(kind.code).toBe("BAD_REQUEST");
    expect(kind.message).toMatch(/kind/);
    const notObject = await rejection(handleCommand(deps, "deploy alice", who));
    expect(notObject.message).toMatch(/JSON object/);
  });

  it("handleCommand: audits refused input by its field names only, never its values", async () => {
    const deps = await withClaw();
    const secret = "sk-live-THIS-IS-A-SECRET-0123456789";
    await rejection(handleCommand(deps, { ...deploy(), apiKey: secret }));
    const [entry] = await deps.state.audit.list();
    expect(entry.accepted).toBe(false);
    expect(JSON.stringify(entry)).not.toContain(secret);
    expect(entry.command).toMatchObject({ fields: expect.arrayContaining(["apiKey"]) });
  });
});

describe("handleCommand: saga commands", () => {
  it("handleCommand: deploy records a running operation, takes the slot and starts the saga", async () => {
    const deps = await withClaw();
    const requestId = rid("dep");
    const res = (await handleCommand(deps, deploy(requestId))) as SagaAccepted;
    expect(res).toMatchObject({ accepted: true, kind: "deploy", claw: "alice", duplicate: false });
    expect(res.statusPath).toBe(`/api/v1/operations/${res.operationId}`);

    const op = await deps.state.operations.require(res.operationId);
    expect(op).toMatchObject({
      status: "running",
      kind: "deploy",
      claw: "alice",
      channel: "http",
      principal: "http:function-key",
      requestId,
    });
    expect((await deps.state.claws.require("alice")).runningOperationId).toBe(res.operationId);
    expect(deps.durable.started).toEqual([
      {
        name: "deployClaw",
        instanceId: "claw-alice",
        input: {
          operationId: res.operationId,
          claw: "alice",
          requestId,
          channel: "http",
          principal: "http:function-key",
          params: { imageVersion: "1.0.0" },
        },
      },
    ]);
    const [entry] = await deps.state.audit.list();
    expect(entry).toMatchObject({ accepted: true, kind: "deploy", operationId: res.operationId, requestId });
  });

  it("handleCommand: passes upgrade (allowDowngrade too), deploy, wake and destroy parameters to the saga", async () => {
    const cases = [
      [{ kind: "upgrade", toVersion: "1.1.0" }, "upgradeClaw", { toVersion: "1.1.0" }],
      [
        { kind: "upgrade", toVersion: "0.9.0", allowDowngrade: true },
        "upgradeClaw",
        { toVersion: "0.9.0", allowDowngrade: true },
      ],
      [
        { kind: "deploy", allowDowngrade: false },
        "deployClaw",
        { imageVersion: "1.0.0", allowDowngrade: false },
      ],
      [{ kind: "wake", awakeHours: 4 }, "wakeClaw", { awakeHours: 4 }],
      [{ kind: "destroy", deleteDisk: true }, "destroyClaw", { deleteDisk: true }],
      [{ kind: "destroy" }, "destroyClaw", { deleteDisk: false }],
      [{ kind: "park" }, "parkClaw", {}],
      [{ kind: "verify" }, "verifyClaw", {}],
    ] as const;
    for (const [extra, saga, params] of cases) {
      const deps = await withClaw();
      await handleCommand(deps, { ...deploy(), ...extra });
      expect(deps.durable.started[0]).toMatchObject({ name: saga, input: { params } });
      expect(deps.durable.started[0].input.params).toEqual(params);
    }
  });

  it("handleCommand: an unknown claw is CLAW_NOT_FOUND and the requestId stays usable", async () => {
    const deps = testDeps(azurite.connectionString);
    const requestId = rid();
    const err = await rejection(handleCommand(deps, deploy(requestId, "bob")));
    expect(err.code).toBe("CLAW_NOT_FOUND");
    expect(await deps.requests.get(requestId)).toBeUndefined();
    expect(await deps.state.operations.list()).toEqual([]);

    await deps.state.claws.create(spec("bob"));
    const res = (await handleCommand(deps, deploy(requestId, "bob"))) as SagaAccepted;
    expect(res.accepted).toBe(true);
  });

  it("handleCommand: the same requestId answers the same operation and starts no second saga", async () => {
    const deps = await withClaw();
    const requestId = rid();
    const first = (await handleCommand(deps, deploy(requestId))) as SagaAccepted;
    const again = (await handleCommand(deps, deploy(requestId))) as SagaAccepted;
    expect(again).toMatchObject({ operationId: first.operationId, duplicate: true });
    expect(deps.durable.started).toHaveLength(1);
    expect(await deps.state.operations.list()).toHaveLength(1);
    const audit = await deps.state.audit.list();
    expect(audit.map((a) => a.accepted)).toEqual([true, true]);
    expect(audit[0].reason).toMatch(/repeated requestId/);
  });

  it("handleCommand: duplicates arriving together wait for the first and answer its operation", async () => {
    const deps = await withClaw();
    const requestId = rid();
    const results = await Promise.all([1, 2, 3].map(() => handleCommand(deps, deploy(requestId))));
    expect(deps.durable.started).toHaveLength(1);
    expect(new Set(results.map((r) => (r as SagaAccepted).operationId)).size).toBe(1);
    expect(results.filter((r) => r.duplicate)).toHaveLength(2);
    expect(await deps.state.operations.list()).toHaveLength(1);
  });

  it("handleCommand: a requestId reused for another command is CONFLICT", async () => {
    const deps = await withClaw();
    const requestId = rid();
    await handleCommand(deps, deploy(requestId));
    const err = await rejection(handleCommand(deps, { ...deploy(requestId), kind: "park" }));
    expect(err.code).toBe("CONFLICT");
    expect(err.message).toMatch(/already used for a deploy of 'alice'/);
    expect(deps.durable.started).toHaveLength(1);
  });

  it("handleCommand: a busy claw is CLAW_BUSY with the running operation's id, and nothing is written", async () => {
    const deps = await withClaw();
    const first = (await handleCommand(deps, deploy())) as SagaAccepted;
    const requestId = rid();
    const err = await rejection(
      handleCommand(deps, { ...deploy(requestId), kind: "upgrade", toVersion: "2.0.0" }),
    );
    expect(err.code).toBe("CLAW_BUSY");
    expect(err.details?.operationId).toBe(first.operationId);
    expect(deps.durable.started).toHaveLength(1);
    expect(await deps.state.operations.list()).toHaveLength(1);
    expect(await deps.requests.get(requestId)).toBeUndefined();
    const refused = (await deps.state.audit.list()).find((a) => !a.accepted);
    expect(refused).toMatchObject({ kind: "upgrade", operationId: first.operationId });
    expect(refused?.reason).toMatch(/^CLAW_BUSY/);
  });

  it("handleCommand: the slot freed by a finished saga can be taken again", async () => {
    const deps = await withClaw();
    const first = (await handleCommand(deps, deploy())) as SagaAccepted;
    // What the saga does when it ends.
    await deps.state.operations.finish(first.operationId, { status: "succeeded" });
    await deps.state.claws.releaseOperation("alice", first.operationId);
    deps.durable.instances.set("claw-alice", {
      runtimeStatus: "Completed",
      input: deps.durable.started[0].input,
    });
    const second = (await handleCommand(deps, { ...deploy(), kind: "verify" })) as SagaAccepted;
    expect(second.operationId).not.toBe(first.operationId);
    expect(deps.durable.started.map((s) => s.name)).toEqual(["deployClaw", "verifyClaw"]);
  });

  it("handleCommand: a saga instance still returning (slot already free) makes the claw busy, retryable", async () => {
    const deps = await withClaw();
    deps.durable.instances.set("claw-alice", { runtimeStatus: "Running", input: { operationId: "old-op" } });
    const err = await rejection(handleCommand(deps, deploy()));
    expect(err).toMatchObject({ code: "CLAW_BUSY", retryable: true, details: { operationId: "old-op" } });
    expect((await deps.state.claws.require("alice")).runningOperationId).toBeUndefined();
    expect(await deps.state.operations.list()).toEqual([]);
  });

  it("handleCommand: when the saga cannot start, the slot is freed and the operation marked failed", async () => {
    const deps = await withClaw();
    deps.durable.failStart = new Error("connect ECONNREFUSED http://127.0.0.1:1/runtime?code=SECRETKEY");
    const requestId = rid();
    const err = await rejection(handleCommand(deps, deploy(requestId)));
    expect(err).toMatchObject({ code: "INTERNAL", retryable: true });
    expect((await deps.state.claws.require("alice")).runningOperationId).toBeUndefined();
    const [op] = await deps.state.operations.list();
    expect(op).toMatchObject({ status: "failed", error: { code: "START_FAILED" } });
    expect(op.endedAt).toBeDefined();
    expect(JSON.stringify(op)).not.toContain("SECRETKEY");
    expect(JSON.stringify(await deps.state.audit.list())).not.toContain("SECRETKEY");

    deps.durable.failStart = undefined;
    const retry = (await handleCommand(deps, deploy(requestId))) as SagaAccepted;
    expect(retry.duplicate).toBe(false);
    expect(deps.durable.started).toHaveLength(1);
  });

  it("handleCommand: a pending request is left to its handler, then taken over once stale", async () => {
    let clock = new Date("2025-06-01T10:00:00Z");
    const deps = { ...(await withClaw("alice", () => clock)), pendingWaitMs: 150 };
    const requestId = rid();
    // A handler claimed the request and died before it started the saga.
    await deps.requests.claim({ requestId, kind: "deploy", claw: "alice", operationId: "op-from-crash" });
    const early = await rejection(handleCommand(deps, deploy(requestId)));
    expect(early).toMatchObject({ code: "CONFLICT", retryable: true });
    expect(deps.durable.started).toHaveLength(0);

    clock = new Date(clock.getTime() + 5 * 60_000);
    const res = (await handleCommand(deps, deploy(requestId))) as SagaAccepted;
    expect(res.operationId).toBe("op-from-crash");
    expect(deps.durable.started).toHaveLength(1);
    expect((await deps.requests.get(requestId))?.state).toBe("done");
  });
});

describe("handleCommand: a start cut short by a crash", () => {
  const later = (d: Date, ms: number) => new Date(d.getTime() + ms);

  it("startSaga: a claim with no saga behind it is taken over after the lease; its operation is failed ABANDONED", async () => {
    let clock = new Date("2025-06-01T10:00:00Z");
    const deps = { ...(await withClaw("alice", () => clock)), pendingWaitMs: 50, leaseMs: 60_000 };
    // A handler claimed the claw and recorded its operation, then died before starting the saga.
    await deps.state.claws.claimOperation("alice", "op-crashed");
    await deps.state.operations.start({ id: "op-crashed", kind: "park", claw: "alice", ...who });

    const early = await rejection(handleCommand(deps, { ...deploy(), kind: "verify" }));
    expect(early).toMatchObject({ code: "CLAW_BUSY", details: { operationId: "op-crashed" } });

    clock = later(clock, 61_000);
    const res = (await handleCommand(deps, { ...deploy(), kind: "verify" })) as SagaAccepted;
    expect((await deps.state.claws.require("alice")).runningOperationId).toBe(res.operationId);
    expect(await deps.state.operations.require("op-crashed")).toMatchObject({
      status: "failed",
      error: { code: "ABANDONED" },
    });
    expect(deps.durable.started.map((s) => s.name)).toEqual(["verifyClaw"]);
  });

  it("startSaga: a claim naming an operation that was never recorded is taken over after the lease", async () => {
    let clock = new Date("2025-06-01T10:00:00Z");
    const deps = { ...(await withClaw("alice", () => clock)), leaseMs: 60_000 };
    await deps.state.claws.claimOperation("alice", "op-never-recorded");
    clock = later(clock, 61_000);
    const res = (await handleCommand(deps, deploy())) as SagaAccepted;
    expect(res.duplicate).toBe(false);
    expect(await deps.state.operations.get("op-never-recorded")).toBeUndefined();
  });

  it("startSaga: a claim whose saga still runs is never taken over, however old", async () => {
    let clock = new Date("2025-06-01T10:00:00Z");
    const deps = { ...(await withClaw("alice", () => clock)), leaseMs: 60_000 };
    const first = (await handleCommand(deps, deploy())) as SagaAccepted;
    clock = later(clock, 3_600_000);
    const err = await rejection(handleCommand(deps, { ...deploy(), kind: "park" }));
    expect(err).toMatchObject({ code: "CLAW_BUSY", details: { operationId: first.operationId } });
    expect((await deps.state.operations.require(first.operationId)).status).toBe("running");
  });

  it("freeAbandonedClaims: the reconciler frees a claim past the lease with no saga, and only that one", async () => {
    let clock = new Date("2025-06-01T10:00:00Z");
    const deps = { ...(await withClaw("alice", () => clock)), leaseMs: 60_000 };
    for (const name of ["bob", "carol"]) await deps.state.claws.create(spec(name));
    await deps.state.claws.claimOperation("alice", "op-crashed");
    await deps.state.operations.start({ id: "op-crashed", kind: "park", claw: "alice", ...who });
    const running = (await handleCommand(deps, { ...deploy(), claw: "bob" })) as SagaAccepted;
    expect(await freeAbandonedClaims(deps)).toEqual([]); // within the lease: nothing
    clock = later(clock, 61_000);
    await deps.state.claws.claimOperation("carol", "op-fresh"); // claimed just now
    expect(await freeAbandonedClaims(deps)).toEqual(["alice"]);
    expect((await deps.state.claws.require("alice")).runningOperationId).toBeUndefined();
    expect(await deps.state.operations.require("op-crashed")).toMatchObject({
      status: "failed",
      error: { code: "ABANDONED" },
    });
    expect((await deps.state.claws.require("bob")).runningOperationId).toBe(running.operationId);
    expect((await deps.state.claws.require("carol")).runningOperationId).toBe("op-fresh");
  });

  it("startSaga: a fleet run (no real saga client) never takes a claim over", async () => {
    let clock = new Date("2025-06-01T10:00:00Z");
    const deps = { ...(await withClaw("alice", () => clock)), leaseMs: 60_000, takeOverStaleClaims: false };
    await deps.state.claws.claimOperation("alice", "op-crashed");
    clock = later(clock, 3_600_000);
    expect(await rejection(handleCommand(deps, deploy()))).toMatchObject({ code: "CLAW_BUSY" });
  });

  it("startSaga: a request whose saga ran before its handler died starts nothing twice when sent again", async () => {
    let clock = new Date("2025-06-01T10:00:00Z");
    const deps = { ...(await withClaw("alice", () => clock)), leaseMs: 60_000, pendingWaitMs: 50 };
    const requestId = rid();
    // The handler started the saga and died before marking its request done; the saga then ended.
    await deps.requests.claim({ requestId, kind: "park", claw: "alice", operationId: "op-ran" });
    await deps.state.operations.start({ id: "op-ran", kind: "park", claw: "alice", requestId, ...who });
    await deps.state.operations.finish("op-ran", { status: "succeeded" });
    deps.durable.instances.set("claw-alice", {
      runtimeStatus: "Completed",
      input: { operationId: "op-ran" },
    });

    clock = later(clock, 61_000);
    const res = (await handleCommand(deps, { ...deploy(requestId), kind: "park" })) as SagaAccepted;
    expect(res).toMatchObject({ operationId: "op-ran", duplicate: true });
    expect(deps.durable.started).toHaveLength(0);
    expect((await deps.state.claws.require("alice")).runningOperationId).toBeUndefined();
    expect((await deps.requests.get(requestId))?.state).toBe("done");
  });

  it("startSaga: a request cut short after its claim, sent again after the lease, starts its saga", async () => {
    let clock = new Date("2025-06-01T10:00:00Z");
    const deps = { ...(await withClaw("alice", () => clock)), leaseMs: 60_000, pendingWaitMs: 50 };
    const requestId = rid();
    await deps.requests.claim({ requestId, kind: "park", claw: "alice", operationId: "op-cut" });
    await deps.state.claws.claimOperation("alice", "op-cut");
    clock = later(clock, 61_000);
    const res = (await handleCommand(deps, { ...deploy(requestId), kind: "park" })) as SagaAccepted;
    expect(res).toMatchObject({ operationId: "op-cut", duplicate: false });
    expect(deps.durable.started.map((s) => s.input.operationId)).toEqual(["op-cut"]);
    expect((await deps.state.operations.require("op-cut")).status).toBe("running");
  });
});

describe("handleCommand: synchronous commands", () => {
  it("handleCommand: createClaw writes the claw; its repeat answers the same claw, another request CLAW_EXISTS", async () => {
    const deps = testDeps(azurite.connectionString);
    const requestId = rid();
    const cmd = { kind: "createClaw", requestId, ...who, spec: { ...spec("carol"), tags: undefined } };
    const res = (await handleCommand(deps, cmd)) as SyncApplied;
    expect(res).toMatchObject({ accepted: true, kind: "createClaw", claw: "carol", duplicate: false });
    expect(res.record.spec.tags).toEqual({});
    const again = (await handleCommand(deps, cmd)) as SyncApplied;
    expect(again).toMatchObject({ claw: "carol", duplicate: true });
    const err = await rejection(handleCommand(deps, { ...cmd, requestId: rid() }));
    expect(err.code).toBe("CLAW_EXISTS");
    expect(deps.durable.started).toHaveLength(0);
  });

  it("handleCommand: updateSpec applies a patch and refuses a bad one naming the field", async () => {
    const deps = await withClaw();
    const res = (await handleCommand(deps, {
      kind: "updateSpec",
      claw: "alice",
      requestId: rid(),
      ...who,
      patch: { vmSize: "Standard_D8s_v5", tags: { team: "ml" } },
    })) as SyncApplied;
    expect(res.record.spec).toMatchObject({
      vmSize: "Standard_D8s_v5",
      tags: { team: "ml" },
      region: "eastus",
    });
    const err = await rejection(
      handleCommand(deps, {
        kind: "updateSpec",
        claw: "alice",
        requestId: rid(),
        ...who,
        patch: { vmSize: "big" },
      }),
    );
    expect(err.message).toMatch(/^invalid spec patch: vmSize: must be an Azure VM size/);
    const missing = await rejection(
      handleCommand(deps, {
        kind: "updateSpec",
        claw: "nobody",
        requestId: rid(),
        ...who,
        patch: { vmSize: "Standard_B2s" },
      }),
    );
    expect(missing.code).toBe("CLAW_NOT_FOUND");
  });
});

describe("describeOperation", () => {
  it("describeOperation: shows the saga's live custom status while it runs for this operation", async () => {
    const deps = await withClaw();
    const res = (await handleCommand(deps, deploy())) as SagaAccepted;
    const instance = deps.durable.instances.get("claw-alice");
    if (instance) instance.customStatus = { operationId: res.operationId, step: "create-vm" };
    const view = await describeOperation(deps, res.operationId);
    expect(view).toMatchObject({ id: res.operationId, status: "running", steps: [] });
    expect(view.live).toEqual({
      runtimeStatus: "Running",
      customStatus: { operationId: res.operationId, step: "create-vm" },
    });
    expect(view).not.toHaveProperty("etag");

    await deps.state.operations.finish(res.operationId, { status: "succeeded" });
    expect((await describeOperation(deps, res.operationId)).live).toBeUndefined();
    expect((await rejection(describeOperation(deps, "nope"))).code).toBe("NOT_FOUND");
  });
});
