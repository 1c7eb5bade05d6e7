/**
 * The dev host's logger: one line per event, `time level [scope] message`. Secrets never reach it:
 * the HTTP layer logs only method, path (without the query) and status, and callers pass messages
 * that they have already stripped of keys.
 */
export type LogLevel = "debug" | "info" | "warn" | "error";

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string, err?: unknown): void;
  /** A logger whose lines carry `[scope]`. */
  child(scope: string): Logger;
}

export type LogSink = (level: LogLevel, line: string) => void;

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Writes info and debug to stdout, warnings and errors to stderr. */
export const consoleSink: LogSink = (level, line) => {
  if (level === "warn" || level === "error") process.stderr.write(line + "\n");
  else process.stdout.write(line + "\n");
};

/** A sink that drops everything (tests that do not look at logs). */
export const silentSink: LogSink = () => undefined;

export interface LoggerOptions {
  level?: LogLevel;
  sink?: LogSink;
  scope?: string;
}

/** Creates a logger; DEVHOST_LOG_LEVEL is a good source for `level`. */
export function createLogger({ level = "info", sink = consoleSink, scope }: LoggerOptions = {}): Logger {
  const min = ORDER[level] ?? ORDER.info;
  const emit = (lvl: LogLevel, message: string): void => {
    if (ORDER[lvl] < min) return;
    const prefix = scope ? `[${scope}] ` : "";
    sink(lvl, `${new Date().toISOString()} ${lvl.toUpperCase().padEnd(5)} ${prefix}${message}`);
  };
  return {
    debug: (m) => emit("debug", m),
    info: (m) => emit("info", m),
    warn: (m) => emit("warn", m),
    error: (m, err) => emit("error", err === undefined ? m : `${m}: ${describeError(err)}`),
    child: (s) => createLogger({ level, sink, scope: scope ? `${scope}:${s}` : s }),
  };
}

/** The error's stack (or message) without throwing on odd values. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.stack ?? `${err.name}: ${err.message}`;
  try {
    return typeof err === "string" ? err : JSON.stringify(err);
  } catch {
    return String(err);
  }
}

/** Parses a level name (case-insensitive); unknown names give the fallback. */
export function parseLogLevel(value: string | undefined, fallback: LogLevel = "info"): LogLevel {
  const v = value?.toLowerCase();
  return v === "debug" || v === "info" || v === "warn" || v === "error" ? v : fallback;
}
