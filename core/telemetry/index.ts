/**
 * The control plane's tracing, for the few central places that use it: a trigger runs in a span
 * (`traceTrigger`), a saga start stores its span for the operation (`traceSagaStart`), each activity
 * of that operation runs in a child span (`traceActivity`), and the ARM pipeline and the guest
 * client add theirs beneath (core/azure/clients.ts, core/guest/client.ts). With no exporter
 * configured every call costs next to nothing and nothing is stored.
 */
import { DefaultAzureCredential } from "@azure/identity";
import { SpanKind, SpanStatusCode, type Span } from "@opentelemetry/api";
import { traceLinksFromEnv, type TraceLinks } from "./links";
import { startTelemetry } from "./setup";
import { inSpan, traceparentOf } from "./spans";

export { activeSpan, inSpan, SpanKind, traceparentOf } from "./spans";
export { exporterFromEnv, spanToJson, startTelemetry } from "./setup";

let links: TraceLinks | undefined | null;

function traceLinks(): TraceLinks | undefined {
  if (links === undefined) {
    const clientId = process.env.AzureWebJobsStorage__clientId;
    links =
      traceLinksFromEnv(
        process.env,
        () => new DefaultAzureCredential(clientId ? { managedIdentityClientId: clientId } : {}),
      ) ?? null;
  }
  return links ?? undefined;
}

const enabled = () => startTelemetry() !== "none";

/** Runs a trigger's handler in a server/consumer span named after it. */
export function traceTrigger<T>(
  name: string,
  attributes: Record<string, string | number | boolean>,
  fn: () => Promise<T>,
  kind: SpanKind = SpanKind.SERVER,
): Promise<T> {
  if (!enabled()) return fn();
  return inSpan(name, { kind, attributes }, () => fn());
}

/**
 * Starts a saga in a "saga <name>" span and stores that span under the operation id, so the saga's
 * activities join this trace wherever they run. Telemetry failures never fail the start.
 */
export function traceSagaStart<T>(
  sagaName: string,
  operationId: string | undefined,
  attributes: Record<string, string>,
  start: () => Promise<T>,
): Promise<T> {
  if (!enabled()) return start();
  return inSpan(
    `saga ${sagaName}`,
    { kind: SpanKind.PRODUCER, attributes: { "openclawps.saga": sagaName, ...attributes } },
    async (span) => {
      const tp = traceparentOf(span);
      if (tp && operationId) {
        span.setAttribute("openclawps.operation_id", operationId);
        await traceLinks()
          ?.save(operationId, tp)
          .catch((e: unknown) => span.addEvent("trace link not stored", { reason: String(e).slice(0, 200) }));
      }
      return start();
    },
  );
}

/** Runs an activity in a span under its operation's saga span (found by `op` in its input). */
export async function traceActivity<T>(name: string, input: unknown, fn: () => Promise<T>): Promise<T> {
  if (!enabled()) return fn();
  const i = (input ?? {}) as { op?: unknown; claw?: unknown };
  const op = typeof i.op === "string" ? i.op : undefined;
  const parent = op
    ? await traceLinks()
        ?.load(op)
        .catch(() => undefined)
    : undefined;
  return inSpan(
    `activity ${name}`,
    {
      kind: SpanKind.INTERNAL,
      parent,
      attributes: {
        "openclawps.activity": name,
        ...(op ? { "openclawps.operation_id": op } : {}),
        ...(typeof i.claw === "string" ? { "openclawps.claw": i.claw } : {}),
      },
    },
    async (span) => {
      const r = await fn();
      span.setStatus({ code: SpanStatusCode.OK });
      return r;
    },
  );
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
