/**
 * The contract between the dev host's trigger plumbing (HTTP, queue, timer) and the durable engine.
 * The HTTP server forwards every request under /runtime/webhooks/durabletask/ (and the client's
 * rpcBaseUrl prefix) to `handleHttp`, and gives every function that declares a `durableClient`
 * input the JSON from `clientBindingData`.
 */
export interface DurableHttpRequest {
  method: string;
  /** Path after the durable prefix, e.g. "orchestrators/deployClaw/abc" or "instances/abc". */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: string;
}

export interface DurableHttpResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface DurableHost {
  /** Recover unfinished instances from storage and start executing work. */
  start(): Promise<void>;
  /** Stop taking work; running activities are abandoned (they re-run after restart). */
  stop(): Promise<void>;
  handleHttp(req: DurableHttpRequest): Promise<DurableHttpResponse>;
  /** The durableClient binding payload (taskHubName, creationUrls, managementUrls, rpcBaseUrl...). */
  clientBindingData(): Record<string, unknown>;
}
