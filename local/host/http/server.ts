/**
 * The dev host's HTTP front door: function routes under the route prefix (auth by key, 404/405/413
 * as JSON), the Durable HTTP API prefixes forwarded to the durable engine, one log line per request
 * (method, path without query, status, duration; never keys).
 */
import http, { type IncomingMessage, type ServerResponse } from "http";
import { performance } from "perf_hooks";
import { runFunction, type InvocationEnv } from "../bindings";
import { DURABLE_RPC_PATH, DURABLE_WEBHOOK_PATH } from "../durable-wiring";
import type { DurableHttpResponse } from "../durable/types";
import type { RegisteredFunction } from "../registry";
import { isAuthorized, parseAuthLevel, presentedKey, type HostKeys } from "./auth";
import { compileRoute, matchRoute, sortRoutes, type CompiledRoute } from "./routes";
import { isFunctionDisabled } from "../settings";
import { fromRpcHttpResponse, send, sendJsonError, toRpcHttpRequest } from "./rpc-http";

export interface HttpServerOptions {
  env: InvocationEnv;
  routePrefix: string;
  keys: HostKeys;
  /** Secret path segment of the rpcBaseUrl prefix. */
  rpcToken: string;
  /** Largest request body accepted (default 1 MiB); larger ones get 413. */
  maxBodyBytes?: number;
}

class BodyTooLarge extends Error {}

/** The host's admin API for running a non-HTTP function (see runByAdmin). */
export const ADMIN_FUNCTIONS_PATH = "/admin/functions/";

/** Compiles the HTTP-triggered functions of the registry into sorted routes. */
export function buildRoutes(functions: Iterable<RegisteredFunction>): CompiledRoute<RegisteredFunction>[] {
  const routes: CompiledRoute<RegisteredFunction>[] = [];
  for (const fn of functions) {
    if (fn.trigger.type.toLowerCase() !== "httptrigger") continue;
    const o = fn.trigger.options;
    const template = typeof o.route === "string" && o.route.length > 0 ? o.route : fn.name;
    routes.push(compileRoute(template, o.methods as string[] | undefined, fn));
  }
  return sortRoutes(routes);
}

/** Creates the (not yet listening) node HTTP server. */
export function createHttpServer(opts: HttpServerOptions): http.Server {
  const routes = buildRoutes(opts.env.registry.functions.values());
  const log = opts.env.log.child("http");
  const maxBody = opts.maxBodyBytes ?? 1024 * 1024;
  const prefix = opts.routePrefix ? `/${opts.routePrefix}` : "";
  const rpcPrefix = `${DURABLE_RPC_PATH}/${opts.rpcToken}`;

  async function handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const path = url.pathname;
    if (path === DURABLE_WEBHOOK_PATH || path.startsWith(DURABLE_WEBHOOK_PATH + "/")) {
      if (!isAuthorized("function", presentedKey(req.headers, url.searchParams), opts.keys)) {
        return sendJsonError(
          res,
          401,
          "UNAUTHORIZED",
          "A valid key is required (x-functions-key header or code query parameter).",
        );
      }
      return durable(req, res, url, path.slice(DURABLE_WEBHOOK_PATH.length));
    }
    if (path === rpcPrefix || path.startsWith(rpcPrefix + "/")) {
      return durable(req, res, url, path.slice(rpcPrefix.length));
    }
    if (path.startsWith(ADMIN_FUNCTIONS_PATH)) return runByAdmin(req, res, url, path);
    if (prefix && path !== prefix && !path.startsWith(prefix + "/")) {
      return sendJsonError(res, 404, "NOT_FOUND", `No function route matches ${req.method} ${path}.`);
    }
    const match = matchRoute(routes, path.slice(prefix.length), req.method ?? "GET");
    if (match.kind === "not-found") {
      return sendJsonError(res, 404, "NOT_FOUND", `No function route matches ${req.method} ${path}.`);
    }
    if (match.kind === "method-not-allowed") {
      return sendJsonError(res, 405, "METHOD_NOT_ALLOWED", `${req.method} is not allowed here.`, {
        allow: match.allow.join(", "),
      });
    }
    const fn = match.route.target;
    const key = presentedKey(req.headers, url.searchParams);
    if (isFunctionDisabled(opts.env.settings, fn.name) && !isAuthorized("admin", key, opts.keys)) {
      return sendJsonError(res, 404, "NOT_FOUND", `No function route matches ${req.method} ${path}.`);
    }
    const level = parseAuthLevel(fn.trigger.options.authLevel);
    if (!isAuthorized(level, key, opts.keys)) {
      return sendJsonError(
        res,
        401,
        "UNAUTHORIZED",
        "A valid key is required (x-functions-key header or code query parameter).",
      );
    }
    const body = await readBody(req, maxBody);
    let result;
    try {
      result = await runFunction(fn, { data: toRpcHttpRequest(req, url, body, match.params) }, opts.env);
    } catch (err) {
      log.error(`function ${fn.name} failed`, err);
      return sendJsonError(res, 500, "INTERNAL", `Function "${fn.name}" failed; see the dev host log.`);
    }
    const httpOut = fn.outputs.find((o) => o.type.toLowerCase() === "http");
    const data =
      !httpOut || httpOut.bindingName === "$return"
        ? result.rpc.returnValue
        : result.outputData.find((o) => o.name === httpOut.bindingName)?.data;
    send(res, fromRpcHttpResponse(data));
  }

  /**
   * POST /admin/functions/{name} with the admin key runs a timer- or queue-triggered function now,
   * as the Functions host's admin API does (body `{"input": "..."}`: the queue message; a timer
   * gets a TimerInfo that is not past due). Answers 202 at once; the run's outcome is in the log.
   */
  async function runByAdmin(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    path: string,
  ): Promise<void> {
    if (!isAuthorized("admin", presentedKey(req.headers, url.searchParams), opts.keys)) {
      return sendJsonError(res, 401, "UNAUTHORIZED", "The admin key is required (x-functions-key header).");
    }
    if (req.method !== "POST") {
      return sendJsonError(res, 405, "METHOD_NOT_ALLOWED", `${req.method} is not allowed here.`, {
        allow: "POST",
      });
    }
    const name = decodeURIComponent(path.slice(ADMIN_FUNCTIONS_PATH.length));
    const fn = [...opts.env.registry.functions.values()].find(
      (f) => f.name.toLowerCase() === name.toLowerCase(),
    );
    const type = fn?.trigger.type.toLowerCase();
    if (!fn || (type !== "timertrigger" && type !== "queuetrigger")) {
      return sendJsonError(res, 404, "NOT_FOUND", `No timer- or queue-triggered function named "${name}".`);
    }
    let input = "";
    const body = (await readBody(req, maxBody)).toString("utf8");
    if (body) {
      try {
        const parsed = JSON.parse(body) as { input?: unknown };
        input = typeof parsed.input === "string" ? parsed.input : "";
      } catch {
        return sendJsonError(res, 400, "BAD_REQUEST", 'The body must be JSON like {"input": "..."}.');
      }
    }
    const data =
      type === "timertrigger"
        ? {
            json: JSON.stringify({
              Schedule: { AdjustForDST: true },
              ScheduleStatus: null,
              IsPastDue: false,
            }),
          }
        : { string: input };
    void runFunction(fn, { data }, opts.env).catch((err: unknown) =>
      log.error(`function ${fn.name} (run by the admin API) failed`, err),
    );
    send(res, { status: 202, headers: {}, body: Buffer.alloc(0) });
  }

  async function durable(req: IncomingMessage, res: ServerResponse, url: URL, rest: string): Promise<void> {
    const body = await readBody(req, maxBody);
    const query = new URLSearchParams(url.searchParams);
    query.delete("code");
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (v !== undefined && k !== "x-functions-key") headers[k] = Array.isArray(v) ? v.join(", ") : v;
    }
    let out: DurableHttpResponse;
    try {
      out = await opts.env.durable.handleHttp({
        method: req.method ?? "GET",
        path: rest.replace(/^\/+/, ""),
        query,
        headers,
        body: body.toString("utf8"),
      });
    } catch (err) {
      log.error(`durable API ${req.method} ${rest} failed`, err);
      return sendJsonError(res, 500, "INTERNAL", "The durable engine failed; see the dev host log.");
    }
    send(res, fromDurableResponse(out));
  }

  return http.createServer((req, res) => {
    const started = performance.now();
    const method = req.method ?? "GET";
    let pathForLog = "?";
    res.on("finish", () => {
      const ms = (performance.now() - started).toFixed(1);
      log.info(`${method} ${pathForLog} ${res.statusCode} ${ms}ms`);
    });
    let url: URL;
    try {
      url = new URL(req.url ?? "/", `http://${req.headers.host ?? "127.0.0.1"}`);
    } catch {
      return sendJsonError(res, 400, "BAD_REQUEST", "Malformed request URL.");
    }
    // Log the path only (never the query with code=), and never the rpc token.
    pathForLog = url.pathname.split(opts.rpcToken).join("***");
    handle(req, res, url).catch((err: unknown) => {
      if (err instanceof BodyTooLarge) {
        sendJsonError(res, 413, "PAYLOAD_TOO_LARGE", `The request body exceeds ${maxBody} bytes.`, {
          connection: "close",
        });
        req.resume();
        return;
      }
      log.error(`${method} ${pathForLog} failed`, err);
      sendJsonError(res, 500, "INTERNAL", "The dev host failed to handle the request.");
    });
  });
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > limit) return Promise.reject(new BodyTooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on("data", (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (!failed) resolve(Buffer.concat(chunks));
    });
    req.on("error", reject);
  });
}

function fromDurableResponse(out: DurableHttpResponse): {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
} {
  const headers: Record<string, string> = { ...(out.headers ?? {}) };
  const hasType = Object.keys(headers).some((k) => k.toLowerCase() === "content-type");
  let body: Buffer;
  if (out.body === undefined || out.body === null) body = Buffer.alloc(0);
  else if (Buffer.isBuffer(out.body)) body = out.body;
  else if (typeof out.body === "string") {
    body = Buffer.from(out.body, "utf8");
    if (!hasType) headers["content-type"] = "text/plain; charset=utf-8";
  } else {
    body = Buffer.from(JSON.stringify(out.body), "utf8");
    if (!hasType) headers["content-type"] = "application/json; charset=utf-8";
  }
  return { status: out.status, headers, body };
}
