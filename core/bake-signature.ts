/**
 * HMAC signing of the image-bake webhook (`POST /api/v1/hooks/image-baked`).
 *
 * The bake workflow signs `timestamp + "." + rawBody` with the shared secret (HMAC-SHA256) and sends
 * `X-OpenClawps-Signature: sha256=<hex>`, `X-OpenClawps-Timestamp: <unix seconds>` and
 * `X-OpenClawps-Delivery: <uuid>`. Signing the timestamp with the body stops an attacker from replaying
 * an old delivery with a fresh timestamp; the tolerance window bounds how long a captured request stays
 * usable, and the delivery id lets the receiver drop a repeat inside that window.
 *
 * scripts/sign-bake-webhook.mjs implements the same scheme without dependencies for the workflow; a test
 * signs with that script and verifies here, so the two cannot drift apart silently.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

/** Header names of the bake webhook (HTTP header names are case-insensitive). */
export const BAKE_WEBHOOK_HEADERS = {
  timestamp: "X-OpenClawps-Timestamp",
  delivery: "X-OpenClawps-Delivery",
  signature: "X-OpenClawps-Signature",
} as const;

/** Allowed clock difference between signer and receiver, in seconds (±5 minutes). */
export const DEFAULT_BAKE_TOLERANCE_SECONDS = 300;

const SIGNATURE_PREFIX = "sha256=";
const HEX_SHA256 = /^[0-9a-f]{64}$/i;
const UNIX_SECONDS = /^[0-9]{1,12}$/;

/** Why a delivery was refused; safe to log (it never contains the secret or the expected signature). */
export type BakeVerifyFailure =
  | "missing-secret"
  | "missing-signature"
  | "malformed-signature"
  | "missing-timestamp"
  | "malformed-timestamp"
  | "timestamp-outside-tolerance"
  | "signature-mismatch";

export type BakeVerifyResult = { ok: true } | { ok: false; reason: BakeVerifyFailure };

export interface BakeVerifyOptions {
  /** The shared secret (BAKE_WEBHOOK_SECRET). */
  secret: string;
  /** The raw request body exactly as received; re-serialised JSON would not match. */
  body: string | Uint8Array;
  /** Value of X-OpenClawps-Timestamp (unix seconds). */
  timestamp: string | number | null | undefined;
  /** Value of X-OpenClawps-Signature (`sha256=<hex>`). */
  signature: string | null | undefined;
  /** The receiver's clock: a Date, or milliseconds since the epoch (as Date.now() returns). */
  now: Date | number;
  /** Allowed clock difference in seconds; defaults to 300. */
  toleranceSeconds?: number;
}

function mac(secret: string, body: string | Uint8Array, timestamp: string): Buffer {
  const hmac = createHmac("sha256", secret);
  hmac.update(`${timestamp}.`, "utf8");
  hmac.update(typeof body === "string" ? Buffer.from(body, "utf8") : body);
  return hmac.digest();
}

/**
 * Signs a bake webhook body.
 * @param secret shared secret (BAKE_WEBHOOK_SECRET)
 * @param body the exact bytes that will be sent
 * @param timestamp unix seconds, the value sent in X-OpenClawps-Timestamp
 * @returns the X-OpenClawps-Signature value, `sha256=<lowercase hex>`
 */
export function signBakeWebhook(
  secret: string,
  body: string | Uint8Array,
  timestamp: number | string,
): string {
  if (!secret) throw new Error("signBakeWebhook: the secret is empty");
  const ts = String(timestamp);
  if (!UNIX_SECONDS.test(ts)) throw new Error("signBakeWebhook: timestamp must be whole unix seconds");
  return SIGNATURE_PREFIX + mac(secret, body, ts).toString("hex");
}

/**
 * Verifies a bake webhook delivery: signature (constant-time comparison) and timestamp window.
 * Replay of the same delivery id inside the window is the receiver's job (it stores delivery ids).
 */
export function verifyBakeWebhook(options: BakeVerifyOptions): BakeVerifyResult {
  const { secret, body, signature, now, toleranceSeconds = DEFAULT_BAKE_TOLERANCE_SECONDS } = options;
  if (!secret) return { ok: false, reason: "missing-secret" };
  if (signature === null || signature === undefined || signature === "") {
    return { ok: false, reason: "missing-signature" };
  }
  const hex = signature.startsWith(SIGNATURE_PREFIX) ? signature.slice(SIGNATURE_PREFIX.length) : "";
  if (!HEX_SHA256.test(hex)) return { ok: false, reason: "malformed-signature" };

  if (options.timestamp === null || options.timestamp === undefined || options.timestamp === "") {
    return { ok: false, reason: "missing-timestamp" };
  }
  const ts = String(options.timestamp).trim();
  if (!UNIX_SECONDS.test(ts)) return { ok: false, reason: "malformed-timestamp" };
  const nowSeconds = Math.floor((now instanceof Date ? now.getTime() : now) / 1000);
  if (Math.abs(nowSeconds - Number(ts)) > toleranceSeconds) {
    return { ok: false, reason: "timestamp-outside-tolerance" };
  }

  const expected = mac(secret, body, ts);
  const given = Buffer.from(hex, "hex");
  // Both are 32 bytes here (the regex fixed the length), so timingSafeEqual cannot throw.
  return timingSafeEqual(expected, given) ? { ok: true } : { ok: false, reason: "signature-mismatch" };
}
