import { z } from "zod";
import { ClawError } from "../errors";

const MAX_SHOWN = 60;

/** Renders a rejected value for a message: short, quoted, never a whole object dump. */
function show(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "string") {
    return `'${clip(value)}'`;
  }
  if (value === null || typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return "an object";
}

function clip(text: string): string {
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}…` : text;
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = data;
  for (const key of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}

function pathText(path: readonly PropertyKey[]): string {
  if (path.length === 0) return "(root)";
  return path
    .map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? clip(String(p)) : `.${clip(String(p))}`))
    .join("");
}

/** One issue as "path: what is wrong; got X". */
function issueText(issue: z.core.$ZodIssue, data: unknown, hideValues: boolean): string {
  const path = [...issue.path];
  if (issue.code === "unrecognized_keys") {
    const where = path.length ? `${pathText(path)}: ` : "";
    return `${where}unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `'${k}'`).join(", ")}`;
  }
  if (issue.code === "invalid_key") {
    const inner = issue.issues.map((i) => i.message).join(", ");
    return `${pathText(path.slice(0, -1))}: key ${show(path[path.length - 1])} ${inner}`;
  }
  if (hideValues) {
    return `${pathText(path)}: ${issue.message.replace(/^Invalid input: /, "")}`;
  }
  const value = data === undefined ? issue.input : valueAt(data, path);
  if (issue.code === "invalid_type" && value === undefined) {
    return `${pathText(path)}: is required (expected ${issue.expected})`;
  }
  const options = (issue as { options?: unknown }).options;
  if (issue.code === "invalid_union" && Array.isArray(options)) {
    const choices = options.map((o) => `'${String(o)}'`).join(", ");
    return `${pathText(path)}: must be one of ${choices}; got ${show(value)}`;
  }
  // zod's own messages start with "Invalid input: "; ours are phrased to follow "path:".
  const message = issue.message.replace(/^Invalid input: /, "");
  return `${pathText(path)}: ${message}; got ${show(value)}`;
}

/**
 * Turns a zod error into one readable message, e.g. "name: must start with a letter; got '9abc'".
 * Several issues are joined with " | ". Pass the parsed input so each issue can show its value;
 * `hideValues` leaves values out (for input that holds secrets).
 */
export function formatZodError(
  error: z.ZodError,
  data?: unknown,
  opts: { hideValues?: boolean } = {},
): string {
  return error.issues.map((issue) => issueText(issue, data, opts.hideValues ?? false)).join(" | ");
}

/** The path of the first own "__proto__" key inside `data` (depth-first), if any. */
export function reservedKeyPath(data: unknown, path: string[] = [], depth = 0): string | undefined {
  if (typeof data !== "object" || data === null || depth > 20) return undefined;
  for (const key of Object.keys(data)) {
    const here = [...path, key];
    if (key === "__proto__") return here.join(".");
    const inner = reservedKeyPath((data as Record<string, unknown>)[key], here, depth + 1);
    if (inner) return inner;
  }
  return undefined;
}

/**
 * Parses `data` with `schema`; on failure throws ClawError BAD_REQUEST whose message names the
 * field, what is wrong and what was given (prefixed with `what` when given, e.g. "claw spec").
 */
export function parseOrThrow<S extends z.ZodType>(schema: S, data: unknown, what?: string): z.output<S> {
  const reserved = reservedKeyPath(data);
  if (reserved) {
    // JSON.parse makes "__proto__" an own key, but copying it into a record sets the prototype
    // instead, so it would vanish silently: refuse it by name.
    const message = `${reserved}: '__proto__' is not accepted as a key; rename it`;
    throw new ClawError("BAD_REQUEST", what ? `invalid ${what}: ${message}` : message);
  }
  const result = schema.safeParse(data, { reportInput: true });
  if (result.success) return result.data;
  const message = formatZodError(result.error, data);
  throw new ClawError("BAD_REQUEST", what ? `invalid ${what}: ${message}` : message, {
    details: { issues: result.error.issues.map((i) => ({ path: i.path.map(String), message: i.message })) },
  });
}
