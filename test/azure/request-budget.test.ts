import { afterEach, describe, expect, it } from "vitest";
import type { HttpMethods, PipelineRequest, PipelineResponse } from "@azure/core-rest-pipeline";
import { armRequestBudgetPolicy, categoryOf } from "../../core/azure/request-budget";
import { realSleep } from "../../core/azure/retry-policy";
import { startGatewayTwin, type GatewayTwin } from "./gateway-twin";
import { answer, sendThrough } from "./pipeline-fakes";

/** The policy (10 tokens a second; no reserve unless given) on a fake clock that only the test moves. */
function budget(reserve = 0) {
  let now = 1_000_000;
  const sleeps: number[] = [];
  const policy = armRequestBudgetPolicy({
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    now: () => now,
    refillPerSecond: { reads: 10, writes: 10, deletes: 10 },
    reserve,
  });
  const send = (
    method: HttpMethods,
    reply: (r: PipelineRequest) => PipelineResponse | Promise<PipelineResponse>,
  ) => sendThrough(policy, method, "https://arm.test/x", reply);
  const left =
    (n: number, c = "reads") =>
    (r: PipelineRequest) =>
      answer(r, 200, { [`x-ms-ratelimit-remaining-subscription-${c}`]: String(n) });
  return { sleeps, send, left, advance: (ms: number) => (now += ms) };
}

describe("ARM request budget (requests wait for a token instead of collecting a 429)", () => {
  it("holds nothing until an answer says what is left; then a request that finds no token waits for its refill", async () => {
    const b = budget();
    await b.send("GET", b.left(2));
    expect(b.sleeps).toEqual([]);
    // Two tokens left: two requests go at once, the next ones queue 100 ms apart (10 per second).
    await Promise.all([1, 2, 3, 4].map(() => b.send("GET", (r) => answer(r, 200))));
    expect(b.sleeps).toEqual([100, 200]);
  });

  it("follows the bucket down when ARM says less is left (other processes spend from it too)", async () => {
    const b = budget();
    await b.send("GET", b.left(100));
    await b.send("GET", b.left(0)); // somebody else emptied it
    await b.send("GET", b.left(0));
    expect(b.sleeps).toEqual([100]);
    // The refill comes back at the documented rate, never past the most ever reported left.
    b.advance(60_000);
    for (let i = 0; i < 100; i++) await b.send("GET", (r) => answer(r, 200));
    expect(b.sleeps).toEqual([100]);
    await b.send("GET", (r) => answer(r, 200));
    expect(b.sleeps).toEqual([100, 100]);
  });

  it("a 429 SubscriptionRequestsThrottled means the bucket is empty, for the requests after it", async () => {
    const b = budget();
    await b.send("GET", (r) =>
      answer(r, 429, { "retry-after": "1" }, '{"error":{"code":"SubscriptionRequestsThrottled"}}'),
    );
    await b.send("GET", (r) => answer(r, 200));
    expect(b.sleeps).toEqual([100]);
  });

  it("keeps a reserve: a request waits when it would leave fewer tokens than that", async () => {
    const b = budget(2);
    const get = (left?: number) => b.send("GET", left === undefined ? (r) => answer(r, 200) : b.left(left));
    await get(4);
    await get(); // 3 left
    await get(); // 2 left: still at the reserve
    expect(b.sleeps).toEqual([]);
    await get(); // would leave 1: waits for one token
    expect(b.sleeps).toEqual([100]);
    b.advance(1_000); // refilled (capped at the most reported, 4)
    await get();
    expect(b.sleeps).toEqual([100]);
  });

  it("reads, writes and deletes are separate buckets", async () => {
    const b = budget();
    await b.send("GET", b.left(0));
    await b.send("PUT", b.left(50, "writes"));
    await b.send("POST", (r) => answer(r, 200));
    await b.send("DELETE", (r) => answer(r, 200));
    expect(b.sleeps).toEqual([]);
    expect([categoryOf("GET"), categoryOf("PATCH"), categoryOf("DELETE")]).toEqual([
      "reads",
      "writes",
      "deletes",
    ]);
  });
});

describe("gateway reads against the emulator's subscription read bucket", () => {
  let t: GatewayTwin | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it("a burst of reads larger than the bucket: (almost) no 429 with the budget, 429s (retried) without it", async () => {
    // A small bucket with ARM's refill rate, so the burst outruns it within a second.
    t = await startGatewayTwin({
      emulator: { throttling: { arm: { reads: { capacity: 10, refillPerSecond: 25 } } } },
    });
    const burst = async (requestBudget: boolean) => {
      const g = t!.gatewayWith({ sleep: realSleep, requestBudget });
      await g.getDisk("warm-up"); // an answer tells the budget what is left
      await new Promise((r) => setTimeout(r, 1_000)); // the bucket fills again
      t!.emulator.requests.clear();
      const found = await Promise.all(Array.from({ length: 30 }, (_, i) => g.getDisk(`d${i}`)));
      expect(found.every((d) => d === undefined)).toBe(true);
      return t!.emulator.requests.list().filter((r) => r.status === 429).length;
    };
    // With the budget the burst waits for tokens (a busy test machine can still let one slip
    // through: ARM's bucket refills from when a request reaches it, not when it was counted).
    const paced = await burst(true);
    const unpaced = await burst(false);
    expect(unpaced).toBeGreaterThan(5);
    expect(paced).toBeLessThanOrEqual(2);
  });
});
