/**
 * The Durable Functions HTTP API as the extension serves it (and as DurableClient calls it through
 * rpcBaseUrl): start, status with/without history, query, raise event, terminate, purge.
 */
import { randomUUID } from "node:crypto";
import type { DurableHttpRequest, DurableHttpResponse } from "./types";
import type { DurableEngine } from "./engine";
import { TERMINAL, type InstanceRecord, type RuntimeStatus } from "./store";
import { EventType, type HistoryEvent } from "./history";

export interface ApiOptions {
  engine: DurableEngine;
  hubName: string;
  isOrchestrator(name: string): boolean;
  /** Build the management URLs for an instance (statusQueryGetUri, ...). */
  managementUrls(instanceId: string): Record<string, string>;
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}): DurableHttpResponse => ({
  status,
  headers: { "content-type": "application/json", ...headers },
  body,
});
const problem = (status: number, message: string) => json(status, { error: message });

function parseJsonBody(body: string): { ok: true; text: string } | { ok: false } {
  if (!body.trim()) return { ok: true, text: "null" };
  try {
    JSON.parse(body);
    return { ok: true, text: body };
  } catch {
    return { ok: false };
  }
}

export function createDurableApi(o: ApiOptions) {
  const { engine } = o;

  function statusBody(
    rec: InstanceRecord,
    q: URLSearchParams,
    history?: HistoryEvent[],
  ): Record<string, unknown> {
    const body: Record<string, unknown> = {
      name: rec.name,
      instanceId: rec.instanceId,
      runtimeStatus: rec.status,
      input: q.get("showInput") === "false" ? null : JSON.parse(rec.input),
      customStatus: JSON.parse(rec.customStatus),
      output: JSON.parse(rec.output),
      createdTime: rec.createdTime,
      lastUpdatedTime: rec.lastUpdatedTime,
    };
    if (history)
      body.historyEvents = history.map((e) => publicEvent(e, q.get("showHistoryOutput") === "true"));
    return body;
  }

  async function status(id: string, q: URLSearchParams): Promise<DurableHttpResponse> {
    const rec = await engine.getRecord(id);
    if (!rec) return problem(404, `No orchestration instance with ID '${id}' was found.`);
    const history = q.get("showHistory") === "true" ? await engine.getHistory(id) : undefined;
    const body = statusBody(rec, q, history);
    if (TERMINAL.has(rec.status)) return json(200, body);
    return json(202, body, { Location: o.managementUrls(id).statusQueryGetUri, "Retry-After": "1" });
  }

  async function query(q: URLSearchParams): Promise<DurableHttpResponse> {
    const statuses = (q.get("runtimeStatus") ?? "").split(",").filter(Boolean) as RuntimeStatus[];
    const from = q.get("createdTimeFrom") ? Date.parse(q.get("createdTimeFrom")!) : undefined;
    const to = q.get("createdTimeTo") ? Date.parse(q.get("createdTimeTo")!) : undefined;
    const prefix = q.get("instanceIdPrefix") ?? "";
    const all = await engine.list();
    const hits = all.filter(
      (r) =>
        (!statuses.length || statuses.includes(r.status)) &&
        (from === undefined || Date.parse(r.createdTime) >= from) &&
        (to === undefined || Date.parse(r.createdTime) <= to) &&
        r.instanceId.startsWith(prefix),
    );
    return json(
      200,
      hits.map((r) => statusBody(r, q)),
    );
  }

  return async function handle(req: DurableHttpRequest): Promise<DurableHttpResponse> {
    const parts = req.path.split("/").filter(Boolean).map(decodeURIComponent);
    const method = req.method.toUpperCase();
    const q = req.query;

    if (parts[0] === "orchestrators" && parts.length >= 2 && method === "POST") {
      const name = parts[1];
      if (!o.isOrchestrator(name))
        return problem(
          404,
          `The function '${name}' doesn't exist, is disabled, or is not an orchestrator function.`,
        );
      const body = parseJsonBody(req.body);
      if (!body.ok) return problem(400, "The request body must be JSON (the orchestration input).");
      const id = parts[2] ?? randomUUID().replace(/-/g, "");
      const existing = await engine.getRecord(id);
      if (existing && !TERMINAL.has(existing.status)) {
        return problem(
          409,
          `An orchestration with instance ID '${id}' already exists and is ${existing.status}.`,
        );
      }
      await engine.start(name, id, body.text);
      const urls = o.managementUrls(id);
      return json(202, urls, { Location: urls.statusQueryGetUri });
    }

    if (parts[0] === "instances") {
      const id = parts[1];
      if (!id) {
        if (method === "GET") return query(q);
        if (method === "DELETE") {
          const res = await query(q);
          const list = res.body as Array<{ instanceId: string; runtimeStatus: RuntimeStatus }>;
          let n = 0;
          for (const r of list) if (TERMINAL.has(r.runtimeStatus) && (await engine.purge(r.instanceId))) n++;
          return n ? json(200, { instancesDeleted: n }) : problem(404, "No instances matched.");
        }
        return problem(405, `Method ${method} is not allowed here.`);
      }
      if (parts.length === 2) {
        if (method === "GET") return status(id, q);
        if (method === "DELETE") {
          return (await engine.purge(id))
            ? json(200, { instancesDeleted: 1 })
            : problem(404, `No orchestration instance with ID '${id}' was found.`);
        }
        return problem(405, `Method ${method} is not allowed here.`);
      }
      if (method !== "POST") return problem(405, `Method ${method} is not allowed here.`);
      const rec = await engine.getRecord(id);
      if (!rec) return problem(404, `No orchestration instance with ID '${id}' was found.`);
      if (parts[2] === "raiseEvent" && parts[3]) {
        const body = parseJsonBody(req.body);
        if (!body.ok) return problem(400, "The event data must be JSON.");
        const ok = await engine.raiseEvent(id, parts[3], body.text);
        return ok
          ? json(202, {})
          : problem(410, `Instance '${id}' is ${rec.status} and can no longer receive events.`);
      }
      if (parts[2] === "terminate") {
        const ok = await engine.terminate(id, q.get("reason") ?? "");
        return ok ? json(202, {}) : problem(410, `Instance '${id}' is already ${rec.status}.`);
      }
      return problem(404, `Unknown instance operation '${parts[2]}'.`);
    }
    return problem(404, `Unknown durable task API path '/${parts.join("/")}'.`);
  };
}

const TYPE_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(EventType)
    .filter(([, v]) => typeof v === "number")
    .map(([k, v]) => [v as number, k]),
);

/** History as the status API shows it (event type names, function names, results when asked). */
function publicEvent(e: HistoryEvent, withOutput: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {
    EventType: TYPE_NAMES[e.EventType] ?? String(e.EventType),
    Timestamp: e.Timestamp,
  };
  if (e.Name) out.FunctionName = e.Name;
  if (e.EventId >= 0) out.EventId = e.EventId;
  if (e.TaskScheduledId !== undefined) out.TaskScheduledId = e.TaskScheduledId;
  if (e.TimerId !== undefined) out.TimerId = e.TimerId;
  if (e.FireAt) out.FireAt = e.FireAt;
  if (e.Reason) out.Reason = e.Reason;
  if (withOutput && e.Result !== undefined) out.Result = JSON.parse(e.Result);
  return out;
}
