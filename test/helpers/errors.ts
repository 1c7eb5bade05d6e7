import { ClawError } from "../../core/errors";

/** Awaits `p` and returns the ClawError it rejected with (fails the test on success or another error). */
export async function clawError(p: Promise<unknown>): Promise<ClawError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ClawError) return e;
    throw e;
  }
  throw new Error("expected a ClawError");
}
