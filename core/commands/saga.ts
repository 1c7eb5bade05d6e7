/**
 * Starting a saga for a command, with the claw's single operation slot taken first and nothing
 * left half-written when a step fails: a refused command leaves no trace but its audit row, and a
 * saga that could not start leaves a failed operation and a free slot.
 */
import type { SagaCommand } from "../domain/commands";
import { ClawError } from "../errors";
import { newOperationId, type ClawRecord } from "../state";
import { clawInstanceId, SAGA_NAMES, type SagaInput } from "../../orchestrations/contracts";
import type { RequestRecord } from "./requests";
import type { CommandDeps, SagaAccepted, SagaStatus } from "./types";

/** Where an operation is served by the HTTP API (the statusPath of an accepted command). */
export const OPERATIONS_PATH = "/api/v1/operations";

/** A pending request row younger than this belongs to a handler still at work on it. */
export const PENDING_TAKEOVER_MS = 60_000;

const ACTIVE = new Set(["Running", "Pending", "ContinuedAsNew", "Suspended"]);

/** True when the saga instance is still running (or about to). */
export function isActive(status: SagaStatus | undefined): boolean {
  return status !== undefined && ACTIVE.has(status.runtimeStatus);
}

/** The operation id a saga instance runs for, from its input. */
export function sagaOperationId(status: SagaStatus | undefined): string | undefined {
  const input = status?.input as Partial<SagaInput> | undefined;
  return typeof input?.operationId === "string" ? input.operationId : undefined;
}

export function sagaParams(cmd: SagaCommand, claw: ClawRecord): SagaInput["params"] {
  switch (cmd.kind) {
    case "upgrade":
      return { toVersion: cmd.toVersion, ...(cmd.force ? { force: true } : {}) };
    case "park":
      return cmd.force ? { force: true } : {};
    case "wake":
      return cmd.awakeHours === undefined ? {} : { awakeHours: cmd.awakeHours };
    case "destroy":
      return { deleteDisk: cmd.deleteDisk === true };
    case "deploy":
      return { imageVersion: claw.spec.imageVersion };
    default:
      return {};
  }
}

export function accepted(cmd: SagaCommand, operationId: string, duplicate: boolean): SagaAccepted {
  return {
    accepted: true,
    kind: cmd.kind,
    claw: cmd.claw,
    operationId,
    statusPath: `${OPERATIONS_PATH}/${encodeURIComponent(operationId)}`,
    duplicate,
  };
}

/** Redacts what a durable client error may carry (URLs with keys) before it is stored. */
export function safeReason(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text
    .split("\n")[0]
    .replace(/https?:\/\/\S+/g, "<url>")
    .slice(0, 300);
}

/**
 * Takes the slot, records the operation and starts the saga for a request this handler owns.
 * A request resumed after a crash reuses its operation id, so every step is safe to repeat.
 */
export async function startSaga(
  deps: CommandDeps,
  cmd: SagaCommand,
  request: RequestRecord,
): Promise<SagaAccepted> {
  const { state, durable, requests } = deps;
  const operationId = request.operationId ?? newOperationId((deps.now ?? (() => new Date()))());
  const instanceId = clawInstanceId(cmd.claw);
  let claw: ClawRecord;
  try {
    claw = await state.claws.require(cmd.claw);
    await state.claws.claimOperation(cmd.claw, operationId);
  } catch (e) {
    await requests.release(request);
    throw e;
  }

  let resumed = false;
  let recorded = false;
  try {
    // The slot is ours, but the previous saga may still be returning after it released the slot.
    const status = await durable.getStatus(instanceId);
    if (isActive(status)) {
      const running = sagaOperationId(status);
      if (running === operationId) resumed = true;
      else {
        await state.claws.releaseOperation(cmd.claw, operationId);
        await requests.release(request);
        throw new ClawError(
          "CLAW_BUSY",
          `claw '${cmd.claw}' is finishing operation ${running ?? "(unknown)"}; retry shortly`,
          {
            retryable: true,
            details: running ? { operationId: running } : {},
          },
        );
      }
    }
    const input: SagaInput = {
      operationId,
      claw: cmd.claw,
      requestId: cmd.requestId,
      channel: cmd.channel,
      principal: cmd.principal,
      params: sagaParams(cmd, claw),
    };
    await state.operations.start({
      id: operationId,
      kind: cmd.kind,
      claw: cmd.claw,
      channel: cmd.channel,
      principal: cmd.principal,
      requestId: cmd.requestId,
      details: { ...input.params },
    });
    recorded = true;
    if (!resumed) await durable.startNew(SAGA_NAMES[cmd.kind], { instanceId, input });
  } catch (e) {
    if (e instanceof ClawError && e.code === "CLAW_BUSY") throw e;
    await undoStart(deps, cmd, request, operationId, recorded, e);
    throw new ClawError("INTERNAL", `the ${cmd.kind} of '${cmd.claw}' could not be started; try again`, {
      retryable: true,
      details: { operationId: recorded ? operationId : undefined, cause: safeReason(e) },
    });
  }
  await requests.complete(request);
  return accepted(cmd, operationId, false);
}

/** Frees the slot, fails the operation and forgets the request; a failing undo is logged. */
async function undoStart(
  deps: CommandDeps,
  cmd: SagaCommand,
  request: RequestRecord,
  operationId: string,
  recorded: boolean,
  cause: unknown,
): Promise<void> {
  deps.log?.("error", `starting the ${cmd.kind} saga of '${cmd.claw}' failed`, cause);
  const steps: Promise<unknown>[] = [
    deps.state.claws.releaseOperation(cmd.claw, operationId),
    deps.requests.release(request),
  ];
  if (recorded) {
    steps.push(
      deps.state.operations.finish(operationId, {
        status: "failed",
        error: { code: "START_FAILED", message: `the saga could not be started: ${safeReason(cause)}` },
      }),
    );
  }
  for (const r of await Promise.allSettled(steps)) {
    if (r.status === "rejected") deps.log?.("error", `undoing the start of ${operationId} failed`, r.reason);
  }
}
