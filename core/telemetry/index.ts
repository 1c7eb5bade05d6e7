/**
 * The control plane's tracing, for the few central places that use it: a trigger runs in a span
 * (`traceTrigger`), a saga start stores its span for the operation (`traceSagaStart`), each activity
 * of that operation runs in a child span (`traceActivity`), and the ARM pipeline and the guest
 * client add theirs beneath (core/azure/clients.ts, core/guest/client.ts). Sagas without an
 * operation (timer runs, rollouts) are linked by instance id instead (links.ts). The trigger and
 * activity wrappers also open the log scope (log-context.ts) that log.ts reads. With no exporter
 * configured every call costs next to nothing and nothing is stored.
 */
import { SpanKind, SpanStatusCode, type Span } from "@opentelemetry/api";
import type { TraceLinks } from "./links";
import { addLogFields, withLogFields } from "./log-context";
import { record } from "./metrics";
import { startTelemetry } from "./setup";
import { inSpan, traceparentOf } from "./spans";

export { createTraceLinks, type TraceLinks } from "./links";
export { activeSpan, inSpan, SpanKind, traceparentOf } from "./spans";
export { exporterFromEnv, spanToJson, startTelemetry } from "./setup";
export { record } from "./metrics";
export { countByPowerState, observeClawPowerStates } from "./fleet-gauge";
export { addLogFields, logFields, withLogFields, type LogFields } from "./log-context";
export { fieldsSuffix, logLine, scopedLogger, type LineWriter, type LogLevel } from "./log";

let linkSource: (() => TraceLinks | undefined) | undefined;

/**
 * Where saga spans are stored for their activities to find: the composition root's TraceLinks
 * table (installed by the app's entry point). Without one, activities start traces of their own.
 */
export function useTraceLinks(source: (() => TraceLinks | undefined) | undefined): void {
  linkSource = source;
}

function traceLinks(): TraceLinks | undefined {
  try {
    return linkSource?.();
  } catch {
    return undefined; // storage misconfigured: the trigger reports that, not telemetry
  }
}

const enabled = () => startTelemetry() !== "none";

/**
 * Runs a trigger's handler in a span named after it (server for HTTP, consumer for a queue,
 * internal for a timer), and in a log scope naming the trigger (and the claw, when known).
 */
export function traceTrigger<T>(
  name: string,
  attributes: Record<string, string | number | boolean>,
  fn: () => Promise<T>,
  kind: SpanKind = SpanKind.SERVER,
  claw?: string,
): Promise<T> {
  return withLogFields({ trigger: name, claw }, () => {
    if (!enabled()) return fn();
    return inSpan(
      name,
      { kind, attributes: claw ? { ...attributes, "openclawps.claw": claw } : attributes },
      () => fn(),
    );
  });
}

/**
 * Starts a saga in a "saga <name>" span and stores that span under the operation id (or, for a
 * saga without one, its instance id), so the saga's activities join this trace wherever they run.
 * Telemetry failures never fail the start.
 */
export function traceSagaStart<T>(
  sagaName: string,
  operationId: string | undefined,
  attributes: Record<string, string>,
  start: () => Promise<T>,
  instanceId?: string,
): Promise<T> {
  // The trigger's later lines belong to this operation (and claw) too.
  if (operationId) addLogFields({ operationId, claw: attributes["openclawps.claw"] });
  if (!enabled()) return start();
  return inSpan(
    `saga ${sagaName}`,
    { kind: SpanKind.PRODUCER, attributes: { "openclawps.saga": sagaName, ...attributes } },
    async (span) => {
      record.sagaStarted(sagaName);
      const tp = traceparentOf(span);
      if (operationId) span.setAttribute("openclawps.operation_id", operationId);
      if (instanceId) span.setAttribute("openclawps.instance_id", instanceId);
      const key = operationId ?? instanceId;
      if (tp && key) {
        const claw = attributes["openclawps.claw"];
        await traceLinks()
          ?.save(key, { traceparent: tp, ...(claw ? { claw } : {}) }, operationId ? "op" : "instance")
          .catch((e: unknown) => span.addEvent("trace link not stored", { reason: String(e).slice(0, 200) }));
      }
      return start();
    },
  );
}

/**
 * Runs an activity in a span under its saga's span: found by the operation id in its input (`op`),
 * else by the orchestration instance that called it (`instanceId`, from the trigger metadata).
 * Log lines written meanwhile carry the operation id and claw name (log-context.ts).
 */
export async function traceActivity<T>(
  name: string,
  input: unknown,
  fn: () => Promise<T>,
  instanceId?: string,
): Promise<T> {
  const i = (input ?? {}) as { op?: unknown; claw?: unknown };
  const op = typeof i.op === "string" ? i.op : undefined;
  const own = typeof i.claw === "string" ? i.claw : undefined;
  if (!enabled()) return withLogFields({ operationId: op, claw: own, activity: name }, fn);
  const links = traceLinks();
  const link =
    (op ? await links?.load(op).catch(() => undefined) : undefined) ??
    (instanceId ? await links?.load(instanceId, "instance").catch(() => undefined) : undefined);
  // An activity whose input names no claw (notifyOperators) still belongs to its saga's claw.
  const claw = own ?? link?.claw;
  return withLogFields({ operationId: op, claw, activity: name }, () =>
    inSpan(
      `activity ${name}`,
      {
        kind: SpanKind.INTERNAL,
        parent: link?.traceparent,
        attributes: {
          "openclawps.activity": name,
          ...(op ? { "openclawps.operation_id": op } : {}),
          ...(claw ? { "openclawps.claw": claw } : {}),
          ...(instanceId ? { "openclawps.instance_id": instanceId } : {}),
        },
      },
      async (span) => {
        const started = performance.now();
        const inputOutcome = outcomeOfInput(input);
        for (const [k, v] of Object.entries(inputOutcome)) span.setAttribute(k, v);
        let ok = false;
        try {
          const r = await fn();
          ok = true;
          const resultOutcome = outcomeOfResult(r);
          for (const [k, v] of Object.entries(resultOutcome)) span.setAttribute(k, v);
          span.setStatus({ code: SpanStatusCode.OK });
          const failing = resultOutcome["openclawps.verify_failing"];
          if (typeof failing === "string" && failing) record.verifyFailures(failing.split(","));
          return r;
        } finally {
          record.step(name, performance.now() - started, ok);
        }
      },
    ),
  );
}

/**
 * What the alert rules query (bicep/modules/alerts.bicep), read from an activity's input: how an
 * operation ended (finishOperation's status) and whether compensation left manual work.
 */
export function outcomeOfInput(input: unknown): Record<string, string | boolean> {
  const i = (input ?? {}) as { status?: unknown; compensation?: { summary?: unknown } };
  const out: Record<string, string | boolean> = {};
  if (typeof i.status === "string") out["openclawps.outcome"] = i.status;
  const summary = i.compensation?.summary;
  if (typeof summary === "string" && /manual action/i.test(summary)) out["openclawps.manual_action"] = true;
  return out;
}

/**
 * ...and from its result: a failed verify (`ok: false`, with the failing checks' names, or the
 * health sweep's `status: "failing"` with `failed`) or drift found.
 */
export function outcomeOfResult(result: unknown): Record<string, string | number | boolean> {
  const r = (result ?? {}) as {
    ok?: unknown;
    checks?: unknown;
    findings?: unknown;
    status?: unknown;
    failed?: unknown;
  };
  const out: Record<string, string | number | boolean> = {};
  // The health sweep's answer for one running claw (checkClawHealth): failing, with the checks.
  if (r.status === "failing" && Array.isArray(r.failed)) {
    out["openclawps.verify_ok"] = false;
    const failing = (r.failed as unknown[]).filter((c): c is string => typeof c === "string");
    out["openclawps.verify_failing"] = failing.join(",").slice(0, 300);
  } else if (r.status === "healthy" && Array.isArray(r.failed)) out["openclawps.verify_ok"] = true;
  if (r.ok === false) {
    out["openclawps.verify_ok"] = false;
    if (Array.isArray(r.checks)) {
      const failing = (r.checks as { name?: unknown; ok?: unknown }[])
        .filter((c) => c.ok === false && typeof c.name === "string")
        .map((c) => c.name as string);
      out["openclawps.verify_failing"] = failing.join(",").slice(0, 300);
    }
  } else if (r.ok === true) out["openclawps.verify_ok"] = true;
  if (Array.isArray(r.findings)) out["openclawps.drift_findings"] = r.findings.length;
  return out;
}

/** Runs one SSH command in a client span under the active activity. */
export function traceGuest<T>(name: string, address: string, fn: (span?: Span) => Promise<T>): Promise<T> {
  if (!enabled()) return fn(undefined);
  return inSpan(
    name,
    { kind: SpanKind.CLIENT, attributes: { "server.address": address, "rpc.system": "ssh" } },
    fn,
  );
}
