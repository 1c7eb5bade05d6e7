/**
 * Benchmark: the Telegram webhook's answer time for a status command under load. 50 updates are
 * posted at once (real HttpRequest objects, as the Functions host hands them over) to the webhook
 * function, which checks the secret, reads the fleet from Azurite and answers. Two ways of
 * answering are measured in the same run, their rounds interleaved so both meet the same load:
 *   reply     the answer is the webhook reply (a JSON sendMessage in the response body; the default)
 *   requests  TELEGRAM_WEBHOOK_REPLY=off: the answer is a sendMessage request to the Bot API, made
 *             before the webhook answers
 * The answer time is until the function returns its response (the reply body included). Azurite
 * and the fake Bot API run in a child process (bench/telegram-emulators), as Table Storage and
 * Telegram are other machines in production; after each round the fake runs the round's webhook
 * replies as Telegram would (not timed), so every update is checked to have been answered.
 * Ten rounds per way after a warm-up; p50/p95/max for /fleet (20 claws) and /claw NAME, and the
 * webhook process's CPU per update. Target: p95 ≤ 100 ms.
 * Run: npm run build && node dist/bench/telegram-webhook.js
 */
import { HttpRequest, InvocationContext, type HttpResponseInit } from "@azure/functions";
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
const WAYS = ["reply", "requests"] as const;
type Way = (typeof WAYS)[number];

type Reply = {
  ready?: boolean;
  connectionString: string;
  apiRoot: string;
  count?: number;
  ran?: number;
  ok?: number;
};

function ask(child: ChildProcess, message: object, want: (r: Reply) => boolean): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const on = (r: Reply) => {
      if (!want(r)) return;
      child.off("message", on);
      child.off("exit", exited);
      resolve(r);
    };
    const exited = (code: number | null) => reject(new Error(`emulators exited (${code})`));
    child.on("message", on);
    child.once("exit", exited);
    if (Object.keys(message).length) child.send(message);
  });
}

const round2 = (x: number) => Math.round(x * 100) / 100;
const figures = (samples: number[]) => ({
  samples: samples.length,
  p50Ms: round2(percentile(samples, 50)),
  p95Ms: round2(percentile(samples, 95)),
  maxMs: round2(Math.max(...samples)),
});

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
  const requestsSent = async () =>
    (await ask(child, { count: "sendMessage" }, (r) => r.count !== undefined)).count!;
  /** Has the fake run the webhook replies; how many succeeded. */
  const runReplies = async (bodies: string[]) =>
    (await ask(child, { run: bodies }, (r) => r.ran !== undefined)).ok!;
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
    const handlers = Object.fromEntries(
      WAYS.map((way) => [
        way,
        createTelegramWebhook({
          settings: () => ({
            botToken: TOKEN,
            webhookSecret: SECRET,
            operatorIds: ["1001"],
            apiRoot,
            webhookReply: way === "reply",
          }),
          deps: () => deps,
        }),
      ]),
    ) as Record<Way, ReturnType<typeof createTelegramWebhook>>;

    /** One update through the webhook: the answer time, and the reply body when there is one. */
    const post = async (way: Way, text: string): Promise<{ ms: number; reply?: string }> => {
      const req = new HttpRequest({
        method: "POST",
        url: "http://127.0.0.1:7071/api/v1/telegram",
        headers: { "content-type": "application/json", [SECRET_HEADER]: SECRET },
        body: { string: JSON.stringify(updates.text(OPERATOR, text)) },
      });
      const t0 = performance.now();
      const res: HttpResponseInit = await handlers[way](
        req,
        new InvocationContext({ functionName: "telegramWebhook", logHandler: () => undefined }),
      );
      const ms = performance.now() - t0;
      const expected = way === "reply" ? 200 : 204;
      if (res.status !== expected) throw new Error(`webhook answered ${res.status} (${way})`);
      if (way === "requests") return { ms };
      if (typeof res.body !== "string") throw new Error("the webhook reply has no body");
      return { ms, reply: res.body };
    };

    /** 50 at once; the replies are run by the fake afterwards. */
    const burst = async (way: Way, text: string) => {
      const cpu = process.cpuUsage();
      const done = await Promise.all(Array.from({ length: CONCURRENCY }, () => post(way, text)));
      const used = process.cpuUsage(cpu);
      const replies = done.flatMap((d) => (d.reply ? [d.reply] : []));
      const ok = replies.length ? await runReplies(replies) : 0;
      if (ok !== replies.length) throw new Error(`${replies.length - ok} webhook replies failed`);
      return { ms: done.map((d) => d.ms), cpuMs: (used.user + used.system) / 1000, replies: ok };
    };

    // Warm-up: getMe, table creation, keep-alive connections, JIT, for both ways.
    for (const way of WAYS) await burst(way, "/fleet");
    const sequential: Record<Way, number[]> = { reply: [], requests: [] };
    for (let n = 0; n < 100; n++)
      for (const way of WAYS) sequential[way].push((await post(way, "/fleet")).ms);

    const load1mBefore = os.loadavg()[0];
    const requestsBefore = await requestsSent();
    const samples = {
      reply: { fleet: [] as number[], claw: [] as number[], cpuMs: 0, updates: 0, replies: 0 },
      requests: { fleet: [] as number[], claw: [] as number[], cpuMs: 0, updates: 0, replies: 0 },
    };
    for (let r = 0; r < ROUNDS; r++) {
      // Alternate which way goes first, so neither always meets the other's leftovers.
      const order: Way[] = r % 2 === 0 ? ["reply", "requests"] : ["requests", "reply"];
      for (const [command, text] of [
        ["fleet", "/fleet"],
        ["claw", "/claw claw-7"],
      ] as const) {
        for (const way of order) {
          const b = await burst(way, text);
          const s = samples[way];
          s[command].push(...b.ms);
          s.cpuMs += b.cpuMs;
          s.updates += CONCURRENCY;
          s.replies += b.replies;
        }
      }
    }
    const requests = (await requestsSent()) - requestsBefore;
    const each = 2 * CONCURRENCY * ROUNDS;
    // Every update answered once: by a request (requests) or by a reply the fake ran (reply).
    if (requests !== each || samples.reply.replies !== each || samples.requests.replies !== 0) {
      throw new Error(
        `not every update was answered once: ${requests} requests, ${samples.reply.replies} replies`,
      );
    }
    const way = (w: Way) => ({
      sequentialFleet: {
        p50Ms: round2(percentile(sequential[w], 50)),
        p95Ms: round2(percentile(sequential[w], 95)),
      },
      fleet: figures(samples[w].fleet),
      claw: figures(samples[w].claw),
      cpuMsPerUpdate: round2(samples[w].cpuMs / samples[w].updates),
    });
    const result = {
      setup:
        "webhook in-process; Azurite and the fake Bot API in a child process; webhook reply and TELEGRAM_WEBHOOK_REPLY=off interleaved per round",
      concurrency: CONCURRENCY,
      rounds: ROUNDS,
      loadAverage1m: round2(load1mBefore),
      loadAverage1mAfter: round2(os.loadavg()[0]),
      claws: 20,
      webhookReply: way("reply"),
      requests: way("requests"),
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
