/**
 * The control plane's log lines. Each line carries the operation id and claw name of the work it
 * belongs to (log-context.ts), as text for whoever reads the plain log (` op=… claw=…` at its end)
 * and as attributes of a structured record sent to the telemetry exporter (setup.ts): on Azure an
 * OpenTelemetry log record (Application Insights `traces`, customDimensions
 * `openclawps.operation_id` / `openclawps.claw`, joined to the active span), on the twin a
 * `{"log": …}` line beside the spans. Token-shaped values are masked in both before they leave.
 */
import { activeSpan } from "./spans";
import { logFields, type LogFields } from "./log-context";
import { emitLogRecord } from "./setup";
import { redactTokenShapes } from "../logs/redact-tokens";

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LineWriter = (level: LogLevel, text: string) => void;

/** The fields as a text suffix: ` op=<id> claw=<name>` (empty when there are none). */
export function fieldsSuffix(f: LogFields = logFields()): string {
  return `${f.operationId ? ` op=${f.operationId}` : ""}${f.claw ? ` claw=${f.claw}` : ""}`;
}

const toConsole: LineWriter = (level, text) =>
  (level === "error"
    ? console.error
    : level === "warn"
      ? console.warn
      : level === "debug"
        ? console.debug
        : console.info)(text);

/**
 * Writes one log line with the current fields: masked, to `write` (the console by default; a
 * trigger passes its InvocationContext's log), and as a structured record to the exporter.
 */
export function logLine(level: LogLevel, message: string, write: LineWriter = toConsole): void {
  const f = logFields();
  const text = redactTokenShapes(message);
  write(level, `${text}${fieldsSuffix(f)}`);
  const span = activeSpan()?.spanContext();
  emitLogRecord({
    level,
    message: text,
    fields: f,
    ...(span ? { traceId: span.traceId, spanId: span.spanId } : {}),
  });
}

/** A logger whose lines start with `[scope]` (activities, health, notify, ...). */
export function scopedLogger(name: string): Record<LogLevel, (message: string) => void> {
  const at = (level: LogLevel) => (message: string) => logLine(level, `[${name}] ${message}`);
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}
