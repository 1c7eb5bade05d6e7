import type { Channel, CommandKind } from "../domain/commands";
import type { ClawRecord, StateStore } from "../state";
import type { SagaInput, SagaKind } from "../sagas";
import type { GalleryReader } from "./gallery";
import type { RequestLog } from "./requests";

/** Durable runtime statuses, as the Durable HTTP API reports them. */
export type SagaRuntimeStatus =
  "Running" | "Pending" | "Completed" | "ContinuedAsNew" | "Failed" | "Canceled" | "Terminated" | "Suspended";

/** What the handler needs to know of a saga instance. */
export interface SagaStatus {
  runtimeStatus: SagaRuntimeStatus | string;
  input?: unknown;
  customStatus?: unknown;
}

/**
 * The part of durable-functions' DurableClient the command handler uses. `getStatus` answers
 * undefined for an unknown instance (the real client throws; see `sagaClientFrom`).
 */
export interface SagaClient {
  startNew(name: string, options: { instanceId: string; input: SagaInput }): Promise<string>;
  getStatus(instanceId: string): Promise<SagaStatus | undefined>;
}

/** Where a log line goes; never given secrets. */
export type CommandLog = (level: "info" | "warn" | "error", message: string, err?: unknown) => void;

export interface CommandDeps {
  state: StateStore;
  /** The requestId dedupe records. */
  requests: RequestLog;
  durable: SagaClient;
  now?: () => Date;
  log?: CommandLog;
  /** How long a request waits for a twin of it that is being handled (default PENDING_WAIT_MS). */
  pendingWaitMs?: number;
  /** The command lease: abandoned requests and claims older than this are taken over (default commandLeaseMs()). */
  leaseMs?: number;
  /** The fleet's gallery, read to refuse a claw spec with a version it lacks (none: no check). */
  gallery?: GalleryReader;
  /**
   * Whether a stale claim may be taken over (default true). Needs a `durable` that reports the
   * claw's real saga instance; a caller whose client cannot (fleet sagas) passes false.
   */
  takeOverStaleClaims?: boolean;
}

/** A saga command was accepted: the saga runs (or already ran, for a repeated requestId). */
export interface SagaAccepted {
  accepted: true;
  kind: SagaKind;
  claw: string;
  operationId: string;
  /** Path of the operation under the HTTP API, e.g. /api/v1/operations/<id>. */
  statusPath: string;
  /** True when this requestId was seen before: no second saga was started. */
  duplicate: boolean;
}

/** A synchronous command (createClaw, updateSpec) was applied. */
export interface SyncApplied {
  accepted: true;
  kind: Extract<CommandKind, "createClaw" | "updateSpec">;
  claw: string;
  record: ClawRecord;
  duplicate: boolean;
}

export type CommandResult = SagaAccepted | SyncApplied;

/** Who sent raw input, for auditing input that is too broken to say so itself. */
export interface CommandOrigin {
  channel: Channel;
  principal: string;
}
