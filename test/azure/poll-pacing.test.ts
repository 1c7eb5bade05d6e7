import { afterEach, describe, expect, it } from "vitest";
import type { HttpMethods, PipelineRequest, PipelineResponse } from "@azure/core-rest-pipeline";
import { armPollPacingPolicy } from "../../core/azure/poll-pacing";
import { realSleep } from "../../core/azure/retry-policy";
import { clawNetworkAndDisk, startGatewayTwin, type GatewayTwin } from "./gateway-twin";
import { answer, sendThrough } from "./pipeline-fakes";

const STATUS = "https://arm.test/subscriptions/s/providers/Microsoft.Compute/locations/x/operations/op1";

function pacing(maxDelayMs = 30_000, defaultDelayMs?: number) {
  let now = 1_000_000;
  const sleeps: number[] = [];
  const policy = armPollPacingPolicy({
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
    maxDelayMs,
    defaultDelayMs,
    now: () => now,
  });
  const send = (method: HttpMethods, url: string, reply: (r: PipelineRequest) => PipelineResponse) =>
    sendThrough(policy, method, url, reply);
  return { sleeps, send, advance: (ms: number) => (now += ms) };
}

describe("ARM poll pacing (first LRO poll waits for the first answer's Retry-After)", () => {
  it("holds the first GET of the status URL until Retry-After, and only that one", async () => {
    const p = pacing();
    await p.send("POST", "https://arm.test/vm/deallocate?api-version=1", (r) =>
      answer(r, 202, { "azure-asyncoperation": `${STATUS}?p=t1`, "retry-after": "10" }),
    );
    p.advance(4_000); // four seconds already went by (e.g. other work)
    // The SDK may add api-version to the URL: still the same operation.
    await p.send("GET", `${STATUS}?p=t1&api-version=2024-07-01`, (r) => answer(r, 200));
    await p.send("GET", `${STATUS}?p=t1&api-version=2024-07-01`, (r) => answer(r, 200));
    expect(p.sleeps).toEqual([6_000]);
  });

  it("does not hold GETs of other URLs, answers without Retry-After, or non-LRO answers", async () => {
    const p = pacing();
    await p.send("PUT", "https://arm.test/vm", (r) =>
      answer(r, 201, { "azure-asyncoperation": `${STATUS}?p=a` }),
    );
    await p.send("PUT", "https://arm.test/vm2", (r) => answer(r, 200, { location: `${STATUS}?p=b` }));
    await p.send("GET", `${STATUS}?p=a`, (r) => answer(r, 200));
    await p.send("GET", `${STATUS}?p=b`, (r) => answer(r, 200));
    await p.send("GET", `${STATUS}?p=other`, (r) => answer(r, 200));
    expect(p.sleeps).toEqual([]);
  });

  it("a 200 with Azure-AsyncOperation (a VM update) is an operation too: its first poll is held", async () => {
    const p = pacing();
    await p.send("PUT", "https://arm.test/vm2", (r) =>
      answer(r, 200, { "azure-asyncoperation": `${STATUS}?p=b`, "retry-after": "5" }),
    );
    await p.send("GET", `${STATUS}?p=b`, (r) => answer(r, 200));
    expect(p.sleeps).toEqual([5_000]);
  });

  it("polls answered 'still running' without Retry-After: the gap grows by half per poll, capped", async () => {
    const p = pacing(30_000, 1_000);
    await p.send("POST", "https://arm.test/vm/powerOff", (r) =>
      answer(r, 202, { "azure-asyncoperation": `${STATUS}?p=g`, location: `${STATUS}?p=g&monitor=true` }),
    );
    const running = (r: PipelineRequest) => answer(r, 200, {}, '{"status":"InProgress"}');
    const poll = async (reply: (r: PipelineRequest) => PipelineResponse) => {
      await p.send("GET", `${STATUS}?p=g`, reply);
      p.advance(1_000); // the SDK's own wait of one poll interval
    };
    for (let i = 0; i < 9; i++) await poll(running);
    // First poll: one interval. Two more at the SDK's interval (a short operation is found done as
    // soon as before), then the interval plus a hold: gaps of 1.5, 2.25, 3.375, 5.06, 7.59 and
    // (capped at 8 intervals) 8 s.
    expect(p.sleeps).toEqual([1_000, 500, 1_250, 2_375, 4_063, 6_594, 7_000]);
    // A Retry-After on a poll answer: the SDK waits it, nothing is added to the poll after it.
    await poll((r) => answer(r, 200, { "retry-after": "3" }, '{"status":"InProgress"}'));
    expect(p.sleeps).toHaveLength(8); // that poll itself was still held by the answer before
    await poll(running);
    expect(p.sleeps).toHaveLength(8);
    // Finished (that poll held by the answer before it): the SDK's final GET of the Location
    // (monitor) URL is not held, nor are later GETs.
    p.sleeps.length = 0;
    await poll((r) => answer(r, 200, {}, '{"status":"Succeeded"}'));
    await p.send("GET", `${STATUS}?p=g&monitor=true`, (r) => answer(r, 200));
    await p.send("GET", `${STATUS}?p=g`, (r) => answer(r, 200));
    expect(p.sleeps).toEqual([7_000]);
  });

  it("without Retry-After, the first poll waits the client's poll interval (when one is given)", async () => {
    const p = pacing(30_000, 2_000);
    await p.send("PUT", "https://arm.test/disk", (r) =>
      answer(r, 202, { "azure-asyncoperation": `${STATUS}?p=d` }),
    );
    await p.send("PUT", "https://arm.test/nic", (r) => answer(r, 200)); // no LRO: nothing to hold
    await p.send("GET", `${STATUS}?p=d`, (r) => answer(r, 200));
    expect(p.sleeps).toEqual([2_000]);
  });

  it("paces a Location-only operation too, and caps a long Retry-After at maxDelayMs", async () => {
    const p = pacing(3_000);
    await p.send("POST", "https://arm.test/disk/delete", (r) =>
      answer(r, 202, { location: `${STATUS}?p=m&monitor=true`, "retry-after": "50" }),
    );
    await p.send("GET", `${STATUS}?monitor=true&p=m`, (r) => answer(r, 200));
    expect(p.sleeps).toEqual([3_000]);
  });
});

describe("gateway LRO polls on the emulator's azure profile", () => {
  let t: GatewayTwin | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it("a deallocate polls its status once: the poll waits for the Retry-After of the 202", async () => {
    // Azure's durations at speed 20 (deallocate 1.5-4.5 s, so its 202 always carries Retry-After).
    t = await startGatewayTwin({ emulator: { latency: { profile: "azure", speed: 20, seed: 3 } } });
    const gateway = t.gatewayWith({ sleep: realSleep, pollIntervalMs: 50 });
    const net = await clawNetworkAndDisk(t, "alice");
    await gateway.createVm(t.vmSpec("alice", net));
    t.emulator.requests.clear();

    await gateway.deallocateVm("alice");
    const log = t.emulator.requests.list();
    expect(log.filter((r) => r.method === "POST" && r.path.endsWith("/deallocate"))).toHaveLength(1);
    // One status poll finds it done (without pacing the SDK polls at once and gets InProgress
    // first), then the SDK's final GET of the Location (monitor) URL, as for every Compute POST.
    const polls = log.filter((r) => r.method === "GET" && /\/operations\//i.test(r.path));
    const status = polls.filter((r) => !r.query.includes("monitor=true"));
    expect(status.map((r) => r.status)).toEqual([200]);
    expect(polls.length - status.length).toBe(1);
    expect((await gateway.getVm("alice"))?.powerState).toBe("deallocated");

    // Parking reads nothing else: the POST, one status poll and the SDK's final Location GET.
    expect(log.map((r) => r.method)).toEqual(["POST", "GET", "GET"]);
  });
});
