/**
 * The one wrapper every trigger runs in (HTTP routes through route() in http/deps.ts, the queue,
 * the timers, the Telegram and bake webhooks): a span named after the trigger — the root of the
 * trace of whatever work it starts (core/telemetry) — and a log scope, so each line the invocation
 * logs, through its InvocationContext or deeper down, carries the operation id and claw name.
 */
import type { InvocationContext } from "@azure/functions";
import { SpanKind } from "@opentelemetry/api";
import { clawNameProblem } from "../core/domain/names";
import { appRoot, linkTracesToRoot } from "../core/app";
import { logLine, observeClawPowerStates, traceTrigger, type LogLevel } from "../core/telemetry";

type Attributes = Record<string, string | number | boolean>;

const LEVELS: [
  keyof InvocationContext & ("log" | "trace" | "debug" | "info" | "warn" | "error"),
  LogLevel,
][] = [
  ["log", "info"],
  ["trace", "debug"],
  ["debug", "debug"],
  ["info", "info"],
  ["warn", "warn"],
  ["error", "error"],
];

/**
 * Routes this invocation's log methods through logLine: a text message is masked and gets the
 * scope's fields appended; further arguments (an Error) pass as they are. Only this invocation's
 * context object is touched.
 */
export function logWithFields(context: InvocationContext): void {
  linkTracesToRoot();
  startFleetGauge();
  const c = context as unknown as Record<string, (...args: unknown[]) => void>;
  if ((c as { fielded?: boolean }).fielded) return;
  for (const [method, level] of LEVELS) {
    const original = c[method].bind(context);
    c[method] = (...args: unknown[]) => {
      const [first, ...rest] = args;
      if (typeof first !== "string") return original(...args);
      logLine(level, first, (_l, text) => original(text, ...rest));
    };
  }
  Object.defineProperty(context, "fielded", { value: true });
}

/**
 * The claws-by-power-state gauge, registered at the first invocation rather than at load (the
 * exporter starts with it; cold start stays lean).
 */
function startFleetGauge(): void {
  const every = Number(process.env.TELEMETRY_FLEET_GAUGE_MS);
  observeClawPowerStates({
    read: async () => (await appRoot().storage.state.claws.list()).map((c) => c.observed.powerState),
    minIntervalMs: Number.isFinite(every) && every >= 1_000 ? every : undefined,
  });
}

/** `v` when it is a valid claw name (what a caller claims goes into telemetry only then). */
export function clawNamed(v: unknown): string | undefined {
  return typeof v === "string" && !clawNameProblem(v) ? v : undefined;
}

/** The claw a queue message names (the message is JSON text or an object). */
export function clawOfMessage(message: unknown): string | undefined {
  let m = message;
  if (typeof m === "string") {
    try {
      m = JSON.parse(m) as unknown;
    } catch {
      return undefined;
    }
  }
  return typeof m === "object" && m !== null ? clawNamed((m as { claw?: unknown }).claw) : undefined;
}

/** A timer's span attributes: whether the run was past due (the host was down at its time). */
export function timerAttributes(timer: { isPastDue?: boolean }): Attributes {
  return { "openclawps.timer.past_due": timer?.isPastDue === true };
}

export interface TracedOptions<I> {
  /** The span's attributes from the trigger's input (ids, counts; never a message body). */
  attributes?: (input: I, context: InvocationContext) => Attributes;
  /** The claw the invocation concerns, when the trigger knows it. */
  claw?: (input: I, context: InvocationContext) => string | undefined;
}

/** A timer, queue or webhook handler run in its trigger's span and log scope. */
export function traced<I, R>(
  trigger: "timer" | "queue" | "http",
  name: string,
  handler: (input: I, context: InvocationContext) => Promise<R>,
  o: TracedOptions<I> = {},
): (input: I, context: InvocationContext) => Promise<R> {
  const kind =
    trigger === "queue" ? SpanKind.CONSUMER : trigger === "timer" ? SpanKind.INTERNAL : SpanKind.SERVER;
  const wrapped = (input: I, context: InvocationContext): Promise<R> => {
    logWithFields(context);
    return traceTrigger(
      `${trigger === "http" ? "HTTP" : trigger} ${name}`,
      {
        "faas.trigger": trigger === "queue" ? "pubsub" : trigger,
        "faas.invocation_id": context.invocationId,
        ...o.attributes?.(input, context),
      },
      () => handler(input, context),
      kind,
      o.claw?.(input, context),
    );
  };
  Object.defineProperty(wrapped, "name", { value: name });
  return wrapped;
}
