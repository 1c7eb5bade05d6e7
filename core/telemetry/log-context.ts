/**
 * The fields every log line carries while a piece of work runs: the operation id and claw name (and
 * the activity or trigger), held in AsyncLocalStorage so that a log call deep in the gateway or the
 * guest client needs no parameter for them. A trigger opens a scope and learns the operation id
 * once it started the saga (`addLogFields`); an activity's scope comes from its input.
 */
import { AsyncLocalStorage } from "node:async_hooks";

export interface LogFields {
  operationId?: string;
  claw?: string;
  /** The activity running, or the trigger ("timer healthSweepTimer"). */
  activity?: string;
  trigger?: string;
}

const scope = new AsyncLocalStorage<LogFields>();

const defined = (f: LogFields): LogFields =>
  Object.fromEntries(Object.entries(f).filter(([, v]) => typeof v === "string" && v)) as LogFields;

/** Runs `fn` with `fields` added to the current ones (an inner scope never changes the outer). */
export function withLogFields<T>(fields: LogFields, fn: () => T): T {
  return scope.run({ ...scope.getStore(), ...defined(fields) }, fn);
}

/** Adds fields to the current scope, if any (e.g. the operation a trigger just started). */
export function addLogFields(fields: LogFields): void {
  const s = scope.getStore();
  if (s) Object.assign(s, defined(fields));
}

/** The fields of the current scope (a copy). */
export function logFields(): LogFields {
  return { ...scope.getStore() };
}
