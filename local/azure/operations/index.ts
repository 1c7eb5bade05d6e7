/**
 * Async (long-running) operations, the way ARM runs them: the mutating request answers 201/202
 * with Azure-AsyncOperation (and, for POST/DELETE, a Location "monitor" URL); the operation turns
 * Succeeded or Failed once its duration has elapsed on the clock, whether or not anyone polls.
 * Completion is dispatched by `kind` to the service that owns the resource, so operations survive
 * an emulator restart (the record is persisted, the behaviour is looked up again).
 */
import { randomUUID } from "node:crypto";
import type { Clock } from "../clock";
import { ArmError, isArmError } from "../arm/errors";
import type { ArmRequest, ArmResponse } from "../arm/http";
import type { LatencyModel } from "../arm/latency";
import type { OperationRecord, Store } from "../store";
import { key } from "../arm/ids";

/** How long a finished operation's status stays readable (ARM keeps them for hours too). */
const FINISHED_OPERATION_TTL_MS = 6 * 3600_000;

export interface Completer {
  /** Applies the operation's effect; throwing an ArmError makes the operation Failed with it. */
  complete(op: OperationRecord): void | Promise<void>;
  /** Called when the operation fails (injected fault, completion error, preemption). */
  fail?(op: OperationRecord, error: { code: string; message: string }): void | Promise<void>;
}

/** HTTP status of a failed operation's monitor answer, from its error code when no status is known. */
function failureStatus(code: string): number {
  if (code === "OperationPreempted" || code === "Conflict" || code === "OperationNotAllowed") return 409;
  if (code === "InvalidParameter" || code === "BadRequest") return 400;
  if (code === "NotFound") return 404;
  return 500;
}

export interface BeginSpec {
  kind: string;
  resourceId: string;
  provider: string;
  location: string;
  /** Latency model key, e.g. "vm.create". */
  durationKind: string;
  collection?: string;
  input?: Record<string, unknown>;
  embedOutput?: boolean;
  monitorReturnsResource?: boolean;
}

export class Operations {
  private readonly completers = new Map<string, Completer>();
  private readonly inflight = new Map<string, Promise<void>>();
  private readonly cancelTimers = new Map<string, () => void>();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly latency: LatencyModel,
    private readonly onBackgroundError: (e: unknown) => void = () => undefined,
  ) {}

  register(kind: string, completer: Completer): void {
    this.completers.set(kind, completer);
  }

  /** Starts an operation for `req` and schedules its completion. */
  begin(req: ArmRequest, spec: BeginSpec): OperationRecord {
    const now = this.clock.now();
    this.store.pruneOperations(now - FINISHED_OPERATION_TTL_MS);
    const fault = req.operationFault;
    const op: OperationRecord = {
      name: randomUUID(),
      token: randomUUID(),
      apiVersion: req.query.get("api-version") ?? "",
      provider: spec.provider,
      location: spec.location,
      subscriptionId: req.params.subscriptionId ?? "",
      collection: spec.collection ?? "operations",
      kind: spec.kind,
      resourceId: spec.resourceId,
      startTime: now,
      dueAt:
        fault?.type === "neverComplete"
          ? Number.MAX_SAFE_INTEGER
          : now + this.latency.durationMs(spec.durationKind, spec.resourceId),
      status: "InProgress",
      input: spec.input,
      embedOutput: spec.embedOutput,
      monitorReturnsResource: spec.monitorReturnsResource,
    };
    if (fault?.type === "failOperation") {
      op.injectedFailure = { code: fault.code, message: fault.message ?? `Injected failure ${fault.code}.` };
    }
    this.store.putOperation(op);
    this.schedule(op);
    return op;
  }

  /** Re-arms timers for operations still running in a persisted state (emulator restart). */
  resumeAll(): void {
    for (const op of this.store.allOperations()) if (op.status === "InProgress") this.schedule(op);
  }

  /** The running operation on a resource, if any. */
  running(resourceId: string): OperationRecord | undefined {
    const k = key(resourceId);
    return this.store.allOperations().find((o) => o.status === "InProgress" && key(o.resourceId) === k);
  }

  /** Ends every running operation on a resource as preempted by a newer one (CRP behaviour). */
  async preempt(resourceId: string): Promise<void> {
    const op = this.running(resourceId);
    if (!op) return;
    await this.finish(op, {
      code: "OperationPreempted",
      message: "Operation execution has been preempted by a more recent operation.",
    });
  }

  /** Completes the operation if it is due, waiting for a completion already under way. */
  async settle(op: OperationRecord): Promise<void> {
    const running = this.inflight.get(op.name);
    if (running) return running;
    if (op.status !== "InProgress" || this.clock.now() < op.dueAt) return;
    const p = this.run(op).finally(() => this.inflight.delete(op.name));
    this.inflight.set(op.name, p);
    return p;
  }

  /** Async-operation headers for the accepted response. */
  headers(op: OperationRecord, baseUrl: string, withLocation: boolean): Record<string, string> {
    const h: Record<string, string> = {
      "azure-asyncoperation": this.statusUrl(op, baseUrl, false),
      "azure-asyncnotification": "Enabled",
    };
    if (withLocation) h.location = this.statusUrl(op, baseUrl, true);
    const retry = this.latency.pollRetryAfter(op.dueAt - this.clock.now());
    if (retry !== undefined) h["retry-after"] = String(retry);
    return h;
  }

  statusUrl(op: OperationRecord, baseUrl: string, monitor: boolean): string {
    const q = new URLSearchParams({ p: op.token });
    if (monitor) q.set("monitor", "true");
    if (op.apiVersion) q.set("api-version", op.apiVersion);
    return (
      `${baseUrl}/subscriptions/${op.subscriptionId}/providers/${op.provider}` +
      `/locations/${op.location}/${op.collection}/${op.name}?${q.toString()}`
    );
  }

  /** GET on a status or monitor URL. */
  async handleStatus(req: ArmRequest): Promise<ArmResponse> {
    const op = this.store.getOperation(req.params.operationName);
    if (!op || op.subscriptionId.toLowerCase() !== (req.params.subscriptionId ?? "").toLowerCase()) {
      throw new ArmError(404, "NotFound", "The entity was not found in this Azure location.");
    }
    await this.settle(op);
    const retry = this.latency.pollRetryAfter(op.dueAt - this.clock.now());
    const wait: Record<string, string> = retry !== undefined ? { "retry-after": String(retry) } : {};
    if (req.query.get("monitor") === "true") {
      if (op.status === "InProgress") {
        return { status: 202, headers: { ...wait, location: this.statusUrl(op, req.baseUrl, true) } };
      }
      // A failed operation's monitor answers as the synchronous call would have: an error status.
      if (op.status !== "Succeeded") {
        const error = op.error ?? { code: "InternalExecutionError", message: "The operation failed." };
        return { status: op.errorStatus ?? failureStatus(error.code), body: { error } };
      }
      if (op.output !== undefined) return { status: 200, body: op.output };
      const resource = op.monitorReturnsResource ? this.store.get(op.resourceId) : undefined;
      return { status: 200, body: resource?.body };
    }
    const body: Record<string, unknown> = {
      startTime: new Date(op.startTime).toISOString(),
      status: op.status,
      name: op.name,
    };
    if (op.endTime !== undefined) body.endTime = new Date(op.endTime).toISOString();
    if (op.error) body.error = op.error;
    if (op.status === "Succeeded" && op.embedOutput) {
      const output = op.output ?? this.store.get(op.resourceId)?.body;
      if (output !== undefined) body.properties = { output };
    }
    return { status: 200, headers: op.status === "InProgress" ? wait : {}, body };
  }

  private schedule(op: OperationRecord): void {
    if (op.dueAt >= Number.MAX_SAFE_INTEGER) return;
    const cancel = this.clock.setTimer(op.dueAt - this.clock.now(), () => {
      this.cancelTimers.delete(op.name);
      this.settle(op).catch(this.onBackgroundError);
    });
    this.cancelTimers.set(op.name, cancel);
  }

  private async run(op: OperationRecord): Promise<void> {
    if (op.injectedFailure) return this.finish(op, op.injectedFailure);
    const completer = this.completers.get(op.kind);
    try {
      if (!completer) throw new Error(`no completer for operation kind ${op.kind}`);
      await completer.complete(op);
      if (op.status !== "InProgress") return; // preempted while completing
      op.status = "Succeeded";
      op.endTime = this.clock.now();
      this.store.save();
    } catch (e) {
      if (isArmError(e)) op.errorStatus = e.status;
      const error = isArmError(e)
        ? { code: e.code, message: e.message }
        : {
            code: "InternalExecutionError",
            message: "An internal execution error occurred. Please retry later.",
          };
      if (!isArmError(e)) this.onBackgroundError(e);
      await this.finish(op, error);
    }
  }

  private async finish(op: OperationRecord, error: { code: string; message: string }): Promise<void> {
    if (op.status !== "InProgress") return;
    op.status = "Failed";
    op.error = error;
    op.endTime = this.clock.now();
    this.cancelTimers.get(op.name)?.();
    this.store.save();
    await this.completers.get(op.kind)?.fail?.(op, error);
  }
}
