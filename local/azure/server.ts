/**
 * The HTTP front door: turns node requests into ArmRequests and runs them through what ARM does
 * before a resource provider sees them (authentication header, api-version, throttling), plus fault
 * injection and the request log, then renders the handler's answer or ArmError in ARM's shape.
 * Serves HTTPS when given a certificate (the default, see tls.ts), plain HTTP otherwise.
 */
import { randomUUID } from "node:crypto";
import * as http from "node:http";
import * as https from "node:https";
import type { Clock } from "./clock";
import { ArmError, isArmError } from "./arm/errors";
import type { Faults } from "./arm/faults";
import type { ArmRequest, ArmResponse } from "./arm/http";
import type { RequestLog } from "./arm/request-log";
import type { Router } from "./arm/router";
import type { Throttle } from "./arm/throttle";

export interface FrontDoorOptions {
  router: Router;
  admin: (req: ArmRequest) => Promise<ArmResponse | undefined>;
  throttle: Throttle;
  faults: Faults;
  log: RequestLog;
  clock: Clock;
  /** Refuse requests without an Authorization: Bearer header, as ARM does. */
  requireAuth: boolean;
  /** Override of the base URL put in async-operation headers (default: the Host the client used). */
  advertisedBaseUrl?: string;
  onError: (message: string) => void;
  /** PEM server certificate and key: serve HTTPS (ARM is https only; the SDK's bearer policy insists). */
  tls?: { certPem: string; keyPem: string };
}

const MAX_BODY = 4 * 1024 * 1024;

/** The front door's server (not listening yet): https.Server when `tls` is given. */
export function createFrontDoor(o: FrontDoorOptions): http.Server | https.Server {
  const listener = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    handle(o, req, res).catch((e: unknown) => {
      o.onError(`emulator: unhandled ${(e as Error).message}`);
      if (!res.headersSent)
        send(res, {
          status: 500,
          body: { error: { code: "InternalServerError", message: "Emulator error." } },
        });
    });
  };
  return o.tls
    ? https.createServer({ cert: o.tls.certPem, key: o.tls.keyPem }, listener)
    : http.createServer(listener);
}

async function handle(
  o: FrontDoorOptions,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  const started = o.clock.now();
  const url = new URL(req.url ?? "/", "http://localhost");
  const method = (req.method ?? "GET").toUpperCase();
  const path = decodeURIComponent(url.pathname);
  const raw = await readBody(req);
  const armReq: ArmRequest = {
    method,
    path,
    query: url.searchParams,
    headers: req.headers,
    body: undefined,
    params: {},
    baseUrl: o.advertisedBaseUrl ?? `${o.tls ? "https" : "http"}://${req.headers.host ?? "127.0.0.1"}`,
    operationId: "Unknown",
  };
  let answer: ArmResponse;
  let rateHeaders: Record<string, string> = {};
  let faultType: string | undefined;
  try {
    if (raw.length > MAX_BODY)
      throw new ArmError(413, "RequestEntityTooLarge", "The request content size exceeds 4 MB.");
    armReq.body = parseJson(raw);
    const admin = path.startsWith("/_emulator/") ? await o.admin(armReq) : undefined;
    if (admin) {
      send(res, admin);
      return;
    }
    const match = o.router.match(method, path);
    if (match) {
      armReq.operationId = match.route.operationId;
      armReq.params = match.params;
    }
    if (o.requireAuth && !/^Bearer\s+\S+/i.test(String(req.headers.authorization ?? ""))) {
      throw new ArmError(
        401,
        "AuthenticationFailed",
        "Authentication failed. The 'Authorization' header is missing.",
      );
    }
    if (!url.searchParams.get("api-version")) {
      throw new ArmError(
        400,
        "MissingApiVersionParameter",
        "The api-version query parameter (?api-version=) is required for all requests.",
      );
    }
    if (!match) throw unknownPath(path, url.searchParams.get("api-version")!);
    const fault = o.faults.match(armReq.operationId, method, path);
    faultType = fault?.type;
    if (fault?.type === "reset") {
      req.socket.destroy();
      o.log.record({
        time: started,
        method,
        path,
        query: url.search,
        operationId: armReq.operationId,
        status: 0,
        fault: "reset",
      });
      return;
    }
    if (fault?.type === "delay") await new Promise((r) => setTimeout(r, fault.ms));
    if (fault?.type === "error") {
      throw new ArmError(fault.status, fault.code, fault.message ?? `Injected fault ${fault.code}.`, {
        headers:
          fault.retryAfterSeconds !== undefined ? { "retry-after": String(fault.retryAfterSeconds) } : {},
      });
    }
    if (fault?.type === "failOperation" || fault?.type === "neverComplete") armReq.operationFault = fault;
    const limit = match.route.limit?.(armReq);
    rateHeaders = o.throttle.charge(
      match.params.subscriptionId ?? "",
      method,
      limit?.policy,
      limit?.resourceId,
    );
    answer = await match.route.handler(armReq);
  } catch (e) {
    answer = errorAnswer(e, o);
  }
  // Like ARM, every request that was charged says what is left, errors (a 404 of a GET) included.
  answer = { ...answer, headers: { ...rateHeaders, ...answer.headers } };
  const errorCode =
    answer.status >= 400
      ? (answer.body as { error?: { code?: string } } | undefined)?.error?.code
      : undefined;
  o.log.record({
    time: started,
    method,
    path,
    query: url.search,
    operationId: armReq.operationId,
    status: answer.status,
    ...(errorCode ? { errorCode } : {}),
    ...(faultType ? { fault: faultType } : {}),
  });
  send(res, answer);
}

function errorAnswer(e: unknown, o: FrontDoorOptions): ArmResponse {
  if (isArmError(e)) return { status: e.status, headers: e.headers, body: e.toBody() };
  o.onError(`emulator: handler failed: ${(e as Error).stack ?? String(e)}`);
  return {
    status: 500,
    body: {
      error: {
        code: "InternalExecutionError",
        message: "An internal execution error occurred. Please retry later.",
      },
    },
  };
}

function unknownPath(path: string, apiVersion: string): ArmError {
  const m = /\/providers\/([^/]+)\/([^/]+)/i.exec(path);
  if (m) {
    return new ArmError(
      404,
      "InvalidResourceType",
      `The resource type '${m[2]}' could not be found in the namespace '${m[1]}' for api version '${apiVersion}'.`,
    );
  }
  return new ArmError(404, "NotFound", `No route for ${path}.`);
}

function parseJson(raw: Buffer): unknown {
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(raw.toString("utf8"));
  } catch {
    throw new ArmError(
      400,
      "InvalidRequestContent",
      "The request content was invalid and could not be deserialized.",
    );
  }
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY + 1) chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function send(res: http.ServerResponse, a: ArmResponse): void {
  const id = randomUUID();
  const headers: Record<string, string> = {
    "x-ms-request-id": id,
    "x-ms-correlation-request-id": id,
    "cache-control": "no-cache",
    ...a.headers,
  };
  if (a.body !== undefined) {
    const text = JSON.stringify(a.body);
    headers["content-type"] = "application/json; charset=utf-8";
    headers["content-length"] = String(Buffer.byteLength(text));
    res.writeHead(a.status, headers);
    res.end(text);
  } else {
    headers["content-length"] = "0";
    res.writeHead(a.status, headers);
    res.end();
  }
}
