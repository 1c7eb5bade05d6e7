/**
 * The one error type of the control plane. Codes are typed; the HTTP status or chat message
 * is chosen only at the edge (see functions/http/respond.ts).
 */
export type ErrorCode =
  | "BAD_REQUEST"
  | "UNAUTHORIZED"
  | "NOT_FOUND"
  | "CLAW_NOT_FOUND"
  | "CLAW_EXISTS"
  | "CLAW_BUSY"
  | "CONFLICT"
  | "IMAGE_NOT_FOUND"
  | "IMAGE_NOT_READY"
  | "ALREADY_ON_VERSION"
  | "DOWNGRADE_REFUSED"
  | "DISK_ATTACHED_ELSEWHERE"
  | "AZURE_ERROR"
  | "AZURE_THROTTLED"
  | "AZURE_TIMEOUT"
  | "SSH_ERROR"
  | "VERIFY_FAILED"
  | "PAYLOAD_TOO_LARGE"
  | "UNSUPPORTED_MEDIA_TYPE"
  | "INTERNAL";

const STATUS: Record<ErrorCode, number> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  NOT_FOUND: 404,
  CLAW_NOT_FOUND: 404,
  CLAW_EXISTS: 409,
  CLAW_BUSY: 409,
  CONFLICT: 409,
  IMAGE_NOT_FOUND: 400,
  IMAGE_NOT_READY: 400,
  ALREADY_ON_VERSION: 409,
  DOWNGRADE_REFUSED: 409,
  DISK_ATTACHED_ELSEWHERE: 409,
  AZURE_ERROR: 502,
  AZURE_THROTTLED: 503,
  AZURE_TIMEOUT: 504,
  SSH_ERROR: 502,
  VERIFY_FAILED: 502,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  INTERNAL: 500,
};

export class ClawError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly details?: Record<string, unknown>;

  constructor(
    code: ErrorCode,
    message: string,
    opts: { retryable?: boolean; details?: Record<string, unknown> } = {},
  ) {
    super(message);
    this.name = "ClawError";
    this.code = code;
    this.retryable = opts.retryable ?? false;
    this.details = opts.details;
  }

  get httpStatus(): number {
    return STATUS[this.code];
  }
}

export function isClawError(e: unknown): e is ClawError {
  return e instanceof ClawError;
}
