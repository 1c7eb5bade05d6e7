/**
 * Benchmark: the Telegram webhook's answer time for a status command under load. 50 updates are
 * posted at once (real HttpRequest objects, as the Functions host hands them over) to the webhook
 * function, which checks the secret, reads the fleet from Azurite, and sends the answer to the fake
 * Bot API before it answers. Azurite and the fake run in a child process (bench/telegram-emulators),
 * as Table Storage and Telegram are other machines in production. Ten rounds after a warm-up;
 * p50/p95/max of the answer time for /fleet (20 claws) and /claw NAME. Target: p95 ≤ 100 ms.
 * Run: npm run build && node dist/bench/telegram-webhook.js
 */
import { HttpRequest, InvocationContext } from "@azure/functions";
import { createRequestLog } from "../core/commands";
import { createFleetState } from "../core/fleet/fleet-state";
import { fleetSettingsFrom } from "../core/fleet/settings";
import { createRolloutsRepository, createStateStore } from "../core/state";
import { createChatStore, type BotDeps } from "../core/telegram";
import { createTelegramWebhook, SECRET_HEADER } from "../functions/telegram/webhook";
import { fork, type ChildProcess } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { FakeState } from "../local/telegram-fake/state";
import { UpdateFactory } from "../local/telegram-fake/updates";
import { percentile, recordResult } from "./record";

const TOKEN = "123456:bench-token";
const SECRET = "bench-secret";
const OPERATOR = { id: 1001, first_name: "Olga" };
const CONCURRENCY = 50;
const ROUNDS = 10;

type Reply = { ready?: boolean; connectionString: string; apiRoot: string; count?: number };

function ask(child: ChildProcess, message: object, want: (r: Reply) => boolean): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const on = (r: Reply) => {
      if (!want(r)) return;
      child.off("message", on);
      resolve(r);
    };
    child.on("message", on);
    child.once("exit", (code) => reject(new Error(`emulators exited (${code})`)));
    if (Object.keys(message).length) child.send(message);
  });
}

async function main(): Promise<void> {
  const child = fork(path.join(__dirname, "telegram-emulators.js"), [], {
    env: { ...process.env, BENCH_TELEGRAM_TOKEN: TOKEN },
  });
  const { connectionString, apiRoot } = await ask(child, {}, (r) => r.ready === true);
  const updates = new UpdateFactory(new FakeState(), {
    id: 1,
    is_bot: true,
    first_name: "b",
    username: "b_bot",
  } as never);
  const sentMessages = async () =>
    (await ask(child, { count: "sendMessage" }, (r) => r.count !== undefined)).count!;
  try {
    const cs = connectionString;
    const prefix = "bench";
    const state = createStateStore(cs, { prefix });
    for (let n = 0; n < 20; n++) {
      await state.claws.create({
        name: `claw-${n}`,
        region: "eastus",
        vmSize: "Standard_D4s_v5",
        imageVersion: "1.0.0",
        tags: {},
      });
    }
    const fleetDeps = {
      state,
      rollouts: createRolloutsRepository(cs, { prefix }),
      fleet: createFleetState(cs, { prefix }),
      settings: fleetSettingsFrom({}),
      now: () => new Date(),
      log: () => undefined,
    };
    const deps: BotDeps = {
      commands: {
        state,
        requests: createRequestLog(cs, { prefix }),
        durable: { startNew: async (_n, o) => o.instanceId, getStatus: async () => undefined },
      },
      fleet: async () => fleetDeps,
      rollouts: { startNew: async (_n, o) => o.instanceId, raiseEvent: async () => undefined },
      store: createChatStore(cs, { prefix }),
      operators: new Set([String(OPERATOR.id)]),
    };
    const handler = createTelegramWebhook({
      settings: () => ({
        botToken: TOKEN,
        webhookSecret: SECRET,
        operatorIds: ["1001"],
        apiRoot,
      }),
      deps: () => deps,
    });
    const post = async (text: string): Promise<number> => {
      const req = new HttpRequest({
        method: "POST",
        url: "http://127.0.0.1:7071/api/v1/telegram",
        headers: { "content-type": "application/json", [SECRET_HEADER]: SECRET },
        body: { string: JSON.stringify(updates.text(OPERATOR, text)) },
      });
      const t0 = performance.now();
      const res = await handler(
        req,
        new InvocationContext({ functionName: "telegramWebhook", logHandler: () => undefined }),
      );
      const ms = performance.now() - t0;
      if (res.status !== 204) throw new Error(`webhook answered ${res.status}`);
      return ms;
    };
    const load = async (text: string) => {
      const samples: number[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        samples.push(...(await Promise.all(Array.from({ length: CONCURRENCY }, () => post(text)))));
      }
      const round = (x: number) => Math.round(x * 100) / 100;
      return {
        samples: samples.length,
        p50Ms: round(percentile(samples, 50)),
        p95Ms: round(percentile(samples, 95)),
        maxMs: round(Math.max(...samples)),
      };
    };
    // Warm-up: getMe, table creation, keep-alive connections, JIT.
    await Promise.all(Array.from({ length: CONCURRENCY }, () => post("/fleet")));
    const sequential: number[] = [];
    for (let n = 0; n < 100; n++) sequential.push(await post("/fleet"));
    const sent = await sentMessages();
    const fleet = await load("/fleet");
    const claw = await load("/claw claw-7");
    if ((await sentMessages()) - sent !== 2 * CONCURRENCY * ROUNDS)
      throw new Error("not every update was answered");
    const result = {
      setup: "webhook in-process; Azurite and the fake Bot API in a child process",
      concurrency: CONCURRENCY,
      rounds: ROUNDS,
      loadAverage1m: Math.round(os.loadavg()[0] * 100) / 100,
      sequentialFleet: {
        p50Ms: Math.round(percentile(sequential, 50) * 100) / 100,
        p95Ms: Math.round(percentile(sequential, 95) * 100) / 100,
      },
      claws: 20,
      fleet,
      claw,
      targets: { p95Ms: 100 },
    };
    console.log(JSON.stringify(result, null, 2));
    recordResult("telegram-webhook", result);
  } finally {
    child.send({ stop: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
