/**
 * The console's only way to the control plane: the public HTTP API v1 with the operator's key
 * (kept in sessionStorage: gone when the browser session ends). Every call sends
 * content-type: application/json; an answer that is not 2xx becomes an ApiError carrying the
 * API's own message.
 */
import { ApiError } from "../../core/console/wire";

const KEY_ITEM = "openclawps.key";

export { ApiError };

export const getKey = (): string | null => sessionStorage.getItem(KEY_ITEM);
export const setKey = (key: string): void => sessionStorage.setItem(KEY_ITEM, key);
export const clearKey = (): void => sessionStorage.removeItem(KEY_ITEM);

type Unauthorized = () => void;
let onUnauthorized: Unauthorized = () => undefined;
export const whenUnauthorized = (fn: Unauthorized) => {
  onUnauthorized = fn;
};

const etags = new Map<string, { etag: string; body: unknown }>();

async function errorOf(res: Response): Promise<ApiError> {
  let code = `HTTP_${res.status}`;
  let message = `${res.status} ${res.statusText}`;
  let operationId: string | undefined;
  try {
    const body = (await res.json()) as { error?: { code?: string; message?: string; operationId?: string } };
    if (body.error?.message) message = body.error.message;
    if (body.error?.code) code = body.error.code;
    operationId = body.error?.operationId;
  } catch {
    // not JSON: keep the status line
  }
  if (res.status === 401) onUnauthorized();
  return new ApiError(res.status, code, message, operationId);
}

/** Calls /api/v1{path}; resolves to the parsed JSON body. */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`/api/v1${path}`, {
    method,
    headers: {
      "x-functions-key": getKey() ?? "",
      "content-type": "application/json",
      accept: "application/json",
    },
    body: method === "GET" ? undefined : JSON.stringify(body ?? {}),
  });
  if (!res.ok) throw await errorOf(res);
  const text = await res.text();
  return (text ? JSON.parse(text) : {}) as T;
}

/**
 * A conditional GET: sends the ETag of the last answer for `path`; a 304 returns that answer
 * again with `changed: false`, so a poll of an unchanged fleet costs a few hundred bytes.
 */
/** Reads started before the first render (see prefetch), each taken once by the first poll. */
const early = new Map<string, Promise<Response>>();

/**
 * Starts a page's first read while the app is still being evaluated and rendered, so the fetch
 * and the first render overlap; the page's first poll takes the answer.
 */
export function prefetch(path: string): void {
  if (!getKey() || early.has(path)) return;
  early.set(path, send(path, undefined));
}

function send(path: string, etag: string | undefined): Promise<Response> {
  return fetch(`/api/v1${path}`, {
    headers: {
      "x-functions-key": getKey() ?? "",
      "content-type": "application/json",
      accept: "application/json",
      ...(etag ? { "if-none-match": etag } : {}),
    },
  });
}

export async function poll<T>(path: string): Promise<{ body: T; changed: boolean }> {
  const last = etags.get(path);
  const started = early.get(path);
  early.delete(path);
  const res = await (started ?? send(path, last?.etag));
  if (res.status === 304 && last) return { body: last.body as T, changed: false };
  if (!res.ok) throw await errorOf(res);
  const body = (await res.json()) as T;
  const etag = res.headers.get("etag");
  if (etag) etags.set(path, { etag, body });
  return { body, changed: true };
}
