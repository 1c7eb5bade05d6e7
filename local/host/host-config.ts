/**
 * host.json as the dev host needs it: the function app directory (where host.json lives), the HTTP
 * route prefix, the queue options and the durable task hub name, with the host's own defaults.
 */
import fs from "fs";
import path from "path";

export interface QueueOptions {
  maxDequeueCount: number;
  /** How long a failed message stays invisible before its retry. */
  visibilityTimeoutMs: number;
  batchSize: number;
  newBatchThreshold: number;
  maxPollingIntervalMs: number;
  messageEncoding: "base64" | "none";
}

export interface HostConfig {
  /** The function app directory: the folder holding host.json. */
  rootDir: string;
  routePrefix: string;
  queues: QueueOptions;
  /** `extensions.durableTask.hubName` as written (may contain %SETTING%). */
  hubName?: string;
  raw: Record<string, unknown>;
}

/** Walks up from `startDir` to the first folder with a host.json. */
export function findHostJson(startDir: string): string | undefined {
  let dir = path.resolve(startDir);
  for (;;) {
    const candidate = path.join(dir, "host.json");
    if (fs.existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Reads host.json (found from the app's entry directory upwards) into a HostConfig. */
export function loadHostConfig(appMain: string): HostConfig {
  const file = findHostJson(path.dirname(path.resolve(appMain)));
  const raw = file ? (JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>) : {};
  return parseHostConfig(raw, file ? path.dirname(file) : path.dirname(path.resolve(appMain)));
}

/** Applies the host's defaults to a host.json object. */
export function parseHostConfig(raw: Record<string, unknown>, rootDir: string): HostConfig {
  const ext = (raw.extensions ?? {}) as Record<string, Record<string, unknown> | undefined>;
  const http = ext.http ?? {};
  const q = ext.queues ?? {};
  const batchSize = toInt(q.batchSize, 16);
  const prefix = typeof http.routePrefix === "string" ? http.routePrefix : "api";
  return {
    rootDir,
    routePrefix: prefix.replace(/^\/+|\/+$/g, ""),
    queues: {
      maxDequeueCount: toInt(q.maxDequeueCount, 5),
      visibilityTimeoutMs: parseTimeSpanMs(q.visibilityTimeout, 0),
      batchSize,
      newBatchThreshold: toInt(q.newBatchThreshold, Math.floor(batchSize / 2)),
      maxPollingIntervalMs: parseTimeSpanMs(q.maxPollingInterval, 60_000),
      messageEncoding: String(q.messageEncoding ?? "base64").toLowerCase() === "none" ? "none" : "base64",
    },
    hubName: typeof ext.durableTask?.hubName === "string" ? ext.durableTask.hubName : undefined,
    raw,
  };
}

function toInt(v: unknown, fallback: number): number {
  const n = typeof v === "number" ? v : typeof v === "string" ? Number(v) : NaN;
  return Number.isFinite(n) ? Math.trunc(n) : fallback;
}

/**
 * Parses a .NET TimeSpan ("hh:mm:ss", "d.hh:mm:ss", "hh:mm:ss.fff") or a number of milliseconds, as
 * host.json accepts for maxPollingInterval. Anything else gives the fallback.
 */
export function parseTimeSpanMs(v: unknown, fallback: number): number {
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v !== "string") return fallback;
  const m = /^(?:(\d+)\.)?(\d+):(\d{1,2}):(\d{1,2})(?:\.(\d{1,7}))?$/.exec(v.trim());
  if (!m) return fallback;
  const [, d, h, min, s, frac] = m;
  const ms = frac ? Math.round(Number(`0.${frac}`) * 1000) : 0;
  return (((Number(d ?? 0) * 24 + Number(h)) * 60 + Number(min)) * 60 + Number(s)) * 1000 + ms;
}
