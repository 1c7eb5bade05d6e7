import { z } from "zod";
import { formatZodError } from "../domain/validation";
import { ClawError } from "../errors";

/** One check of `verify.sh`. */
export const verifyCheckSchema = z.object({
  name: z.string(),
  ok: z.boolean(),
  detail: z.string().optional().default(""),
  optional: z.boolean().optional(),
});

/** What `lifecycle/verify.sh` prints on stdout (see the guest contract). */
export const verifyOutputSchema = z.object({
  ok: z.boolean(),
  checks: z.array(verifyCheckSchema),
  imageVersion: z.string(),
  runtimeVersion: z.string(),
  updateVersion: z.string(),
});

export type VerifyCheck = z.output<typeof verifyCheckSchema>;
export interface VerifyResult extends z.output<typeof verifyOutputSchema> {
  /** verify.sh's exit status (0 only when every required check passed). */
  exitCode: number;
}

/**
 * Parses verify.sh's output. `ok` is true only when the script said so AND exited 0: if the two
 * disagree the script is broken, and a broken verify must not pass a claw.
 */
export function parseVerifyOutput(stdout: string, exitCode: number, stderr = ""): VerifyResult {
  const hint = `(exit ${exitCode}${stderr.trim() ? `, stderr: ${stderr.trim().slice(0, 300)}` : ""})`;
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch {
    const shown = stdout.trim() ? `'${stdout.trim().slice(0, 200)}'` : "nothing";
    throw new ClawError("VERIFY_FAILED", `verify.sh did not print JSON: got ${shown} ${hint}`, {
      retryable: true,
    });
  }
  const parsed = verifyOutputSchema.safeParse(json, { reportInput: true });
  if (!parsed.success) {
    throw new ClawError(
      "VERIFY_FAILED",
      `verify.sh printed unexpected JSON: ${formatZodError(parsed.error, json)} ${hint}`,
    );
  }
  return { ...parsed.data, ok: parsed.data.ok && exitCode === 0, exitCode };
}
