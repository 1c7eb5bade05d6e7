/**
 * Ids the API takes in its URLs (operations, rollouts). They become Table Storage row keys, which
 * may not hold / \ # ? or control characters, so anything outside this charset is refused as bad
 * input (400) before it reaches storage; a well-formed id that names nothing is a 404.
 */
import { ClawError } from "../errors";

export const RESOURCE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** How much of a refused value a message repeats. */
export const ECHO_MAX = 40;

/** `value` cut to ECHO_MAX characters (with "…" when cut), for messages that repeat input. */
export function echo(value: string, max = ECHO_MAX): string {
  return value.length > max ? `${value.slice(0, max)}…` : value;
}

/** Returns `id` when it is a well-formed id; BAD_REQUEST naming `what` otherwise. */
export function requireResourceId(id: string, what: string): string {
  if (!RESOURCE_ID.test(id)) {
    throw new ClawError(
      "BAD_REQUEST",
      `${what}: may contain only letters, digits and . _ : - (at most 128); got '${echo(id)}'`,
    );
  }
  return id;
}
