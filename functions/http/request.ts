/**
 * Reading an HTTP request into command input: a bounded JSON body, the requestId (from the
 * Idempotency-Key header) and the principal. Every refusal says what to fix.
 */
import { randomUUID } from "node:crypto";
import type { HttpRequest } from "@azure/functions";
import { requestIdSchema, type Channel } from "../../core/domain/commands";
import { parseOrThrow } from "../../core/domain/validation";
import { ClawError } from "../../core/errors";
import { auditRefusal, type CommandDeps } from "../../core/commands";

/** Largest request body the API accepts. */
export const MAX_BODY_BYTES = 64 * 1024;

/**
 * Who asked over HTTP. Function keys do not reach the function with their name, so every HTTP
 * caller is "http:function-key" (the dev host's API key is the same kind of secret).
 */
export const HTTP_PRINCIPAL = "http:function-key";

/** Fields a body may not set: the route and headers say them. */
const ENVELOPE_FIELDS = ["kind", "claw", "requestId", "channel", "principal"];

/** The request's JSON body; undefined when there is none. */
export async function readJsonBody(req: HttpRequest, maxBytes = MAX_BODY_BYTES): Promise<unknown> {
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > maxBytes) throw tooLarge(declared, maxBytes);
  const text = await req.text();
  const size = Buffer.byteLength(text, "utf8");
  if (size > maxBytes) throw tooLarge(size, maxBytes);
  if (text.trim() === "") return undefined;
  requireJsonType(req);
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    const detail = e instanceof Error ? e.message.split("\n")[0].slice(0, 200) : "parse error";
    throw new ClawError("BAD_REQUEST", `the body is not valid JSON (${detail}); send a JSON object`);
  }
}

function mediaType(header: string | null): string {
  return (header ?? "").split(";")[0].trim().toLowerCase();
}

/** True for application/json (any parameters) and application/<x>+json. */
export function isJsonType(header: string | null): boolean {
  const type = mediaType(header);
  return type === "application/json" || /^application\/[a-z0-9.-]+\+json$/.test(type);
}

/**
 * A body must say it is JSON. Browsers send text/plain (and form types) cross-site without a
 * preflight, so accepting them would let any page a user visits send commands with a key it
 * holds in ?code=; application/json needs a preflight the API never grants.
 */
export function requireJsonType(req: HttpRequest): void {
  if (isJsonType(req.headers.get("content-type"))) return;
  const type = mediaType(req.headers.get("content-type"));
  throw new ClawError(
    "UNSUPPORTED_MEDIA_TYPE",
    `${type ? `a body of type '${type.slice(0, 60)}'` : "a body without a Content-Type"} is not accepted; send it as JSON with the header Content-Type: application/json`,
  );
}

function tooLarge(size: number, max: number): ClawError {
  return new ClawError("PAYLOAD_TOO_LARGE", `the body has ${size} bytes; at most ${max} are accepted`);
}

/** The body as a JSON object ({} when absent); `what` names it in the message. */
export async function readObjectBody(
  req: HttpRequest,
  what: string,
  required = false,
): Promise<Record<string, unknown>> {
  const body = await readJsonBody(req);
  if (body === undefined && !required) return {};
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    const got =
      body === undefined
        ? "no body"
        : Array.isArray(body)
          ? "an array"
          : `${JSON.stringify(body)}`.slice(0, 40);
    throw new ClawError("BAD_REQUEST", `the body must be a JSON object (${what}); got ${got}`);
  }
  return body as Record<string, unknown>;
}

/** Refuses body fields the route or headers set (a body cannot redirect a command). */
export function refuseEnvelopeFields(body: Record<string, unknown>): void {
  const bad = Object.keys(body).filter((k) => ENVELOPE_FIELDS.includes(k));
  if (bad.length > 0) {
    throw new ClawError(
      "BAD_REQUEST",
      `unknown field${bad.length > 1 ? "s" : ""} ${bad.map((k) => `'${k}'`).join(", ")} in the body: the URL names the claw and the action, the Idempotency-Key header the request id`,
    );
  }
}

/** The request id: the Idempotency-Key header when sent (validated), else a fresh one. */
export function requestIdOf(req: HttpRequest): string {
  const key = req.headers.get("idempotency-key");
  if (key === null) return `http-${randomUUID()}`;
  return parseOrThrow(requestIdSchema, key, "Idempotency-Key header");
}

/** The command envelope of an HTTP request: its request id, channel and principal. */
export function envelopeOf(req: HttpRequest): { requestId: string; channel: Channel; principal: string } {
  return { requestId: requestIdOf(req), channel: "http", principal: HTTP_PRINCIPAL };
}

/**
 * Runs `read` (route parameters, body, envelope of a command); when it refuses the request, the
 * refusal is audited before it is answered, as the handler audits its own refusals.
 */
export async function readCommandParts<T>(
  req: HttpRequest,
  deps: CommandDeps,
  what: { kind: string; claw?: string },
  read: () => Promise<T>,
): Promise<T> {
  try {
    return await read();
  } catch (e) {
    const key = req.headers.get("idempotency-key");
    await auditRefusal(deps, {
      channel: "http",
      principal: HTTP_PRINCIPAL,
      kind: what.kind,
      claw: what.claw && what.claw.length <= 64 ? what.claw : undefined,
      requestId: key !== null && requestIdSchema.safeParse(key).success ? key : undefined,
      error: e,
    });
    throw e;
  }
}

/** An optional boolean query parameter ("true" / "false"). */
export function booleanQuery(req: HttpRequest, name: string): boolean | undefined {
  const v = req.query.get(name);
  if (v === null) return undefined;
  if (v === "true") return true;
  if (v === "false") return false;
  throw new ClawError(
    "BAD_REQUEST",
    `query parameter ${name}: must be 'true' or 'false'; got '${v.slice(0, 40)}'`,
  );
}

/** An optional positive integer query parameter within [1, max]. */
export function limitQuery(req: HttpRequest, name: string, max: number): number | undefined {
  const v = req.query.get(name);
  if (v === null) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new ClawError(
      "BAD_REQUEST",
      `query parameter ${name}: must be a whole number from 1 to ${max}; got '${v.slice(0, 40)}'`,
    );
  }
  return n;
}
