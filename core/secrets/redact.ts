/** Values shorter than this are not redacted: masking "1" or "no" would shred every log line. */
const MIN_SECRET_LENGTH = 4;

export const REDACTED = "[REDACTED]";

/**
 * Replaces every occurrence of each secret value in `text` with [REDACTED]. Use it on anything
 * that came back from a guest or a failed call before it is logged or stored.
 * `secrets` may be a record (its values are used) or a list of values.
 */
export function redact(text: string, secrets: Record<string, string> | readonly string[]): string {
  const values = (Array.isArray(secrets) ? secrets : Object.values(secrets))
    .filter((v): v is string => typeof v === "string" && v.length >= MIN_SECRET_LENGTH)
    // Longest first, so a secret that contains another is masked whole.
    .sort((a, b) => b.length - a.length);
  let out = text;
  for (const v of values) out = out.split(v).join(REDACTED);
  return out;
}
