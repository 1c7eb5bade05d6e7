import type { InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import { traceSagaStart } from "../../core/telemetry";

/**
 * Starts `saga` as `instanceId` unless an instance of that id exists: each timer names its run by
 * its time slot, so a tick delivered twice (or by two hosts) starts one saga. Resolves to whether
 * this call started it.
 */
export async function startOncePerSlot(
  context: InvocationContext,
  saga: string,
  instanceId: string,
  input: unknown,
): Promise<{ started: boolean; existing?: string }> {
  const client = df.getClient(context);
  const existing = await client.getStatus(instanceId).catch(() => undefined);
  if (existing?.runtimeStatus) return { started: false, existing: existing.runtimeStatus };
  await traceSagaStart(saga, undefined, {}, () => client.startNew(saga, { instanceId, input }), instanceId);
  return { started: true };
}
