/**
 * Function keys on the dev host. Azure has per-function and host keys; the dev host has one API key
 * (DEVHOST_API_KEY), which satisfies authLevel "function", and an admin key (DEVHOST_ADMIN_KEY,
 * defaulting to the API key), which satisfies "function" and "admin". As in Azure the key comes in
 * the `x-functions-key` header or the `code` query parameter.
 */
import { createHash, timingSafeEqual } from "crypto";
import type { IncomingHttpHeaders } from "http";

export type AuthLevel = "anonymous" | "function" | "admin";

export interface HostKeys {
  functionKey: string;
  adminKey: string;
}

/** Normalises a binding's authLevel (the host accepts any casing; "system" and "user" act as admin). */
export function parseAuthLevel(value: unknown): AuthLevel {
  const v = String(value ?? "anonymous").toLowerCase();
  if (v === "anonymous") return "anonymous";
  if (v === "function") return "function";
  return "admin";
}

/** The key a request presents: the header first, then `?code=`. */
export function presentedKey(headers: IncomingHttpHeaders, query: URLSearchParams): string | undefined {
  const header = headers["x-functions-key"];
  const value = Array.isArray(header) ? header[0] : header;
  return value || query.get("code") || undefined;
}

/** Compares in constant time over digests, so neither content nor length leaks through timing. */
function sameSecret(a: string, b: string): boolean {
  const da = createHash("sha256").update(a).digest();
  const db = createHash("sha256").update(b).digest();
  return timingSafeEqual(da, db);
}

/** True when `key` satisfies `level`. */
export function isAuthorized(level: AuthLevel, key: string | undefined, keys: HostKeys): boolean {
  if (level === "anonymous") return true;
  if (!key) return false;
  if (sameSecret(key, keys.adminKey)) return true;
  return level === "function" && sameSecret(key, keys.functionKey);
}
