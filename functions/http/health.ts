import { app, HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import { runChecks, type DependencyCheck } from "../../core/health/checks";
import { readinessChecks } from "../../core/health/dependencies";
import { appRoot } from "../../core/app";
import type { HealthBody, ReadinessBody } from "../../core/openapi/responses";

const startedAt = new Date().toISOString();
export const DEFAULT_READY_TIMEOUT_MS = 2_000;

/** GET /api/v1/health: liveness of the control plane itself (no Azure calls). */
export async function health(_req: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  const body: HealthBody = {
    status: "ok",
    service: "openclawps-control-plane",
    version: process.env.npm_package_version ?? "0.1.0",
    startedAt,
  };
  return { status: 200, jsonBody: body };
}

let checks: DependencyCheck[] | undefined;

/**
 * GET /api/v1/health/ready: asks every dependency one cheap question in parallel, each within
 * HEALTH_READY_TIMEOUT_MS; 200 when all answer, else 503 naming each failing dependency.
 */
export function readyHandler(
  provide: () => DependencyCheck[] = () => (checks ??= readinessChecks(process.env, () => appRoot().storage)),
) {
  return async function ready(_req: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
    const configured = Number(process.env.HEALTH_READY_TIMEOUT_MS);
    const timeoutMs = Number.isFinite(configured) && configured > 0 ? configured : DEFAULT_READY_TIMEOUT_MS;
    const result = await runChecks(provide(), timeoutMs);
    const failing = result.checks.filter((c) => !c.ok);
    if (failing.length) {
      context.warn(`not ready: ${failing.map((c) => `${c.name} (${c.detail ?? "failed"})`).join("; ")}`);
    }
    const body: ReadinessBody = {
      status: result.ok ? "ready" : "not ready",
      ...(failing.length ? { failing: failing.map((c) => c.name) } : {}),
      checks: result.checks,
    };
    return {
      status: result.ok ? 200 : 503,
      headers: result.ok ? {} : { "retry-after": "10" },
      jsonBody: body,
    };
  };
}

app.http("health", { route: "v1/health", methods: ["GET"], authLevel: "function", handler: health });
app.http("healthReady", {
  route: "v1/health/ready",
  methods: ["GET"],
  authLevel: "function",
  handler: readyHandler(),
});
