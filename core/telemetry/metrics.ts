/**
 * The control plane's metrics (OpenTelemetry), recorded where the spans are: activity (step)
 * durations, sagas started, operations ended and their duration by kind and outcome (recorded
 * where every operation ends, core/state/operations.ts), ARM requests and 429s by read/write
 * bucket and resource type, verify failures by check, and claws by power state (a gauge read from
 * the Claws table at export time, fleet-gauge.ts). Exported with the traces (setup.ts).
 */
import { metrics, type Counter, type Histogram } from "@opentelemetry/api";
import { startTelemetry } from "./setup";

interface Instruments {
  stepMs: Histogram;
  sagasStarted: Counter;
  operationsEnded: Counter;
  operationMs: Histogram;
  armRequests: Counter;
  armThrottled: Counter;
  verifyFailures: Counter;
}

let made: Instruments | undefined;

function instruments(): Instruments {
  if (made) return made;
  // The metrics API has no proxy provider: instruments made before the exporter starts stay no-ops.
  startTelemetry();
  const m = metrics.getMeter("openclawps");
  made = {
    stepMs: m.createHistogram("openclawps.step.duration", {
      unit: "ms",
      description: "Saga activity (step) durations",
    }),
    sagasStarted: m.createCounter("openclawps.saga.started", { description: "Sagas started, by saga" }),
    operationsEnded: m.createCounter("openclawps.operation.ended", {
      description: "Operations ended, by kind and outcome",
    }),
    operationMs: m.createHistogram("openclawps.operation.duration", {
      unit: "ms",
      description: "Operation (saga) durations from start to end, by kind and outcome",
    }),
    armRequests: m.createCounter("openclawps.arm.requests", { description: "ARM requests (every attempt)" }),
    armThrottled: m.createCounter("openclawps.arm.throttled", { description: "ARM answers 429" }),
    verifyFailures: m.createCounter("openclawps.verify.failures", { description: "Failing verify checks" }),
  };
  return made;
}

/** ARM's subscription buckets are per reads and writes (deletes count with writes here). */
const bucketOf = (method: string) => (method === "GET" || method === "HEAD" ? "read" : "write");

export const record = {
  step(activity: string, ms: number, ok: boolean): void {
    instruments().stepMs.record(ms, { activity, ok });
  },
  sagaStarted(saga: string): void {
    instruments().sagasStarted.add(1, { saga });
  },
  operationEnded(kind: string, outcome: string, ms?: number): void {
    instruments().operationsEnded.add(1, { kind, outcome });
    if (ms !== undefined) instruments().operationMs.record(ms, { kind, outcome });
  },
  armRequest(method: string, resourceType: string, status: number): void {
    instruments().armRequests.add(1, { bucket: bucketOf(method), resource_type: resourceType, status });
    if (status === 429)
      instruments().armThrottled.add(1, { bucket: bucketOf(method), resource_type: resourceType });
  },
  verifyFailures(checks: string[]): void {
    for (const check of checks) instruments().verifyFailures.add(1, { check });
  },
};
