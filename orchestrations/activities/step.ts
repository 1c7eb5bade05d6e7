/**
 * Every saga activity records itself as a step of its operation (start, end, ok, detail), so the
 * operation record shows what ran and for how long without extra activity calls per step.
 */
import type { ActivityDeps } from "./ports";
import { ClawError } from "../../core/errors";

export interface StepInput {
  /** Operation id the step belongs to. */
  op: string;
  claw: string;
}

/** Runs `fn` as step `name` of operation `input.op`; errors are recorded, then rethrown. */
export async function asStep<T>(
  deps: ActivityDeps,
  input: StepInput,
  name: string,
  fn: () => Promise<{ result: T; detail?: string }>,
): Promise<T> {
  await deps.state.operations.startStep(input.op, name);
  try {
    const { result, detail } = await fn();
    await deps.state.operations.endStep(input.op, name, { ok: true, detail });
    return result;
  } catch (e) {
    await deps.state.operations
      .endStep(input.op, name, { ok: false, detail: errorText(e) })
      .catch(() => undefined);
    throw e;
  }
}

/** A message fit for an operation record: the code when there is one, never a stack. */
export function errorText(e: unknown): string {
  if (e instanceof ClawError) return `${e.code}: ${e.message}`;
  if (e instanceof Error) return e.message.split("\n")[0];
  return String(e);
}
