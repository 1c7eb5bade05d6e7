import { clawCommandSchema, COMMAND_KINDS, type ClawCommand, type CommandKind } from "../domain/commands";
import { clawSpecPatchSchema, clawSpecSchema } from "../domain/spec";
import { parseOrThrow } from "../domain/validation";
import { ClawError } from "../errors";

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Validates any channel's input as a command; a refusal is ClawError BAD_REQUEST whose message
 * says what to fix. A bad spec or patch is reported against the spec's own fields ("invalid claw
 * spec: vmSize: ...") rather than as a path inside the command envelope.
 */
export function parseCommand(input: unknown): ClawCommand {
  if (!isObject(input)) {
    throw new ClawError("BAD_REQUEST", "a command must be a JSON object with a 'kind' field");
  }
  if (input.kind === "createClaw" && input.spec !== undefined) {
    parseOrThrow(clawSpecSchema, input.spec, "claw spec");
  }
  if (input.kind === "updateSpec" && input.patch !== undefined) {
    parseOrThrow(clawSpecPatchSchema, input.patch, "spec patch");
  }
  return parseOrThrow(clawCommandSchema, input, "command");
}

/** The kind an invalid input claimed, when it is a known one ("invalid" otherwise). */
export function claimedKind(input: unknown): CommandKind | "invalid" {
  const kind = isObject(input) ? input.kind : undefined;
  return COMMAND_KINDS.includes(kind as CommandKind) ? (kind as CommandKind) : "invalid";
}

/** A string field of raw input when it is a short plain string (for auditing refusals). */
export function claimedString(input: unknown, field: string, max = 128): string | undefined {
  const v = isObject(input) ? input[field] : undefined;
  return typeof v === "string" && v.length > 0 && v.length <= max ? v : undefined;
}

/**
 * What the audit keeps of input that failed validation: its field names and claimed kind, never
 * the values, since refused input can hold anything (a token pasted into the wrong field).
 */
export function invalidInputSummary(input: unknown): Record<string, unknown> {
  if (!isObject(input))
    return { type: Array.isArray(input) ? "array" : input === null ? "null" : typeof input };
  return { type: "object", fields: Object.keys(input).slice(0, 50), kind: claimedKind(input) };
}
