/** How a saga reads an activity failure: "[CODE] message" (see activities/registration.ts). */

export interface Failure {
  code: string;
  message: string;
  retryable: boolean;
}

/** "[CODE] message" from whatever error shape the host gives us. */
export function failureOf(e: unknown): Failure {
  const raw = e instanceof Error ? e.message : String(e);
  const m = /\[([A-Z_]+)(,retryable)?\]\s*([^\n]*)/.exec(raw);
  if (m) return { code: m[1], message: m[3].trim(), retryable: Boolean(m[2]) };
  const first = raw.split("\n")[0].replace(/^(Error|TaskFailedError|OrchestrationFailure):\s*/, "");
  return { code: "INTERNAL", message: first, retryable: false };
}
