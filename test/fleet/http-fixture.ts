/**
 * Shared by the fleet HTTP handler tests: real HttpRequest/InvocationContext objects, fleet deps on
 * Azurite, and a loopback stand-in for the Durable HTTP API that records what the handlers' real
 * DurableClient sends (startNew, raiseEvent) and answers as the extension does.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { HttpRequest, InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import { buildClientBindingData } from "../../local/host/durable-wiring";

export interface DurableCall {
  method: string;
  path: string;
  body: unknown;
}

export interface FakeDurable {
  calls: DurableCall[];
  /** Answer the next calls with this status (default 202). */
  status: number;
  context(functionName: string): InvocationContext;
  close(): Promise<void>;
}

/**
 * A Durable HTTP API on 127.0.0.1 that records calls (status queries answer 404: no instance);
 * contexts carry its client binding. FAKE_DURABLE_LOG=1 prints the handlers' log lines.
 */
export async function startFakeDurable(): Promise<FakeDurable> {
  const calls: DurableCall[] = [];
  const state = { status: 202 };
  const server = http.createServer((req, res) => {
    let text = "";
    req.on("data", (c: Buffer) => (text += c.toString()));
    req.on("end", () => {
      const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname.replace(/^\/durabletask\/t\//, "");
      calls.push({ method: req.method ?? "", path, body: text ? (JSON.parse(text) as unknown) : undefined });
      const id = decodeURIComponent(path.split("/")[2] ?? "generated");
      if (req.method === "GET") {
        // Status queries: no instance exists (the handlers only start and signal).
        res.writeHead(404).end();
        return;
      }
      res.writeHead(state.status, { "content-type": "application/json" });
      res.end(JSON.stringify({ id }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const binding = buildClientBindingData({
    hubName: "TestHub",
    webhookBaseUrl: `${origin}/runtime/webhooks/durabletask`,
    rpcBaseUrl: `${origin}/durabletask/t/`,
    apiKey: "test-key",
  });
  return {
    calls,
    get status() {
      return state.status;
    },
    set status(s: number) {
      state.status = s;
    },
    context(functionName) {
      const input = df.input.durableClient();
      const ctx = new InvocationContext({
        functionName,
        options: { extraInputs: [input] },
        logHandler: (_l, ...a) => process.env.FAKE_DURABLE_LOG && console.error(...a),
      });
      ctx.extraInputs.set(input, binding);
      return ctx;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** A request as the Functions host hands it to a handler. */
export function request(
  method: string,
  path: string,
  opts: { body?: unknown; raw?: string; params?: Record<string, string> } = {},
): HttpRequest {
  const text = opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
  return new HttpRequest({
    method,
    url: `http://127.0.0.1:7071/api${path}`,
    headers: text === undefined ? {} : { "content-type": "application/json" },
    body: text === undefined ? undefined : { string: text },
    params: opts.params ?? {},
  });
}

/** The status and JSON body of a handler's answer. */
export function answer(res: { status?: number; jsonBody?: unknown; headers?: unknown }) {
  return {
    status: res.status ?? 200,
    body: (res.jsonBody ?? {}) as Record<string, unknown>,
    headers: (res.headers ?? {}) as Record<string, string>,
  };
}
