/**
 * ARM's error envelope: every resource provider answers failures with
 * `{"error":{"code","message","target"?,"details"?}}`, which the SDKs turn into RestError.code.
 */
export interface ArmErrorBody {
  code: string;
  message: string;
  target?: string;
  details?: ArmErrorBody[];
}

export class ArmError extends Error {
  readonly status: number;
  readonly code: string;
  readonly target?: string;
  readonly details?: ArmErrorBody[];
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    code: string,
    message: string,
    opts: { target?: string; details?: ArmErrorBody[]; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = "ArmError";
    this.status = status;
    this.code = code;
    this.target = opts.target;
    this.details = opts.details;
    this.headers = opts.headers ?? {};
  }

  /** The body as ARM sends it. */
  toBody(): { error: ArmErrorBody } {
    const error: ArmErrorBody = { code: this.code, message: this.message };
    if (this.target !== undefined) error.target = this.target;
    if (this.details !== undefined) error.details = this.details;
    return { error };
  }
}

/** ARM's 404 for a resource that does not exist (sent by the ARM front door, not the RP). */
export function resourceNotFound(type: string, name: string, resourceGroup: string): ArmError {
  return new ArmError(
    404,
    "ResourceNotFound",
    `The Resource '${type}/${name}' under resource group '${resourceGroup}' was not found. ` +
      "For more details please go to https://aka.ms/ARMResourceNotFoundFix",
    { headers: { "x-ms-failure-cause": "gateway" } },
  );
}

export function resourceGroupNotFound(resourceGroup: string): ArmError {
  return new ArmError(404, "ResourceGroupNotFound", `Resource group '${resourceGroup}' could not be found.`, {
    headers: { "x-ms-failure-cause": "gateway" },
  });
}

export function invalidParameter(message: string, target?: string): ArmError {
  return new ArmError(400, "InvalidParameter", message, { target });
}

export function badRequest(code: string, message: string, target?: string): ArmError {
  return new ArmError(400, code, message, { target });
}

export function conflict(code: string, message: string, target?: string): ArmError {
  return new ArmError(409, code, message, { target });
}

/** A concurrent write on the same resource, as CRP and NRP report it. */
export function concurrentRequest(): ArmError {
  return conflict("Conflict", "The request failed due to conflict with a concurrent request.");
}

export function isArmError(e: unknown): e is ArmError {
  return e instanceof ArmError;
}
