/**
 * Telemetry of the control plane: OpenTelemetry traces, exported by configuration —
 * - TELEMETRY_EXPORTER=azure-monitor (the default when APPLICATIONINSIGHTS_CONNECTION_STRING is
 *   set, as the Bicep sets it): Azure Monitor's OpenTelemetry distro sends them to Application
 *   Insights;
 * - TELEMETRY_EXPORTER=jsonl: one JSON line per finished span appended to TELEMETRY_FILE (the twin:
 *   .data/telemetry/spans.jsonl), for a developer to read or a test to check;
 * - TELEMETRY_EXPORTER=console: the same lines on stdout; none (the default otherwise): off.
 * Instrumentation lives in a few central places only: the HTTP route wrapper, the saga client,
 * the activity registration, the ARM pipeline and the guest client.
 */
import fs from "node:fs";
import path from "node:path";
import { context, metrics, trace, type Tracer } from "@opentelemetry/api";
import type { PushMetricExporter, ResourceMetrics } from "@opentelemetry/sdk-metrics";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-base";

type Env = Record<string, string | undefined>;

/** One structured log line (log.ts), handed to the exporter in use. */
export interface LogRecordInput {
  level: "debug" | "info" | "warn" | "error";
  message: string;
  fields: { operationId?: string; claw?: string; activity?: string; trigger?: string };
  traceId?: string;
  spanId?: string;
}
let logSink: ((r: LogRecordInput) => void) | undefined;

/** Sends a log record to the exporter; nothing when telemetry is off. */
export function emitLogRecord(r: LogRecordInput): void {
  if (!logSink) return;
  try {
    logSink(r);
  } catch {
    // A log line never fails the work it describes.
  }
}

/** The record's fields as attributes (the names the spans use). */
function logAttributes(r: LogRecordInput): Record<string, string> {
  const a: Record<string, string> = {};
  if (r.fields.operationId) a["openclawps.operation_id"] = r.fields.operationId;
  if (r.fields.claw) a["openclawps.claw"] = r.fields.claw;
  if (r.fields.activity) a["openclawps.activity"] = r.fields.activity;
  if (r.fields.trigger) a["openclawps.trigger"] = r.fields.trigger;
  return a;
}

export type TelemetryExporter = "azure-monitor" | "jsonl" | "console" | "none";

const SERVICE = "openclawps-control-plane";
let started: TelemetryExporter | undefined;

/** Which exporter the settings ask for. */
export function exporterFromEnv(env: Env): TelemetryExporter {
  const v = (env.TELEMETRY_EXPORTER ?? "").toLowerCase();
  if (v === "azure-monitor" || v === "jsonl" || v === "console" || v === "none") return v;
  return env.APPLICATIONINSIGHTS_CONNECTION_STRING ? "azure-monitor" : "none";
}

/** One finished span as a JSON line: ids, parent, name, times, status, attributes and events. */
export function spanToJson(s: ReadableSpan): Record<string, unknown> {
  const ctx = s.spanContext();
  const ms = (t: [number, number]) => t[0] * 1000 + t[1] / 1e6;
  return {
    traceId: ctx.traceId,
    spanId: ctx.spanId,
    parentSpanId: s.parentSpanContext?.spanId,
    name: s.name,
    kind: s.kind,
    start: new Date(ms(s.startTime)).toISOString(),
    durationMs: Math.round(ms(s.duration) * 10) / 10,
    status: s.status,
    attributes: s.attributes,
    events: s.events.map((e) => ({ name: e.name, attributes: e.attributes })),
    links: s.links.map((l) => ({ traceId: l.context.traceId, spanId: l.context.spanId })),
  };
}

class JsonLinesExporter implements SpanExporter {
  constructor(private readonly write: (line: string) => void) {}
  export(spans: ReadableSpan[], done: (r: { code: number }) => void): void {
    try {
      this.write(spans.map((s) => JSON.stringify(spanToJson(s))).join("\n") + "\n");
      done({ code: 0 });
    } catch {
      done({ code: 1 });
    }
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/* eslint-disable @typescript-eslint/no-require-imports -- loaded only for the exporter in use */
function startLocal(exporter: "jsonl" | "console", env: Env): void {
  const { BasicTracerProvider, SimpleSpanProcessor } =
    require("@opentelemetry/sdk-trace-base") as typeof import("@opentelemetry/sdk-trace-base");
  const { AsyncLocalStorageContextManager } =
    require("@opentelemetry/context-async-hooks") as typeof import("@opentelemetry/context-async-hooks");
  const { resourceFromAttributes } =
    require("@opentelemetry/resources") as typeof import("@opentelemetry/resources");
  let write: (line: string) => void;
  if (exporter === "console") {
    write = (line) => process.stdout.write(line);
  } else {
    const file = path.resolve(env.TELEMETRY_FILE || ".data/telemetry/spans.jsonl");
    fs.mkdirSync(path.dirname(file), { recursive: true });
    write = (line) => fs.appendFileSync(file, line);
  }
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": SERVICE }),
    spanProcessors: [new SimpleSpanProcessor(new JsonLinesExporter(write))],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(provider);
  logSink = (r) =>
    write(
      `${JSON.stringify({
        log: r.message,
        level: r.level,
        time: new Date().toISOString(),
        attributes: logAttributes(r),
        ...(r.traceId ? { traceId: r.traceId, spanId: r.spanId } : {}),
      })}\n`,
    );

  const { MeterProvider, PeriodicExportingMetricReader } =
    require("@opentelemetry/sdk-metrics") as typeof import("@opentelemetry/sdk-metrics");
  const interval = Number(env.TELEMETRY_METRICS_INTERVAL_MS);
  const reader = new PeriodicExportingMetricReader({
    exporter: metricLinesExporter(write),
    exportIntervalMillis: Number.isFinite(interval) && interval >= 100 ? interval : 60_000,
  });
  metrics.setGlobalMeterProvider(
    new MeterProvider({ resource: resourceFromAttributes({ "service.name": SERVICE }), readers: [reader] }),
  );
}

/** Metrics as JSON lines beside the spans: one line per data point, `{"metric": ...}`. */
function metricLinesExporter(write: (line: string) => void): PushMetricExporter {
  return {
    export(rm: ResourceMetrics, done: (r: { code: number }) => void) {
      const lines: string[] = [];
      for (const sm of rm.scopeMetrics) {
        for (const m of sm.metrics) {
          for (const p of m.dataPoints as { attributes: unknown; value: unknown }[]) {
            lines.push(
              JSON.stringify({
                metric: m.descriptor.name,
                unit: m.descriptor.unit,
                attributes: p.attributes,
                value: p.value,
              }),
            );
          }
        }
      }
      try {
        if (lines.length) write(lines.join("\n") + "\n");
        done({ code: 0 });
      } catch {
        done({ code: 1 });
      }
    },
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  };
}

function startAzureMonitor(env: Env): void {
  const { useAzureMonitor } =
    require("@azure/monitor-opentelemetry") as typeof import("@azure/monitor-opentelemetry");
  // The Bicep turns local auth off and sets "ClientId=<identity>;Authorization=AAD": the exporter
  // then authenticates as the app's user-assigned identity (Monitoring Metrics Publisher).
  const auth = env.APPLICATIONINSIGHTS_AUTHENTICATION_STRING ?? "";
  const clientId = /ClientId=([^;]+)/i.exec(auth)?.[1];
  const credential = /Authorization=AAD/i.test(auth)
    ? new (require("@azure/identity") as typeof import("@azure/identity")).DefaultAzureCredential(
        clientId ? { managedIdentityClientId: clientId } : {},
      )
    : undefined;
  useAzureMonitor({
    azureMonitorExporterOptions: {
      connectionString: env.APPLICATIONINSIGHTS_CONNECTION_STRING,
      ...(credential ? { credential } : {}),
    },
    // The Functions host already records each invocation as a request; ours are its children.
    instrumentationOptions: { http: { enabled: false } },
  });
  // Log records through the distro's logger provider: Application Insights `traces` with the
  // operation id and claw as customDimensions, joined to the active span.
  const { logs, SeverityNumber } =
    require("@opentelemetry/api-logs") as typeof import("@opentelemetry/api-logs");
  const severity = {
    debug: SeverityNumber.DEBUG,
    info: SeverityNumber.INFO,
    warn: SeverityNumber.WARN,
    error: SeverityNumber.ERROR,
  } as const;
  const logger = logs.getLogger("openclawps");
  logSink = (r) =>
    logger.emit({
      severityNumber: severity[r.level],
      severityText: r.level.toUpperCase(),
      body: r.message,
      attributes: logAttributes(r),
    });
}
/* eslint-enable @typescript-eslint/no-require-imports */

/** Starts the exporter the settings ask for, once per process; later calls do nothing. */
export function startTelemetry(env: Env = process.env): TelemetryExporter {
  if (started) return started;
  const exporter = exporterFromEnv(env);
  if (exporter === "jsonl" || exporter === "console") startLocal(exporter, env);
  if (exporter === "azure-monitor") startAzureMonitor(env);
  started = exporter;
  return exporter;
}

/** The control plane's tracer (a no-op until startTelemetry ran with an exporter). */
export function tracer(): Tracer {
  return trace.getTracer("openclawps");
}
