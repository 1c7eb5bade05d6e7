/**
 * Traces of ARM calls: one client span per call (outside the retry policy, so it covers every
 * attempt and every Retry-After wait), named by method and resource type, with the final status,
 * the number of attempts, and one event per throttled (429) answer with the wait ARM asked for.
 * Attributes carry the resource path (ids, never tokens or bodies).
 */
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import { activeSpan, inSpan, record, SpanKind, startTelemetry } from "../telemetry";

/** `virtualMachines`, `disks`, `operations`... : the last resource type in an ARM path. */
function resourceType(path: string): string {
  const parts = path.split("/").filter(Boolean);
  const p = parts.lastIndexOf("providers");
  if (p < 0 || p + 2 >= parts.length) return parts.at(-1) ?? "";
  const rest = parts.slice(p + 2);
  // type/name pairs after the namespace; an action (deallocate, start) follows a name.
  const types = rest.filter((_, i) => i % 2 === 0);
  return rest.length % 2 === 1 && rest.length > 1 ? `${types.at(-2)}/${types.at(-1)}` : (types.at(-1) ?? "");
}

/** Outer policy: the span of the whole call. */
export function armTracingPolicy(): PipelinePolicy {
  return {
    name: "openclawpsArmTracingPolicy",
    async sendRequest(request, next) {
      if (startTelemetry() === "none") return next(request);
      const url = new URL(request.url);
      const type = resourceType(url.pathname);
      return inSpan(
        `ARM ${request.method} ${type}`,
        {
          kind: SpanKind.CLIENT,
          attributes: {
            "http.request.method": request.method,
            "url.path": url.pathname,
            "server.address": url.host,
          },
        },
        async (span) => {
          span.setAttribute("openclawps.arm.attempts", 0);
          const res = await next(request);
          span.setAttribute("http.response.status_code", res.status);
          return res;
        },
      );
    },
  };
}

/** Inner policy (after the Retry phase): counts attempts and records each 429 and its Retry-After. */
export function armAttemptTracingPolicy(): PipelinePolicy {
  const attempts = new WeakMap<object, number>();
  return {
    name: "openclawpsArmAttemptTracingPolicy",
    async sendRequest(request, next) {
      const span = activeSpan();
      if (!span) return next(request);
      const n = (attempts.get(request) ?? 0) + 1;
      attempts.set(request, n);
      span.setAttribute("openclawps.arm.attempts", n);
      const res = await next(request);
      record.armRequest(request.method, resourceType(new URL(request.url).pathname), res.status);
      if (res.status === 429) {
        span.addEvent("throttled", {
          "http.response.status_code": 429,
          "openclawps.arm.retry_after_s": Number(res.headers.get("retry-after") ?? 0),
          "openclawps.arm.attempt": n,
        });
      }
      return res;
    },
  };
}
