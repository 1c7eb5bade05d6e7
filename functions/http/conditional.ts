/**
 * Read answers the dashboard polls: an ETag over the body, 304 when the caller's If-None-Match
 * still matches (a poll of an unchanged fleet costs a header, not the list), and gzip when the
 * caller accepts it (Functions does not compress responses; 300 claws are ~40 KB compressed
 * instead of ~400 KB).
 */
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import type { HttpRequest, HttpResponseInit } from "@azure/functions";

const GZIP_FROM_BYTES = 1024;

/** A strong ETag of a body. */
export function etagOf(body: string): string {
  return `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"`;
}

function matches(ifNoneMatch: string | null, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch
    .split(",")
    .map((t) => t.trim().replace(/^W\//, ""))
    .some((t) => t === etag || t === "*");
}

/** 200 with an ETag (gzip when accepted and worth it), or 304 when If-None-Match matches. */
export function conditionalJson(
  req: HttpRequest,
  body: unknown,
  headers: Record<string, string> = {},
): HttpResponseInit {
  const text = JSON.stringify(body);
  const etag = etagOf(text);
  const common = { etag, "cache-control": "no-cache", vary: "accept-encoding", ...headers };
  if (matches(req.headers.get("if-none-match"), etag)) return { status: 304, headers: common };
  const gzip = /\bgzip\b/.test(req.headers.get("accept-encoding") ?? "") && text.length >= GZIP_FROM_BYTES;
  return {
    status: 200,
    headers: {
      ...common,
      "content-type": "application/json; charset=utf-8",
      ...(gzip ? { "content-encoding": "gzip" } : {}),
    },
    ...(gzip ? { body: gzipSync(text) } : { jsonBody: body }),
  };
}
