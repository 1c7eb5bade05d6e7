/**
 * The one command handler every channel uses (HTTP, queue, Telegram, timers): validate, dedupe by
 * requestId, then either start the claw's saga or apply a synchronous table write; every accepted
 * or refused command is audited.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { commandClaw, type ClawCommand, type SagaCommand } from "../domain/commands";
import { ClawError, isClawError } from "../errors";
import { newOperationId, type AuditInput } from "../state";
import { claimedKind, claimedString, invalidInputSummary, parseCommand } from "./parse";
import type { RequestRecord } from "./requests";
import { accepted, commandLeaseMs, safeReason, startSaga } from "./saga";
import { applySync, isSyncCommand, replaySync } from "./sync";
import type { CommandDeps, CommandOrigin, CommandResult } from "./types";

/**
 * Handles one command from any channel. `input` is validated with the command schema (BAD_REQUEST
 * says what to fix). Saga commands answer `{ accepted, operationId, statusPath }` once the saga is
 * started; createClaw and updateSpec answer with the claw record. The same requestId always maps
 * to the same operation: a repeat starts no second saga and answers `duplicate: true`.
 * Refusals are ClawErrors: CLAW_NOT_FOUND, CLAW_BUSY (details.operationId), CLAW_EXISTS, CONFLICT.
 * `origin` names the channel and principal for auditing input too broken to say so itself.
 */
export async function handleCommand(
  deps: CommandDeps,
  input: unknown,
  origin?: CommandOrigin,
): Promise<CommandResult> {
  let cmd: ClawCommand;
  try {
    cmd = parseCommand(input);
  } catch (e) {
    await audit(deps, {
      channel: origin?.channel ?? "http",
      principal: origin?.principal ?? claimedString(input, "principal", 256) ?? "unknown",
      kind: claimedKind(input),
      claw: claimedString(input, "claw", 64),
      requestId: claimedString(input, "requestId"),
      command: invalidInputSummary(input),
      accepted: false,
      reason: reasonOf(e),
    });
    throw e;
  }
  const entry = {
    channel: cmd.channel,
    principal: cmd.principal,
    kind: cmd.kind,
    claw: commandClaw(cmd),
    requestId: cmd.requestId,
    command: cmd,
  };
  try {
    const result = await dispatch(deps, cmd);
    await audit(deps, {
      ...entry,
      accepted: true,
      operationId: "operationId" in result ? result.operationId : undefined,
      reason: result.duplicate ? "repeated requestId: answered with the earlier result" : undefined,
    });
    return result;
  } catch (e) {
    const operationId = isClawError(e) ? e.details?.operationId : undefined;
    await audit(deps, {
      ...entry,
      accepted: false,
      reason: reasonOf(e),
      operationId: typeof operationId === "string" ? operationId : undefined,
    });
    throw e;
  }
}

/** How long a request waits for a twin being handled at the same moment before it is refused. */
export const PENDING_WAIT_MS = 3_000;
const PENDING_POLL_MS = 100;

async function dispatch(deps: CommandDeps, cmd: ClawCommand): Promise<CommandResult> {
  const now = deps.now ?? (() => new Date());
  const claw = commandClaw(cmd);
  const sync = isSyncCommand(cmd);
  const waitUntil = Date.now() + (deps.pendingWaitMs ?? PENDING_WAIT_MS);
  for (;;) {
    const { created, record } = await deps.requests.claim({
      requestId: cmd.requestId,
      kind: cmd.kind,
      claw,
      operationId: sync ? undefined : newOperationId(now()),
    });
    if (created) return run(deps, cmd, record);
    if (record.kind !== cmd.kind || record.claw !== claw) {
      throw new ClawError(
        "CONFLICT",
        `requestId '${cmd.requestId}' was already used for a ${record.kind} of '${record.claw}'; send a new requestId`,
      );
    }
    if (record.state === "done") {
      return sync
        ? replaySync(deps, cmd, claw)
        : accepted(cmd as SagaCommand, record.operationId ?? "", true);
    }
    if (now().getTime() - Date.parse(record.claimedAt) >= (deps.leaseMs ?? commandLeaseMs())) {
      // Its handler died half-way: finish the job (every step is safe to repeat).
      return run(deps, cmd, await deps.requests.takeOver(record), true);
    }
    // A twin of this request is being handled right now (a double click, a redelivered message):
    // wait a little for its outcome rather than refusing at once.
    if (Date.now() >= waitUntil) {
      throw new ClawError("CONFLICT", `requestId '${cmd.requestId}' is still being handled; retry shortly`, {
        retryable: true,
        details: record.operationId ? { operationId: record.operationId } : {},
      });
    }
    await sleep(PENDING_POLL_MS);
  }
}

function run(
  deps: CommandDeps,
  cmd: ClawCommand,
  owned: RequestRecord,
  takenOver = false,
): Promise<CommandResult> {
  return isSyncCommand(cmd)
    ? applySync(deps, cmd, owned)
    : startSaga(deps, cmd as SagaCommand, owned, { takenOver });
}

/**
 * Audits a command a channel refused before it could hand it on (a body that is not JSON or too
 * large, a malformed Idempotency-Key), so the audit sees every refusal, not only the handler's.
 */
export async function auditRefusal(
  deps: CommandDeps,
  refusal: CommandOrigin & { kind: string; claw?: string; requestId?: string; error: unknown },
): Promise<void> {
  const { error, ...entry } = refusal;
  await audit(deps, {
    ...entry,
    command: { refusedBeforeParsing: true },
    accepted: false,
    reason: reasonOf(error),
  });
}

function reasonOf(e: unknown): string {
  return isClawError(e) ? `${e.code}: ${safeReason(e)}` : "internal error";
}

/** Audit is best effort: a failing audit write is logged, never the reason a command fails. */
async function audit(deps: CommandDeps, entry: AuditInput): Promise<void> {
  try {
    await deps.state.audit.record(entry);
  } catch (e) {
    deps.log?.("error", `writing the audit entry of a ${entry.kind} command failed`, e);
  }
}
