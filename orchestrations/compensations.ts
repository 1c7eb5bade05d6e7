/**
 * A saga's compensation stack, as in Temporal's saga sample: each step pushes the closure that
 * undoes it *before* it runs (a step can half-succeed), and a failure unwinds the stack newest
 * first. Undo steps are activities that are safe to repeat; the first one that fails stops the
 * unwinding and is reported, never swallowed. Deterministic: closures only schedule durable tasks.
 */
import type * as df from "durable-functions";
import { failureOf, type Failure } from "./failure";

/** An undo step; it may say what it restored. */
export type UndoStep = () => Generator<df.Task, string | void, unknown>;

export interface Unwound {
  /** What each undo step restored, in the order they ran. */
  restored: string[];
  /** The undo step that failed, if one did, and why. */
  failedAt?: string;
  error?: Failure;
}

export class Compensations {
  private readonly stack: Array<{ name: string; run: UndoStep }> = [];

  /** Registers the undo of the step about to run. */
  push(name: string, run: UndoStep): void {
    this.stack.push({ name, run });
  }

  /** The saga passed the point of no return: nothing is undone any more. */
  clear(): void {
    this.stack.length = 0;
  }

  get pending(): string[] {
    return this.stack.map((s) => s.name);
  }

  /** Runs the undo steps newest first; stops at the first that fails. */
  *unwind(): Generator<df.Task, Unwound, unknown> {
    const restored: string[] = [];
    while (this.stack.length) {
      const { name, run } = this.stack.pop()!;
      try {
        const said = yield* run();
        if (said) restored.push(said);
      } catch (e) {
        return { restored, failedAt: name, error: failureOf(e) };
      }
    }
    return { restored };
  }
}
