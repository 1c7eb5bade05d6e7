import { app, HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";

const startedAt = new Date().toISOString();

/** GET /api/v1/health: liveness of the control plane itself (no Azure calls). */
export async function health(_req: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  return {
    status: 200,
    jsonBody: {
      status: "ok",
      service: "openclawps-control-plane",
      version: process.env.npm_package_version ?? "0.1.0",
      startedAt,
    },
  };
}

app.http("health", { route: "v1/health", methods: ["GET"], authLevel: "function", handler: health });
