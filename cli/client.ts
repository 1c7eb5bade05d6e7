/**
 * The CLI's HTTP client of /api/v1: the key in x-functions-key, content-type: application/json on
 * every request, the API's error message carried in ApiError.
 */
import { ApiError } from "../core/console/wire";
import type { CliConfig } from "./config";

export { ApiError };

export interface Client {
  call<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T>;
  /** Conditional GET: undefined when the answer has not changed since the last call for `path`. */
  poll<T>(path: string): Promise<T | undefined>;
}

export function createClient(config: CliConfig): Client {
  const etags = new Map<string, string>();
  async function request(method: string, path: string, body: unknown, extra: Record<string, string> = {}) {
    let res: Response;
    try {
      res = await fetch(`${config.url}/api/v1${path}`, {
        method,
        headers: {
          "x-functions-key": config.key,
          "content-type": "application/json",
          accept: "application/json",
          ...extra,
        },
        body: method === "GET" || method === "HEAD" ? undefined : JSON.stringify(body ?? {}),
      });
    } catch (e) {
      const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message;
      throw new ApiError(
        0,
        "UNREACHABLE",
        `cannot reach ${config.url} (${cause}); is the control plane running?`,
      );
    }
    if (res.status === 304) return { res, data: undefined };
    const text = await res.text();
    let data: unknown;
    try {
      data = text ? JSON.parse(text) : {};
    } catch {
      data = { text };
    }
    if (!res.ok) {
      const err = (data as { error?: { code?: string; message?: string; operationId?: string } }).error;
      const message =
        err?.message ??
        (res.status === 401
          ? "the API key was refused; check OPENCLAWPS_KEY or run 'openclawps login'"
          : `${res.status} ${res.statusText}`);
      throw new ApiError(res.status, err?.code ?? `HTTP_${res.status}`, message, err?.operationId);
    }
    return { res, data };
  }
  return {
    async call<T>(method: string, path: string, body?: unknown) {
      return (await request(method, path, body)).data as T;
    },
    async poll<T>(path: string) {
      const etag = etags.get(path);
      const { res, data } = await request("GET", path, undefined, etag ? { "if-none-match": etag } : {});
      const next = res.headers.get("etag");
      if (next) etags.set(path, next);
      return data as T | undefined;
    },
  };
}
