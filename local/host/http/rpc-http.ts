/**
 * Converts between Node's http messages and the RPC HTTP shapes the @azure/functions library reads
 * (`{ http: RpcHttpData }` in, `returnValue.http` out), as the Functions host does on the wire.
 */
import type { IncomingMessage, ServerResponse } from "http";
import type { RpcHttpCookie, RpcHttpData, RpcTypedData } from "../rpc-types";

/** Builds the trigger input of an HTTP function. */
export function toRpcHttpRequest(
  req: IncomingMessage,
  url: URL,
  body: Buffer,
  params: Record<string, string>,
): RpcTypedData {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(", ") : v;
  }
  const query: Record<string, string> = {};
  for (const key of new Set(url.searchParams.keys())) query[key] = url.searchParams.getAll(key).join(",");
  const http: RpcHttpData = {
    method: req.method ?? "GET",
    url: url.href,
    headers,
    query,
    params,
    body: body.length > 0 ? { bytes: body } : undefined,
  };
  return { http };
}

export interface PlainResponse {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

/** Turns the `$return` typed data of an HTTP function into a status, headers and body. */
export function fromRpcHttpResponse(data: RpcTypedData | null | undefined): PlainResponse {
  const http = data?.http;
  if (!http) return { status: 204, headers: {}, body: Buffer.alloc(0) };
  const headers: Record<string, string | string[]> = { ...(http.headers ?? {}) };
  const cookies = (http.cookies ?? []).map(formatCookie);
  if (cookies.length > 0) headers["set-cookie"] = cookies;
  return { status: Number(http.statusCode ?? 200) || 200, headers, body: typedDataToBuffer(http.body) };
}

/** The bytes of a typed value (string, bytes or JSON). */
export function typedDataToBuffer(data: RpcTypedData | null | undefined): Buffer {
  if (!data) return Buffer.alloc(0);
  if (data.bytes) return Buffer.from(data.bytes);
  if (data.stream) return Buffer.from(data.stream);
  if (typeof data.string === "string") return Buffer.from(data.string, "utf8");
  if (typeof data.json === "string") return Buffer.from(data.json, "utf8");
  if (typeof data.int === "number") return Buffer.from(String(data.int));
  if (typeof data.double === "number") return Buffer.from(String(data.double));
  return Buffer.alloc(0);
}

const SAME_SITE = ["", "Lax", "Strict", "None"];

function formatCookie(c: RpcHttpCookie): string {
  const parts = [`${c.name ?? ""}=${c.value ?? ""}`];
  if (c.domain?.value) parts.push(`Domain=${c.domain.value}`);
  if (c.path?.value) parts.push(`Path=${c.path.value}`);
  const seconds = c.expires?.value?.seconds;
  if (typeof seconds === "number") parts.push(`Expires=${new Date(seconds * 1000).toUTCString()}`);
  if (c.secure?.value) parts.push("Secure");
  if (c.httpOnly?.value) parts.push("HttpOnly");
  if (c.sameSite && SAME_SITE[c.sameSite]) parts.push(`SameSite=${SAME_SITE[c.sameSite]}`);
  if (typeof c.maxAge?.value === "number") parts.push(`Max-Age=${c.maxAge.value}`);
  return parts.join("; ");
}

/** Writes a JSON error body `{ error: { code, message } }`. */
export function sendJsonError(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  send(res, {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...headers },
    body: Buffer.from(JSON.stringify({ error: { code, message } })),
  });
}

/** Writes a complete response. */
export function send(res: ServerResponse, r: PlainResponse): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.statusCode = r.status;
  for (const [k, v] of Object.entries(r.headers)) res.setHeader(k, v);
  if (r.status !== 204 && r.status !== 304) res.setHeader("content-length", r.body.length);
  res.end(r.status === 204 || r.status === 304 ? undefined : r.body);
}
