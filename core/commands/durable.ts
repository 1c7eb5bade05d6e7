import type { DurableClient } from "durable-functions";
import { traceSagaStart } from "../telemetry";
import type { SagaClient, SagaStatus } from "./types";

/**
 * Adapts durable-functions' DurableClient to the handler's SagaClient. The real client's
 * getStatus throws on an unknown instance (HTTP 404); the handler wants undefined for that.
 */
export function sagaClientFrom(client: DurableClient): SagaClient {
  return {
    startNew(name, options) {
      const { operationId, claw } = options.input;
      return traceSagaStart(name, operationId, { "openclawps.claw": claw }, () =>
        client.startNew(name, { instanceId: options.instanceId, input: options.input }),
      );
    },
    async getStatus(instanceId): Promise<SagaStatus | undefined> {
      try {
        const s = await client.getStatus(instanceId);
        return { runtimeStatus: s.runtimeStatus, input: s.input, customStatus: s.customStatus };
      } catch (e) {
        if (e instanceof Error && /HTTP 404/.test(e.message)) return undefined;
        throw e;
      }
    },
  };
}
