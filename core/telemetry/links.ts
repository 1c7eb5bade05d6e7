/**
 * Trace context across the durable boundary. Durable Functions for JavaScript does not carry trace
 * context into orchestrations and activities, and activity inputs are the sagas' own; but every saga
 * activity's input names its operation (`op`). So when a saga starts, the span that stands for the
 * saga is stored by operation id in the TraceLinks table, and each activity of that operation — in
 * whichever process runs it — parents its span there. One row per saga; read once per process.
 */
import { TableClient } from "@azure/data-tables";
import type { TokenCredential } from "@azure/core-auth";

type Env = Record<string, string | undefined>;

export interface TraceLinks {
  save(operationId: string, traceparent: string): Promise<void>;
  load(operationId: string): Promise<string | undefined>;
}

const PK = "op";
const CACHE_MAX = 2_000;

/** The links table in the app's storage account (AzureWebJobsStorage), or undefined if unset. */
export function traceLinksFromEnv(env: Env, credential?: () => TokenCredential): TraceLinks | undefined {
  const name = `${env.TABLE_PREFIX ?? ""}TraceLinks`;
  let client: TableClient;
  if (env.AzureWebJobsStorage) {
    client = TableClient.fromConnectionString(env.AzureWebJobsStorage, name, {
      allowInsecureConnection: true,
    });
  } else {
    const account = env.AzureWebJobsStorage__accountName;
    const url =
      env.AzureWebJobsStorage__tableServiceUri ?? (account && `https://${account}.table.core.windows.net`);
    if (!url || !credential) return undefined;
    client = new TableClient(url, name, credential());
  }
  return createTraceLinks(client);
}

export function createTraceLinks(client: TableClient): TraceLinks {
  const cache = new Map<string, string>();
  let ready: Promise<void> | undefined;
  const ensure = () => {
    ready ??= client.createTable().catch((e: unknown) => {
      ready = undefined;
      throw e;
    });
    return ready;
  };
  const remember = (op: string, tp: string) => {
    if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
    cache.set(op, tp);
  };
  return {
    async save(op, traceparent) {
      await ensure();
      await client.upsertEntity({ partitionKey: PK, rowKey: op, traceparent }, "Replace");
      remember(op, traceparent);
    },
    async load(op) {
      const hit = cache.get(op);
      if (hit) return hit;
      try {
        const e = await client.getEntity<{ traceparent?: string }>(PK, op);
        if (e.traceparent) remember(op, e.traceparent);
        return e.traceparent;
      } catch (e) {
        if ((e as { statusCode?: number }).statusCode === 404) return undefined;
        throw e;
      }
    },
  };
}
