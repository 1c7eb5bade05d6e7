/**
 * Running work inside a span, and carrying a span's identity as a W3C traceparent string (what
 * crosses the durable boundary, see links.ts). Attributes are names, ids, counts and statuses only:
 * never a command line, a request body or a secret.
 */
import {
  context,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Attributes,
  type Context,
  type Span,
} from "@opentelemetry/api";
import { tracer } from "./setup";

export { SpanKind };

export interface SpanOptions {
  attributes?: Attributes;
  kind?: SpanKind;
  /** Parent given as a traceparent (another process's span); default the active span. */
  parent?: string;
}

/** `00-<trace id>-<span id>-<flags>` of a span, or undefined when it is not recording. */
export function traceparentOf(span: Span | undefined): string | undefined {
  const c = span?.spanContext();
  if (!c || !trace.isSpanContextValid(c)) return undefined;
  return `00-${c.traceId}-${c.spanId}-0${c.traceFlags & TraceFlags.SAMPLED}`;
}

/** A context whose parent is the span a traceparent names (remote); undefined if malformed. */
export function contextFromTraceparent(tp: string | undefined): Context | undefined {
  const m = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(tp ?? "");
  if (!m) return undefined;
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: m[1],
    spanId: m[2],
    traceFlags: Number.parseInt(m[3], 16),
    isRemote: true,
  });
}

/**
 * Runs `fn` in a new active span; an error marks the span failed (its message, first line only)
 * and is rethrown. Returns what `fn` returns.
 */
export function inSpan<T>(name: string, opts: SpanOptions, fn: (span: Span) => Promise<T>): Promise<T> {
  const parent = contextFromTraceparent(opts.parent) ?? context.active();
  return tracer().startActiveSpan(
    name,
    { kind: opts.kind ?? SpanKind.INTERNAL, attributes: opts.attributes },
    parent,
    async (span) => {
      try {
        return await fn(span);
      } catch (e) {
        const message = (e instanceof Error ? e.message : String(e)).split("\n")[0].slice(0, 300);
        span.setStatus({ code: SpanStatusCode.ERROR, message });
        span.setAttribute("error.type", e instanceof Error ? e.name : "Error");
        throw e;
      } finally {
        span.end();
      }
    },
  );
}

/** The active span, if any (to add an attribute or an event from a deeper layer). */
export function activeSpan(): Span | undefined {
  return trace.getActiveSpan();
}
