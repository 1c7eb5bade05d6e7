/**
 * Where HTTP handlers get the command handler's dependencies. Production takes the tables from the
 * composition root (core/app) and the function's durable client binding; tests pass their own provider.
 */
import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import { appRoot } from "../../core/app";
import { sagaClientFrom, type CommandDeps, type CommandLog, type SagaClient } from "../../core/commands";
import { activeSpan, SpanKind, traceTrigger } from "../../core/telemetry";
import { clawNamed, logWithFields } from "../traced";
import { errorResponse } from "./respond";

export type DepsProvider = (context: InvocationContext) => CommandDeps;

/** Log lines go to the invocation's log (Application Insights on Azure, the dev host's log locally). */
export function contextLog(context: InvocationContext): CommandLog {
  return (level, message, err) =>
    err === undefined ? context[level](message) : context[level](message, err);
}

/** The durable client, resolved only when used: read-only routes have no durable binding. */
function lazySagaClient(context: InvocationContext): SagaClient {
  let client: SagaClient | undefined;
  const get = () => (client ??= sagaClientFrom(df.getClient(context)));
  return {
    startNew: (name, options) => get().startNew(name, options),
    getStatus: (instanceId) => get().getStatus(instanceId),
  };
}

/** The production dependencies for one invocation. */
export const productionDeps: DepsProvider = (context) => {
  const root = appRoot();
  return {
    state: root.storage.state,
    requests: root.storage.requests,
    durable: lazySagaClient(context),
    log: contextLog(context),
    gallery: root.gallery(),
  };
};

export type RouteHandler = (req: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;

/** Wraps a route so every thrown error goes through the edge mapper. */
export function route(name: string, fn: RouteHandler): RouteHandler {
  const handler = (req: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    logWithFields(context);
    return traceTrigger(
      `HTTP ${req.method} ${name}`,
      { "http.request.method": req.method, "faas.trigger": "http" },
      async () => {
        let res: HttpResponseInit;
        try {
          res = await fn(req, context);
        } catch (e) {
          res = errorResponse(e, context);
        }
        const span = activeSpan();
        // The path only: the query may hold the function key (?code=).
        span?.setAttribute("url.path", new URL(req.url).pathname);
        span?.setAttribute("http.response.status_code", res.status ?? 200);
        return res;
      },
      SpanKind.SERVER,
      clawNamed(req.params?.name),
    );
  };
  Object.defineProperty(handler, "name", { value: name });
  return handler;
}
