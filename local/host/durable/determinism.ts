/**
 * Replay-mismatch detection: an orchestrator whose replay no longer schedules what its history
 * recorded, or one the deploy removed, fails its instance loudly instead of running on wrongly
 * (docs/versioning.md).
 */
import type { FailureDetails } from "./history";
import { ActionType, type SdkAction } from "./replay";
import type { InstanceRecord } from "./store";

/** Failures that mean a deployment defect rather than a saga outcome: logged at error level. */
export const REPLAY_BROKEN: ReadonlySet<string> = new Set([
  "NonDeterministicOrchestrationError",
  "FunctionNotFound",
]);

const REPLAY_HINT =
  "Orchestrators must make the same calls in the same order on every replay (no Date.now, Math.random or I/O). " +
  "Was the orchestrator changed while this instance was in flight? A breaking change needs a new " +
  "orchestrator name, with the old one kept until its instances drain (docs/versioning.md).";

export function orchestratorMissing(name: string): FailureDetails {
  return {
    ErrorType: "FunctionNotFound",
    ErrorMessage:
      `The orchestrator function '${name}' is not registered in the function app. ` +
      "Was it removed while instances of it were in flight? Keep it until they drain (docs/versioning.md).",
  };
}

/** How one leaf action is written in the instance's leaf log ("type:name:seq"). */
export function leafEntry(a: SdkAction, seq: number): string {
  return `${a.actionType}:${leafName(a)}:${seq}`;
}

function leafName(a: SdkAction): string {
  if (a.actionType === ActionType.CreateTimer) return "timer";
  if (a.actionType === ActionType.WaitForExternalEvent) return a.externalEventName ?? "";
  return a.functionName ?? "";
}

/**
 * The replay must schedule what the history recorded, in order; as DurableTask.Core does, an
 * orchestrator that now finishes without scheduling a recorded step is non-deterministic too.
 * Returns the failure, or undefined when the replay matches.
 */
export function checkDeterminism(
  rec: InstanceRecord,
  actions: SdkAction[],
  finished: boolean,
): FailureDetails | undefined {
  const n = Math.min(rec.leafLog.length, actions.length);
  for (let i = 0; i < n; i++) {
    const [type, name] = rec.leafLog[i].split(":");
    const a = actions[i];
    if (Number(type) !== a.actionType || name !== leafName(a)) {
      return nonDeterministic(
        `Non-deterministic orchestrator '${rec.name}': on replay, step ${i + 1} scheduled ` +
          `${describe(a.actionType, leafName(a))} but the history recorded ${describe(Number(type), name)}.`,
      );
    }
  }
  if (finished && actions.length < rec.leafLog.length) {
    const [type, name] = rec.leafLog[actions.length].split(":");
    return nonDeterministic(
      `Non-deterministic orchestrator '${rec.name}': on replay it finished after ${actions.length} step(s), ` +
        `but the history recorded step ${actions.length + 1}, ${describe(Number(type), name)}.`,
    );
  }
  return undefined;
}

function nonDeterministic(what: string): FailureDetails {
  return { ErrorType: "NonDeterministicOrchestrationError", ErrorMessage: `${what} ${REPLAY_HINT}` };
}

const KINDS: Record<number, string> = {
  0: "activity",
  1: "activity",
  2: "sub-orchestration",
  3: "sub-orchestration",
  4: "continue-as-new",
  5: "timer",
  6: "wait for event",
};

function describe(type: number, name: string): string {
  return `${KINDS[type] ?? `action ${type}`}${name && name !== "timer" ? ` '${name}'` : ""}`;
}
