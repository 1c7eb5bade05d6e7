/**
 * Masks what looks like a credential in free text (guest logs), on top of redacting the claw's own
 * secret values: a log line may carry a key the control plane never knew (pasted into the agent's
 * chat, printed by a tool). Shapes, not values: provider keys, bot tokens, auth keys, JWTs,
 * bearer headers, and `name=value` pairs whose name says secret.
 */
import { REDACTED } from "../secrets/redact";

const SHAPES: RegExp[] = [
  /\bsk-(?:ant-|proj-|or-)?[A-Za-z0-9_-]{16,}/g, // Anthropic, OpenAI, OpenRouter, DeepSeek, Moonshot
  /\bxai-[A-Za-z0-9]{20,}/g,
  /\bAIza[0-9A-Za-z_-]{30,}/g, // Google (Gemini)
  /\b\d{6,12}:[A-Za-z0-9_-]{30,}/g, // Telegram bot token
  /\btskey-[A-Za-z0-9-]{10,}/g, // Tailscale auth key
  /\bgh[pousr]_[A-Za-z0-9]{30,}/g, // GitHub tokens
  /\bxox[abprs]-[A-Za-z0-9-]{10,}/g, // Slack tokens
  /\bAKIA[0-9A-Z]{16}\b/g, // AWS access key id
  /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, // JWT
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g,
];

/** `Bearer xyz`, `Authorization: Basic xyz`. */
const AUTH_HEADER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi;
/** `API_KEY=xyz`, `"password": "xyz"`, `token: xyz` — the value goes, the name stays. */
const NAMED_SECRET =
  /\b([A-Za-z0-9_.-]*(?:api[_-]?key|secret|token|passw(?:or)?d|auth[_-]?key|credential)[A-Za-z0-9_.-]*)(["']?\s*[:=]\s*["']?)([^\s"',;]{4,})/gi;

/** `text` with every token-shaped value replaced by [REDACTED]. */
export function redactTokenShapes(text: string): string {
  let out = text;
  for (const re of SHAPES) out = out.replace(re, REDACTED);
  out = out.replace(AUTH_HEADER, (_m, scheme: string) => `${scheme} ${REDACTED}`);
  out = out.replace(NAMED_SECRET, (m, name: string, sep: string, value: string) =>
    value === REDACTED ? m : `${name}${sep}${REDACTED}`,
  );
  return out;
}
