/**
 * Starting a saga for a command, with the claw's single operation slot taken first and nothing
 * left half-written when a step fails: a refused command leaves no trace but its audit row, and a
 * saga that could not start leaves a failed operation and a free slot.
 *
 * A handler can also die between its steps (claim → record → start). Then the claim is a lease:
 * once it is older than the command lease and no saga instance runs for the claw, the next command
 * takes the claw over and fails the abandoned operation; the abandoned request itself, sent again
 * (a redelivered queue message or Telegram update, a retried HTTP call), takes over its own row
 * after the same lease and either starts its saga or answers with the operation it already has.
 */
import type { SagaCommand } from "../domain/commands";
import { ClawError, isClawError } from "../errors";
import { newOperationId, type ClawRecord } from "../state";
import { clawInstanceId, SAGA_NAMES, type SagaInput } from "../sagas";
import type { RequestRecord } from "./requests";
import type { CommandDeps, SagaAccepted, SagaStatus } from "./types";

/** Where an operation is served by the HTTP API (the statusPath of an accepted command). */
export const OPERATIONS_PATH = "/api/v1/operations";

/**
 * How long a handler may take between its steps before its work counts as abandoned: a pending
 * request row, or a claw claimed without a running saga, older than this is taken over.
 * COMMAND_LEASE_SECONDS changes it (tests on the twin shorten it).
 */
export const PENDING_TAKEOVER_MS = 60_000;

/** The command lease in ms: COMMAND_LEASE_SECONDS when set to a positive number, else 60 s. */
export function commandLeaseMs(env: Record<string, string | undefined> = process.env): number {
  const s = Number(env.COMMAND_LEASE_SECONDS);
  return Number.isFinite(s) && s > 0 ? s * 1000 : PENDING_TAKEOVER_MS;
}

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
      return {
        toVersion: cmd.toVersion,
        ...downgrade(cmd.allowDowngrade),
        ...(cmd.force ? { force: true } : {}),
      };
    case "park":
      return cmd.force ? { force: true } : {};
    case "wake":
      return cmd.awakeHours === undefined ? {} : { awakeHours: cmd.awakeHours };
    case "destroy":
      return { deleteDisk: cmd.deleteDisk === true };
    case "deploy":
      return { imageVersion: claw.spec.imageVersion, ...downgrade(cmd.allowDowngrade) };
    default:
      return {};
  }
}

const downgrade = (allow: boolean | undefined) => (allow === undefined ? {} : { allowDowngrade: allow });

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
  o: { takenOver?: boolean } = {},
): Promise<SagaAccepted> {
  const { state, durable, requests } = deps;
  const operationId = request.operationId ?? newOperationId((deps.now ?? (() => new Date()))());
  const instanceId = clawInstanceId(cmd.claw);
  if (o.takenOver) {
    // A request whose handler died: when its operation already ended, that is the answer (even
    // while another saga holds the claw now).
    const prior = await state.operations.get(operationId);
    if (prior && prior.status !== "running") {
      await requests.complete(request);
      return accepted(cmd, operationId, true);
    }
  }
  let claw: ClawRecord;
  try {
    claw = await claimClaw(deps, cmd.claw, operationId, instanceId);
  } catch (e) {
    await requests.release(request);
    throw e;
  }
  await faultPoint(deps, "saga-start:claimed");

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
    const op = await state.operations.start({
      id: operationId,
      kind: cmd.kind,
      claw: cmd.claw,
      channel: cmd.channel,
      principal: cmd.principal,
      requestId: cmd.requestId,
      details: { ...input.params },
    });
    recorded = true;
    if (op.status !== "running" && !resumed) {
      // This request's operation already ended (its saga ran before the handler died, or the
      // claim was taken over as abandoned): answer with it and start nothing twice.
      await state.claws.releaseOperation(cmd.claw, operationId);
      await requests.complete(request);
      return accepted(cmd, operationId, true);
    }
    await faultPoint(deps, "saga-start:recorded");
    if (!resumed) {
      // A handler slower than the lease may have lost the claw to the next command meanwhile.
      const now = await state.claws.require(cmd.claw);
      if (now.runningOperationId !== operationId) {
        throw new ClawError("CONFLICT", `the claim of '${cmd.claw}' was taken over while starting`, {
          retryable: true,
        });
      }
      await durable.startNew(SAGA_NAMES[cmd.kind], { instanceId, input });
    }
  } catch (e) {
    if (e instanceof ClawError && e.code === "CLAW_BUSY") throw e;
    await undoStart(deps, cmd, request, operationId, recorded, e);
    throw new ClawError("INTERNAL", `the ${cmd.kind} of '${cmd.claw}' could not be started; try again`, {
      retryable: true,
      details: { operationId: recorded ? operationId : undefined, cause: safeReason(e) },
    });
  }
  await faultPoint(deps, "saga-start:started");
  await requests.complete(request);
  return accepted(cmd, operationId, false);
}

/**
 * Claims the claw for `operationId`. A claim held by another operation is taken over when it is
 * older than the command lease and no saga instance runs for the claw (its handler died before the
 * saga started, or the saga ended without freeing the claw); the abandoned operation is failed.
 */
async function claimClaw(
  deps: CommandDeps,
  name: string,
  operationId: string,
  instanceId: string,
): Promise<ClawRecord> {
  const { state } = deps;
  try {
    return await state.claws.claimOperation(name, operationId);
  } catch (e) {
    if (!isClawError(e) || e.code !== "CLAW_BUSY") throw e;
    const current = await state.claws.require(name);
    const holder = current.runningOperationId;
    if (!holder) return state.claws.claimOperation(name, operationId);
    const nowMs = (deps.now ?? (() => new Date()))().getTime();
    if (deps.takeOverStaleClaims === false || !claimMayBeStale(current, nowMs, deps.leaseMs)) throw e;
    if (isActive(await deps.durable.getStatus(instanceId))) throw e;
    const taken = await state.claws.claimOperation(name, operationId, { replacing: holder });
    deps.log?.("warn", `claw '${name}' was held by operation ${holder} with no saga running; taken over`);
    await failAbandoned(deps, holder, `operation ${operationId} took the claw over`);
    return taken;
  }
}

/**
 * The reconciler's side of the claim lease: frees every claw whose claim is past the lease with
 * no saga instance running for it, and fails its abandoned operation, so a claw nobody sends a
 * command to (a parked claw its schedule should wake) is not skipped as busy for good. Answers the
 * claws freed. Safe to run any time: a claim renewed or taken meanwhile is left alone.
 */
export async function freeAbandonedClaims(deps: CommandDeps): Promise<string[]> {
  const nowMs = (deps.now ?? (() => new Date()))().getTime();
  const freed: string[] = [];
  for (const claw of await deps.state.claws.list()) {
    const holder = claw.runningOperationId;
    if (!holder || !claimMayBeStale(claw, nowMs, deps.leaseMs)) continue;
    if (isActive(await deps.durable.getStatus(clawInstanceId(claw.name)))) continue;
    const after = await deps.state.claws.update(claw.name, (c) => {
      // Only the claim that was found stale, and only if nobody renewed it since.
      if (c.runningOperationId !== holder || c.runningSince !== claw.runningSince) return undefined;
      const { runningOperationId: _h, runningSince: _s, ...rest } = c;
      return rest;
    });
    if (after.runningOperationId) continue;
    freed.push(claw.name);
    deps.log?.("warn", `claw '${claw.name}' was held by operation ${holder} with no saga running; freed`);
    await failAbandoned(deps, holder, "the claw was freed by the reconciler");
  }
  return freed;
}

/** Marks an operation whose saga never ran (or died) as failed ABANDONED, if still running. */
async function failAbandoned(deps: CommandDeps, id: string, what: string): Promise<void> {
  const op = await deps.state.operations.get(id).catch(() => undefined);
  if (op?.status !== "running") return;
  await deps.state.operations
    .finish(id, {
      status: "failed",
      error: {
        code: "ABANDONED",
        message: `no saga ran for this operation (the control plane stopped while starting it); ${what}`,
      },
    })
    .catch((err: unknown) => deps.log?.("error", `failing abandoned operation ${id} failed`, err));
}

/**
 * True when the claw's claim is older than the command lease, so it may have been abandoned (only
 * the saga instance's status can tell). A claim written before claims had a time counts as old.
 */
export function claimMayBeStale(
  claw: Pick<ClawRecord, "runningOperationId" | "runningSince">,
  nowMs: number,
  leaseMs?: number,
): boolean {
  if (!claw.runningOperationId) return false;
  const age = nowMs - Date.parse(claw.runningSince ?? "");
  return !(age < (leaseMs ?? commandLeaseMs()));
}

/**
 * Named points of a saga start where the twin's crash tests stop a host: with TWIN_FAULT_POINT set
 * to the point's name the handler logs it and never goes on, so the test can kill the process
 * there. Unset (always on Azure) it costs nothing.
 */
async function faultPoint(deps: CommandDeps, name: string): Promise<void> {
  if (process.env.TWIN_FAULT_POINT !== name) return;
  deps.log?.("warn", `fault point ${name} reached; holding`);
  console.log(`fault point ${name} reached`);
  await new Promise<never>(() => undefined);
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
