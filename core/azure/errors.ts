/**
 * Turning what the Azure SDK throws into ClawError. Three shapes reach us: a RestError (an HTTP
 * answer with a status and ARM's error code), a plain Error from a failed long-running operation
 * (core-lro puts the ARM code only in the message: "The long-running operation has failed. <code>.
 * <message>"), and an AbortError when our own deadline cancelled the call.
 */
import { ClawError, isClawError, type ErrorCode } from "../errors";

/** What we could learn about a failed ARM call. */
export interface ArmFailure {
  /** HTTP status, when the failure was an HTTP answer. */
  status?: number;
  /** ARM error code (`ConflictingUserInput`, `OperationPreempted`, ...) or a transport code. */
  code?: string;
  message: string;
  /** The failure came from a long-running operation that ended Failed. */
  lroFailed: boolean;
  /** Retry-After of the answer, in ms. */
  retryAfterMs?: number;
}

const LRO_FAILED = /^The long-running operation has failed(?:\. ([^.\s]+)\. ([\s\S]*))?$/;

/** ARM codes of a failure inside the service: a long-running operation that ends so may be submitted again. */
export const SERVICE_FAILURE_CODES = [
  "InternalExecutionError",
  "InternalServerError",
  "InternalOperationError",
  "ServiceUnavailable",
  "GatewayTimeout",
  "RetryableError",
] as const;

/** ARM codes that describe a passing condition: the same request may succeed later. */
const TRANSIENT_CODES = new Set(
  [
    ...SERVICE_FAILURE_CODES,
    "RetryableErrorDueToAnotherOperation",
    "TooManyRequests",
    "Conflict",
    "OperationPreempted",
    "AttachDiskWhileBeingDetached",
    "NicReservedForAnotherVm",
    "AllocationFailed",
    "ZonalAllocationFailed",
    "REQUEST_SEND_ERROR",
    "ECONNRESET",
    "ECONNREFUSED",
    "ETIMEDOUT",
    "EPIPE",
  ].map((c) => c.toLowerCase()),
);

/** Codes meaning the image version cannot be used (missing, or not replicated to the region). */
const IMAGE_CODES = new Set(["galleryimagenotfound", "imagenotfound", "galleryimageversionnotfound"]);

/** Codes meaning the data disk belongs to another VM. */
const ATTACHED_CODES = new Set(["conflictinguserinput"]);

/** Codes meaning a resource is still used by another (NRP answers them with 400). */
const IN_USE_CODES = new Set([
  "nicinuse",
  "publicipaddresscannotbedeleted",
  "publicipaddressinuse",
  "inuseresource",
]);

interface RestErrorLike {
  name: string;
  message: string;
  code?: string;
  statusCode?: number;
  response?: { status?: number; headers?: { get(name: string): string | undefined } };
}

function isRestError(e: unknown): e is RestErrorLike {
  return e instanceof Error && e.name === "RestError";
}

/** Retry-After of an HTTP answer in ms (retry-after-ms, x-ms-retry-after-ms, Retry-After seconds or date). */
export function retryAfterMs(
  get: (name: string) => string | undefined | null,
  now = Date.now(),
): number | undefined {
  for (const name of ["retry-after-ms", "x-ms-retry-after-ms"]) {
    const v = Number(get(name) ?? NaN);
    if (Number.isFinite(v) && v >= 0) return v;
  }
  const raw = get("retry-after");
  if (raw === undefined || raw === null || raw === "") return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Reads what is known about a failure thrown by an SDK call, or undefined when it is not an ARM failure. */
export function describeFailure(e: unknown): ArmFailure | undefined {
  if (isRestError(e)) {
    const status = e.statusCode ?? e.response?.status;
    const headers = e.response?.headers;
    return {
      status: status && status > 0 ? status : undefined,
      code: e.code,
      message: e.message,
      lroFailed: false,
      retryAfterMs: headers ? retryAfterMs((n) => headers.get(n)) : undefined,
    };
  }
  if (e instanceof Error) {
    const m = LRO_FAILED.exec(e.message);
    if (m) return { code: m[1], message: m[2] ?? e.message, lroFailed: true };
    const sys = (e as { code?: unknown }).code;
    if (typeof sys === "string" && TRANSIENT_CODES.has(sys.toLowerCase())) {
      return { code: sys, message: e.message, lroFailed: false };
    }
  }
  return undefined;
}

/** Whether the same request may succeed if sent again later. */
export function isTransient(f: ArmFailure): boolean {
  if (f.status === 408 || f.status === 429 || (f.status !== undefined && f.status >= 500)) return true;
  if (f.code && TRANSIENT_CODES.has(f.code.toLowerCase())) return true;
  // A transport failure (no HTTP answer at all) is worth another try.
  return f.status === undefined && !f.lroFailed && f.code === undefined;
}

function codeFor(f: ArmFailure): ErrorCode {
  const code = f.code?.toLowerCase() ?? "";
  if (ATTACHED_CODES.has(code)) return "DISK_ATTACHED_ELSEWHERE";
  if (IMAGE_CODES.has(code)) return "IMAGE_NOT_FOUND";
  if (f.status === 429 || code === "toomanyrequests") return "AZURE_THROTTLED";
  if (f.status === 404) return "NOT_FOUND";
  if (f.status === 409 || IN_USE_CODES.has(code)) return "CONFLICT";
  return "AZURE_ERROR";
}

/** Context added to every mapped error, so an operation record can say which call failed. */
export interface CallContext {
  /** Gateway operation, e.g. "createVm". */
  operation: string;
  /** Resource the call was about. */
  resource?: string;
  attempts?: number;
}

/**
 * Maps anything an SDK call threw to ClawError. `retryable` says whether repeating the same
 * gateway call later may succeed; 409 ConflictingUserInput (disk attached to another VM) never is.
 */
export function toClawError(e: unknown, ctx: CallContext): ClawError {
  if (isClawError(e)) return e;
  const where = ctx.resource ? `${ctx.operation} ${ctx.resource}` : ctx.operation;
  if (e instanceof Error && e.name === "AbortError") {
    return new ClawError("AZURE_TIMEOUT", `${where}: cancelled before Azure answered.`, {
      retryable: true,
      details: { ...ctx },
    });
  }
  const f = describeFailure(e);
  if (!f) {
    const message = e instanceof Error ? e.message : String(e);
    return new ClawError("AZURE_ERROR", `${where}: ${message}`, { details: { ...ctx } });
  }
  const code = codeFor(f);
  const retryable = code !== "DISK_ATTACHED_ELSEWHERE" && code !== "IMAGE_NOT_FOUND" && isTransient(f);
  const status = f.status !== undefined ? ` (HTTP ${f.status})` : f.lroFailed ? " (operation failed)" : "";
  const armCode = f.code ? `${f.code}: ` : "";
  return new ClawError(code, `${where}${status}: ${armCode}${f.message}`, {
    retryable,
    details: {
      ...ctx,
      ...(f.status !== undefined ? { status: f.status } : {}),
      ...(f.code ? { armCode: f.code } : {}),
      ...(f.retryAfterMs !== undefined ? { retryAfterMs: f.retryAfterMs } : {}),
      lroFailed: f.lroFailed,
    },
  });
}

/** True for an ARM "not found" answer (404), which deletes treat as success. */
export function isNotFound(e: unknown): boolean {
  if (isClawError(e)) return e.details?.status === 404;
  return describeFailure(e)?.status === 404;
}

/** Runs a delete; "not found" means it is already gone, which is what was asked. */
export async function deleted(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}
