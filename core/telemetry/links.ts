/**
 * Trace context across the durable boundary. Durable Functions for JavaScript does not carry trace
 * context into orchestrations and activities, and activity inputs are the sagas' own; but every saga
 * activity's input names its operation (`op`). So when a saga starts, the span that stands for the
 * saga is stored by operation id in the TraceLinks table, and each activity of that operation — in
 * whichever process runs it — parents its span there. One row per saga; read once per process.
 */
import { TableClient } from "@azure/data-tables";

/**
 * Sagas with an operation are linked by its id; the fleet's timer sagas (health sweep, drift,
 * housekeeping, schedule tick), whose activities name no operation, by their instance id — unique
 * per run, and on Azure and the dev host an activity's trigger metadata carries it.
 */
export type LinkScope = "op" | "instance";

/** What a saga's activities learn from its link: the span to join, and the claw (when one). */
export interface TraceLink {
  traceparent: string;
  claw?: string;
}

export interface TraceLinks {
  save(id: string, link: TraceLink, scope?: LinkScope): Promise<void>;
  load(id: string, scope?: LinkScope): Promise<TraceLink | undefined>;
}

const CACHE_MAX = 2_000;
/** A saga links before it starts, so an id without a link now is unlikely to get one soon. */
const MISS_TTL_MS = 60_000;

export function createTraceLinks(client: TableClient): TraceLinks {
  const cache = new Map<string, TraceLink>();
  let ready: Promise<void> | undefined;
  const ensure = () => {
    ready ??= client.createTable().catch((e: unknown) => {
      ready = undefined;
      throw e;
    });
    return ready;
  };
  /** Ids found without a link, and when: a claw saga's instance id has none, and is asked often. */
  const misses = new Map<string, number>();
  const remember = (key: string, link: TraceLink) => {
    if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
    cache.set(key, link);
  };
  return {
    async save(id, link, scope = "op") {
      await ensure();
      const row = { partitionKey: scope, rowKey: id, traceparent: link.traceparent };
      await client.upsertEntity(link.claw ? { ...row, claw: link.claw } : row, "Replace");
      remember(`${scope}/${id}`, link);
      misses.delete(`${scope}/${id}`);
    },
    async load(id, scope = "op") {
      const key = `${scope}/${id}`;
      const hit = cache.get(key);
      if (hit) return hit;
      const missed = misses.get(key);
      if (missed !== undefined && Date.now() - missed < MISS_TTL_MS) return undefined;
      try {
        const e = await client.getEntity<{ traceparent?: string; claw?: string }>(scope, id);
        if (!e.traceparent) return undefined;
        const link: TraceLink = { traceparent: e.traceparent, ...(e.claw ? { claw: e.claw } : {}) };
        remember(`${scope}/${id}`, link);
        return link;
      } catch (e) {
        if ((e as { statusCode?: number }).statusCode === 404) {
          if (misses.size >= CACHE_MAX) misses.delete(misses.keys().next().value!);
          misses.set(key, Date.now());
          return undefined;
        }
        throw e;
      }
    },
  };
}
