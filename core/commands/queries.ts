/**
 * Read side shared by the surfaces: operations with the saga's live progress, claws and images
 * as the API shows them (no ETags, nothing secret: the tables hold no secrets).
 */
import type { ClawRecord, ImageRecord, OperationRecord, OperationStatus } from "../state";
import { ClawError } from "../errors";
import { clawInstanceId } from "../sagas";
import { isActive, sagaOperationId } from "./saga";
import type { CommandDeps } from "./types";

export type ClawView = Omit<ClawRecord, "etag">;
export type ImageView = Omit<ImageRecord, "etag">;
export type OperationView = Omit<OperationRecord, "etag"> & {
  /** The running saga's custom status (its current step), when it runs for this operation. */
  live?: { runtimeStatus: string; customStatus?: unknown };
};

export const OPERATION_STATUSES: readonly OperationStatus[] = [
  "running",
  "succeeded",
  "failed",
  "compensated",
];

function strip<T extends { etag: string }>(r: T): Omit<T, "etag"> {
  const { etag: _etag, ...rest } = r;
  return rest;
}

export const clawView = (r: ClawRecord): ClawView => strip(r);
export const imageView = (r: ImageRecord): ImageView => strip(r);

/**
 * One operation with its steps; while it runs, the saga's live custom status too. A durable
 * client that cannot answer does not fail the read: the table row is the record.
 */
export async function describeOperation(
  deps: Pick<CommandDeps, "state" | "durable" | "log">,
  id: string,
): Promise<OperationView> {
  const op = await deps.state.operations.require(id);
  const view: OperationView = strip(op);
  if (op.status !== "running") return view;
  try {
    const status = await deps.durable.getStatus(clawInstanceId(op.claw));
    if (status && sagaOperationId(status) === op.id) {
      view.live = { runtimeStatus: status.runtimeStatus };
      if (isActive(status) && status.customStatus !== undefined && status.customStatus !== null) {
        view.live.customStatus = status.customStatus;
      }
    }
  } catch (e) {
    deps.log?.("warn", `reading the live status of operation ${id} failed`, e);
  }
  return view;
}

/** Operations newest first, filtered by claw and status (validated: the filter says what is wrong). */
export async function listOperations(
  deps: Pick<CommandDeps, "state">,
  filter: { claw?: string; status?: string; limit?: number },
): Promise<OperationView[]> {
  if (filter.status !== undefined && !OPERATION_STATUSES.includes(filter.status as OperationStatus)) {
    throw new ClawError(
      "BAD_REQUEST",
      `status: must be one of ${OPERATION_STATUSES.join(", ")}; got '${filter.status.slice(0, 40)}'`,
    );
  }
  const rows = await deps.state.operations.list({
    claw: filter.claw,
    status: filter.status as OperationStatus | undefined,
    limit: filter.limit,
  });
  return rows.map(strip);
}
