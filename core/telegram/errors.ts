/**
 * The chat edge of the one error type: a ClawError becomes a short line the operator can act on;
 * anything else becomes a generic line, with the detail in the log only.
 */
import type { CommandLog } from "../commands";
import { isClawError } from "../errors";
import { code, esc } from "./html";

const HINT: Partial<Record<string, string>> = {
  CLAW_NOT_FOUND: "/fleet lists the claws.",
  CLAW_BUSY: "/ops shows what it is doing.",
  IMAGE_NOT_FOUND: "The image must be baked and registered first.",
};

/** The chat text (HTML) for an error. */
export function errorText(e: unknown, log?: CommandLog, what = "the command"): string {
  if (isClawError(e) && e.code !== "INTERNAL") {
    const op =
      typeof e.details?.operationId === "string" ? ` (operation ${code(e.details.operationId)})` : "";
    const hint = HINT[e.code] ? ` ${esc(HINT[e.code])}` : "";
    return `⚠️ ${esc(e.code)}: ${esc(e.message)}${op}${hint}`;
  }
  log?.("error", `handling ${what} from Telegram failed`, e);
  const retry = isClawError(e) && e.retryable ? " It is probably temporary: try again." : "";
  return `⚠️ Something went wrong on the control plane (it is logged).${retry}`;
}

/** The audit reason of a refusal. */
export function refusalReason(e: unknown): string {
  return isClawError(e) ? `${e.code}: ${e.message.slice(0, 300)}` : "internal error";
}
