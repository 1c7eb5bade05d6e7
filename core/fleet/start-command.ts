/**
 * Starting a claw saga from inside a fleet saga. The command goes through the one command handler
 * (validation, requestId dedupe, slot claim, Operations row, audit) with a saga client that only
 * captures the saga input: the fleet saga then runs that saga itself as a sub-orchestration under
 * the claw's singleton instance id, so it can wait for the outcome and bound the concurrency.
 */
import { handleCommand } from "../commands";
import type { SagaClient } from "../commands";
import type { SagaCommand } from "../domain/commands";
import { isClawError } from "../errors";
import type { SagaInput } from "../sagas";
import type { FleetDeps } from "./deps";
import { traceSagaStart } from "../telemetry";

export type StartClawCommandInput = Pick<SagaCommand, "requestId" | "channel" | "principal"> &
  (
    | { kind: "park" | "wake" | "verify" | "refresh"; claw: string }
    | { kind: "upgrade"; claw: string; toVersion: string }
  );

export type StartClawCommandResult =
  | { started: true; sagaName: string; instanceId: string; input: SagaInput; operationId: string }
  | { started: false; code: string; reason: string; operationId?: string };

/** Runs the command through handleCommand; answers the captured saga start, or why it was refused. */
export async function startClawCommand(
  deps: Pick<FleetDeps, "state" | "requests" | "now" | "log">,
  cmd: StartClawCommandInput,
): Promise<StartClawCommandResult> {
  let captured: { name: string; instanceId: string; input: SagaInput } | undefined;
  const capture: SagaClient = {
    // The span of the claw saga the fleet saga is about to run, under this activity's: the claw
    // saga's activities (by its operation id) join the fleet run's trace.
    startNew: (name, options) =>
      traceSagaStart(name, options.input.operationId, { "openclawps.claw": options.input.claw }, async () => {
        captured = { name, instanceId: options.instanceId, input: options.input };
        return options.instanceId;
      }),
    // The fleet saga starts the claw saga itself and retries while a previous one is finishing.
    getStatus: async () => undefined,
  };
  try {
    const result = await handleCommand(
      {
        state: deps.state,
        requests: deps.requests,
        durable: capture,
        now: deps.now,
        log: (l, m) => deps.log(l, m),
        // The capturing client cannot tell whether the claw's saga runs.
        takeOverStaleClaims: false,
      },
      cmd,
    );
    if (!("operationId" in result)) return { started: false, code: "INTERNAL", reason: "not a saga command" };
    if (result.duplicate || !captured) {
      return {
        started: false,
        code: "DUPLICATE",
        reason: `already started by an earlier run (request ${cmd.requestId})`,
        operationId: result.operationId,
      };
    }
    return {
      started: true,
      sagaName: captured.name,
      instanceId: captured.instanceId,
      input: captured.input,
      operationId: result.operationId,
    };
  } catch (e) {
    if (!isClawError(e) || e.retryable) throw e;
    const op = e.details?.operationId;
    return {
      started: false,
      code: e.code,
      reason: e.message,
      ...(typeof op === "string" ? { operationId: op } : {}),
    };
  }
}
