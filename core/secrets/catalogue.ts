/**
 * Which secrets a claw may hold, and what a well-formed value of each looks like. The list is the
 * original tool's (`claw_secrets` in its README) plus the keys the operator declares in
 * EXTRA_SECRET_KEYS. Messages name the key and what to fix, never the value.
 */
import { ClawError } from "../errors";
import { MAX_SECRET_LENGTH } from "./secret-body";
import { SECRET_KEY } from "./types";

export interface SecretKeySpec {
  key: string;
  /** A model provider's API key: at least one of these must exist before a deploy. */
  provider?: boolean;
  /** Only one claw may hold a given value (a Telegram bot answers one poller). */
  uniquePerClaw?: boolean;
  /** Refused at fleet scope: every claw needs its own. */
  perClawOnly?: boolean;
  /** What a value must look like, and how to say so. */
  pattern?: RegExp;
  hint: string;
}

export const KNOWN_SECRET_KEYS: readonly SecretKeySpec[] = [
  {
    key: "TELEGRAM_BOT_TOKEN",
    uniquePerClaw: true,
    perClawOnly: true,
    pattern: /^\d{3,15}:[A-Za-z0-9_-]{20,100}$/,
    hint: "a bot token from @BotFather, like 123456789:AAF… (digits, a colon, then 20+ letters, digits, _ or -)",
  },
  { key: "XAI_API_KEY", provider: true, hint: "the xAI API key" },
  { key: "OPENAI_API_KEY", provider: true, hint: "the OpenAI API key" },
  { key: "ANTHROPIC_API_KEY", provider: true, hint: "the Anthropic API key" },
  { key: "MOONSHOT_API_KEY", provider: true, hint: "the Moonshot API key" },
  { key: "DEEPSEEK_API_KEY", provider: true, hint: "the DeepSeek API key" },
  { key: "OPENROUTER_API_KEY", provider: true, hint: "the OpenRouter API key" },
  { key: "GEMINI_API_KEY", provider: true, hint: "the Gemini API key" },
  { key: "BRIGHTDATA_API_TOKEN", hint: "the Bright Data API token" },
  {
    key: "TAILSCALE_AUTHKEY",
    pattern: /^tskey-[A-Za-z0-9-]{8,200}$/,
    hint: "a Tailscale auth key, like tskey-auth-…",
  },
];

/** The provider keys, of which a claw needs at least one (the same list verify.sh checks). */
export const PROVIDER_KEYS = KNOWN_SECRET_KEYS.filter((k) => k.provider).map((k) => k.key);

/** Longest secret value accepted (a Key Vault secret holds up to 25 KB). */
export { MAX_SECRET_LENGTH };

/** Keys the operator declared in EXTRA_SECRET_KEYS (comma or space separated env-style names). */
export function declaredSecretKeys(env: Record<string, string | undefined> = process.env): string[] {
  const raw = env.EXTRA_SECRET_KEYS ?? "";
  const keys = raw.split(/[\s,]+/).filter(Boolean);
  const bad = keys.filter((k) => !SECRET_KEY.test(k));
  if (bad.length > 0) {
    throw new ClawError(
      "INTERNAL",
      `EXTRA_SECRET_KEYS holds ${bad.map((k) => `'${k.slice(0, 40)}'`).join(", ")}: each must be an env-style name like MY_TOOL_TOKEN`,
    );
  }
  return keys;
}

/** The spec of an allowed key, or a BAD_REQUEST listing what is allowed. */
export function secretKeySpec(key: string, declared: readonly string[]): SecretKeySpec {
  const known = KNOWN_SECRET_KEYS.find((k) => k.key === key);
  if (known) return known;
  if (declared.includes(key)) return { key, hint: "a value declared in EXTRA_SECRET_KEYS" };
  if (!SECRET_KEY.test(key)) {
    throw new ClawError(
      "BAD_REQUEST",
      `secret name '${key.slice(0, 64)}' is malformed: use upper-case letters, digits and _ (like ANTHROPIC_API_KEY)`,
    );
  }
  const allowed = [...KNOWN_SECRET_KEYS.map((k) => k.key), ...declared].join(", ");
  throw new ClawError(
    "BAD_REQUEST",
    `unknown secret '${key}': allowed are ${allowed}; declare others in the EXTRA_SECRET_KEYS setting`,
  );
}

/** Checks a value for `spec` (BAD_REQUEST naming the key and the rule, never the value). */
export function checkSecretValue(spec: SecretKeySpec, value: unknown): string {
  if (typeof value !== "string") {
    throw new ClawError("BAD_REQUEST", `value of ${spec.key}: must be a string (${spec.hint})`);
  }
  if (value.length === 0) {
    throw new ClawError(
      "BAD_REQUEST",
      `value of ${spec.key}: must not be empty; DELETE the secret to remove it`,
    );
  }
  if (value.length > MAX_SECRET_LENGTH) {
    throw new ClawError(
      "BAD_REQUEST",
      `value of ${spec.key}: has ${value.length} characters; at most ${MAX_SECRET_LENGTH} are accepted`,
    );
  }
  // The file on the claw is KEY=VALUE lines: a line break would smuggle in another key.
  if (/[\u0000-\u001f\u007f]/.test(value)) {
    throw new ClawError(
      "BAD_REQUEST",
      `value of ${spec.key}: contains a line break or another control character; send the bare value`,
    );
  }
  if (value !== value.trim()) {
    throw new ClawError(
      "BAD_REQUEST",
      `value of ${spec.key}: starts or ends with spaces; send the bare value`,
    );
  }
  if (spec.pattern && !spec.pattern.test(value)) {
    throw new ClawError("BAD_REQUEST", `value of ${spec.key}: is not well-formed; expected ${spec.hint}`);
  }
  return value;
}

/** Keys that may not be set for the whole fleet. */
export const PER_CLAW_ONLY_KEYS = KNOWN_SECRET_KEYS.filter((k) => k.perClawOnly).map((k) => k.key);

/**
 * The refusal of a fleet-wide per-claw key (a fleet TELEGRAM_BOT_TOKEN would make every claw poll
 * one bot). `where` says how to move it, per store.
 */
export function fleetScopeRefusal(key: string, where: string): ClawError {
  return new ClawError(
    "CONFLICT",
    `${key} is set for the whole fleet (${where}); every claw needs its own bot, so move it to the claw's secrets (PUT /api/v1/claws/{name}/secrets/${key}) and remove the fleet one`,
  );
}
