import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InvocationContext } from "@azure/functions";
import { QueueClient } from "@azure/storage-queue";
import { createClawCommandsHandler, type QueueRetryOptions } from "../../functions/queue/claw-commands";
import { startAzurite, type Azurite } from "../helpers/azurite";
import { spec, testDeps, type TestDeps } from "../api/fakes";

let azurite: Azurite;
beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite?.close();
});

interface Rig {
  deps: TestDeps;
  queueName: string;
  logged: string[];
  /** Delivers a message as the trigger would (already JSON-parsed when it is JSON). */
  deliver(message: unknown, id?: string): ReturnType<ReturnType<typeof createClawCommandsHandler>>;
  /** Messages now visible on a queue, decoded. */
  drain(name: string): Promise<string[]>;
  count(name: string): Promise<number>;
}

async function rig(retry: QueueRetryOptions = {}): Promise<Rig> {
  const deps = testDeps(azurite.connectionString);
  await deps.state.claws.create(spec("alice"));
  const queueName = `cmds-${randomBytes(4).toString("hex")}`;
  const client = async (name: string) => {
    const q = new QueueClient(azurite.connectionString, name);
    await q.createIfNotExists();
    return q;
  };
  const handler = createClawCommandsHandler({ deps: () => deps, queue: client, queueName, ...retry });
  const logged: string[] = [];
  return {
    deps,
    queueName,
    logged,
    deliver(message, id = randomBytes(8).toString("hex")) {
      const context = new InvocationContext({
        functionName: "clawCommands",
        triggerMetadata: { id, dequeueCount: 1 },
        logHandler: (_level, ...args) => logged.push(args.map(String).join(" ")),
      });
      return handler(message, context);
    },
    async drain(name) {
      const res = await (await client(name)).receiveMessages({ numberOfMessages: 32 });
      return res.receivedMessageItems.map((m) => Buffer.from(m.messageText, "base64").toString("utf8"));
    },
    async count(name) {
      return (await (await client(name)).getProperties()).approximateMessagesCount ?? 0;
    },
  };
}

const deploy = (requestId: string, extra: Record<string, unknown> = {}) => ({
  kind: "deploy",
  claw: "alice",
  requestId,
  ...extra,
});

describe("queue claw-commands", () => {
  it("clawCommands: a valid command starts the saga with channel queue", async () => {
    const r = await rig();
    const out = await r.deliver(deploy("q-1"));
    expect(out).toMatchObject({ outcome: "handled", duplicate: false });
    expect(r.deps.durable.started).toMatchObject([
      { name: "deployClaw", input: { channel: "queue", requestId: "q-1" } },
    ]);
    const [op] = await r.deps.state.operations.list();
    expect(op).toMatchObject({ channel: "queue", principal: `queue:${r.queueName}`, requestId: "q-1" });
  });

  it("clawCommands: an upgrade message may allow a downgrade; the saga gets it", async () => {
    const r = await rig();
    const out = await r.deliver({
      ...deploy("q-down"),
      kind: "upgrade",
      toVersion: "0.9.0",
      allowDowngrade: true,
    });
    expect(out).toMatchObject({ outcome: "handled" });
    expect(r.deps.durable.started[0].input.params).toEqual({ toVersion: "0.9.0", allowDowngrade: true });
  });

  it("clawCommands: a duplicate message starts no second saga", async () => {
    const r = await rig();
    const first = await r.deliver(deploy("q-dup"));
    const second = await r.deliver(deploy("q-dup"));
    expect(second).toMatchObject({ outcome: "handled", duplicate: true });
    expect(second).toMatchObject({ operationId: (first as { operationId: string }).operationId });
    expect(r.deps.durable.started).toHaveLength(1);
  });

  it("clawCommands: without a requestId, redeliveries of one message still dedupe by its message id", async () => {
    const r = await rig();
    await r.deliver({ kind: "verify", claw: "alice" }, "msg-42");
    await r.deliver({ kind: "verify", claw: "alice" }, "msg-42");
    expect(r.deps.durable.started).toHaveLength(1);
    expect(r.deps.durable.started[0].input.requestId).toBe("queue-msg-42");
  });

  it("clawCommands: invalid messages go to the poison queue at once with the reason logged and audited", async () => {
    const r = await rig();
    const cases: [unknown, RegExp][] = [
      ["deploy alice please", /not JSON/],
      [[1, 2], /must be a JSON object/],
      [deploy("q-bad", { toVersion: "1.0.0" }), /unknown field 'toVersion'/],
      [{ ...deploy("q-bad2"), kind: "upgrade", toVersion: "one" }, /toVersion: must be an image version/],
      [deploy("q-ghost", { claw: "ghost" }), /CLAW_NOT_FOUND/],
    ];
    for (const [message, reason] of cases) {
      const out = await r.deliver(message);
      expect(out.outcome, JSON.stringify(message)).toBe("poisoned");
      expect((out as { reason: string }).reason).toMatch(reason);
    }
    const poisoned = await r.drain(`${r.queueName}-poison`);
    expect(poisoned).toHaveLength(cases.length);
    expect(poisoned[0]).toBe("deploy alice please");
    expect(JSON.parse(poisoned[2])).toEqual(deploy("q-bad", { toVersion: "1.0.0" }));
    expect(r.logged.filter((l) => l.includes("-poison:"))).toHaveLength(cases.length);
    expect(r.deps.durable.started).toHaveLength(0);
    const audit = await r.deps.state.audit.list();
    expect(audit).toHaveLength(cases.length);
    expect(audit.every((a) => !a.accepted && a.channel === "queue")).toBe(true);
  });

  it("clawCommands: a message cannot set its channel or principal (the queue's identity is the queue's)", async () => {
    const r = await rig();
    const posing = { ...deploy("q-pose"), channel: "telegram", principal: "telegram:1001" };
    const out = await r.deliver(posing);
    expect(out).toMatchObject({ outcome: "poisoned" });
    expect((out as { reason: string }).reason).toMatch(/sets 'channel' and 'principal'.*remove them/);
    expect(r.deps.durable.started).toHaveLength(0);
    expect(await r.deps.state.operations.list()).toEqual([]);
    const [audit] = await r.deps.state.audit.list();
    expect(audit).toMatchObject({ accepted: false, channel: "queue", principal: `queue:${r.queueName}` });
    expect(JSON.stringify(audit)).not.toContain("telegram:1001");
  });

  it("clawCommands: a busy claw makes the command wait (a delayed copy), then run; bounded", async () => {
    const r = await rig({ baseDelaySeconds: 0, maxRetries: 2 });
    await r.deliver(deploy("q-first"));
    const waiting = await r.deliver({ ...deploy("q-park"), kind: "park" });
    expect(waiting).toMatchObject({ outcome: "retry", retryCount: 1 });
    const [copy] = await r.drain(r.queueName);
    expect(JSON.parse(copy)).toMatchObject({ kind: "park", requestId: "q-park", retryCount: 1 });
    // The copy is the message as sent: who sends it is still the queue, not the copy.
    expect(JSON.parse(copy)).not.toHaveProperty("channel");

    // Still busy on the last allowed retry: poisoned with the reason.
    expect(await r.deliver(JSON.parse(copy))).toMatchObject({ outcome: "retry", retryCount: 2 });
    const [last] = await r.drain(r.queueName);
    const out = await r.deliver(JSON.parse(last));
    expect(out).toMatchObject({ outcome: "poisoned" });
    expect((out as { reason: string }).reason).toMatch(/busy.*after 2 retries/);

    // Once the first saga ends, the waiting command runs.
    const first = r.deps.durable.started[0].input;
    await r.deps.state.claws.releaseOperation("alice", first.operationId);
    r.deps.durable.instances.set("claw-alice", { runtimeStatus: "Completed", input: first });
    expect(await r.deliver(JSON.parse(copy))).toMatchObject({ outcome: "handled" });
    expect(r.deps.durable.started.map((s) => s.name)).toEqual(["deployClaw", "parkClaw"]);
  });

  it("clawCommands: the waiting copy stays invisible for its delay", async () => {
    const r = await rig({ baseDelaySeconds: 30 });
    await r.deliver(deploy("q-a"));
    expect(await r.deliver({ ...deploy("q-b"), kind: "verify" })).toMatchObject({ delaySeconds: 30 });
    expect(await r.count(r.queueName)).toBe(1);
    expect(await r.drain(r.queueName)).toEqual([]);
  });

  it("clawCommands: a saga that cannot start is thrown, so the host retries the message", async () => {
    const r = await rig();
    r.deps.durable.failStart = new Error("durable endpoint down");
    await expect(r.deliver(deploy("q-down"))).rejects.toMatchObject({ code: "INTERNAL", retryable: true });
    expect(await r.count(`${r.queueName}-poison`)).toBe(0);
    r.deps.durable.failStart = undefined;
    expect(await r.deliver(deploy("q-down"))).toMatchObject({ outcome: "handled", duplicate: false });
  });
});
