import { describe, expect, it } from "vitest";
import { compileRoute, matchRoute, satisfies, sortRoutes } from "../../local/host/http/routes";
import { parseTimeSpanMs } from "../../local/host/host-config";
import { decodeQueueMessage, encodeQueueMessage } from "../../local/host/queue/encoding";
import { retryDelayMs } from "../../local/host/retry";

const table = (...defs: [string, string[] | undefined][]) =>
  sortRoutes(defs.map(([template, methods]) => compileRoute(template, methods, template)));

describe("route templates", () => {
  it("match: literal beats constrained beats plain beats optional beats catch-all", () => {
    const routes = table(
      ["files/{*rest}", undefined],
      ["files/{name?}", undefined],
      ["files/{name}", undefined],
      ["files/{id:int}", undefined],
      ["files/latest", undefined],
    );
    const target = (p: string) => {
      const m = matchRoute(routes, p, "GET");
      return m.kind === "ok" ? m.route.target : m.kind;
    };
    expect(target("/files/latest")).toBe("files/latest");
    expect(target("/files/12")).toBe("files/{id:int}");
    expect(target("/files/readme")).toBe("files/{name}");
    expect(target("/files")).toBe("files/{name?}");
    expect(target("/files/a/b/c")).toBe("files/{*rest}");
  });

  it("match: decodes parameters; a catch-all keeps its slashes", () => {
    const m = matchRoute(table(["blob/{container}/{*path}", undefined]), "/blob/my%20box/a/b%2Fc.txt", "GET");
    expect(m).toMatchObject({ kind: "ok", params: { container: "my box", path: "a/b/c.txt" } });
  });

  it("match: embedded parameters inside one segment", () => {
    const m = matchRoute(table(["v{major:int}-{minor}/x", undefined]), "/v2-beta/x", "GET");
    expect(m).toMatchObject({ kind: "ok", params: { major: "2", minor: "beta" } });
  });

  it("match: the method picks among routes with one template, else 405 lists the allowed ones", () => {
    const routes = table(["things", ["GET"]], ["things", ["post", "PUT"]]);
    const post = matchRoute(routes, "/things", "POST");
    expect(post.kind === "ok" && post.route.methods).toEqual(["POST", "PUT"]);
    expect(matchRoute(routes, "/things", "DELETE")).toEqual({
      kind: "method-not-allowed",
      allow: ["GET", "POST", "PUT"],
    });
    expect(matchRoute(routes, "/other", "GET")).toEqual({ kind: "not-found" });
  });

  it("constraints: numbers, guid, bool, alpha, length, range and regex", () => {
    expect(satisfies("-3", "int")).toBe(true);
    expect(satisfies("3.5", "int")).toBe(false);
    expect(satisfies("3.5", "double")).toBe(true);
    expect(satisfies("6f9619ff-8b86-d011-b42d-00cf4fc964ff", "guid")).toBe(true);
    expect(satisfies("nope", "guid")).toBe(false);
    expect(satisfies("TRUE", "bool")).toBe(true);
    expect(satisfies("abc1", "alpha")).toBe(false);
    expect(satisfies("abcd", "length(2,3)")).toBe(false);
    expect(satisfies("5", "range(1,10)")).toBe(true);
    expect(satisfies("11", "max(10)")).toBe(false);
    expect(satisfies("vm-01", "regex(^vm-\\d+$)")).toBe(true);
  });
});

describe("host.json values", () => {
  it("timespan: parses hh:mm:ss, days and fractions, or keeps milliseconds", () => {
    expect(parseTimeSpanMs("00:00:05", 0)).toBe(5000);
    expect(parseTimeSpanMs("1.02:00:00", 0)).toBe(26 * 3_600_000);
    expect(parseTimeSpanMs("00:00:00.250", 0)).toBe(250);
    expect(parseTimeSpanMs(1500, 0)).toBe(1500);
    expect(parseTimeSpanMs("soon", 42)).toBe(42);
  });
});

describe("queue message encoding", () => {
  it("base64: round-trips UTF-8 and rejects text that is not base64", () => {
    const text = encodeQueueMessage('{"claw":"ü-1"}', "base64");
    expect(text).toBe(Buffer.from('{"claw":"ü-1"}').toString("base64"));
    expect(decodeQueueMessage(text, "base64")).toBe('{"claw":"ü-1"}');
    expect(decodeQueueMessage("not base64!", "base64")).toBeUndefined();
    expect(decodeQueueMessage("plain", "none")).toBe("plain");
  });
});

describe("retry policies", () => {
  it("retry: fixed delay until maxRetryCount; exponential doubles up to the maximum; -1 never ends", () => {
    const fixed = { retryStrategy: "fixedDelay", maxRetryCount: 2, delayInterval: { seconds: 3 } };
    expect([1, 2, 3].map((n) => retryDelayMs(fixed, n))).toEqual([3000, 3000, undefined]);
    const expo = {
      retryStrategy: "exponentialBackoff",
      maxRetryCount: -1,
      minimumInterval: { seconds: 2 },
      maximumInterval: { seconds: 10 },
    };
    expect([1, 2, 3, 4, 50].map((n) => retryDelayMs(expo, n))).toEqual([2000, 4000, 8000, 10000, 10000]);
    expect(retryDelayMs(undefined, 1)).toBeUndefined();
  });
});
