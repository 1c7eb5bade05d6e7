/**
 * Function app for the API's end-to-end test: the real HTTP API and queue trigger, with stub sagas
 * under the real saga names. A stub publishes its progress, waits for a "proceed" event when asked
 * to upgrade to 9.9.9 (so a test can hold the claw busy), then does what every saga does at its end:
 * finishes the operation and frees the claw's slot.
 */
import * as df from "durable-functions";
import type { OrchestrationContext } from "durable-functions";
import "../../functions/http";
import "../../functions/queue";
import { appRoot } from "../../core/app";
import { SAGA_NAMES, type SagaInput } from "../../core/sagas";

export const HOLDING_VERSION = "9.9.9";

function* stubSaga(context: OrchestrationContext) {
  const input = context.df.getInput<SagaInput>();
  context.df.setCustomStatus({ operationId: input.operationId, step: "working" });
  if (input.params.toVersion === HOLDING_VERSION) yield context.df.waitForExternalEvent("proceed");
  yield context.df.callActivity("stubFinishOperation", input);
  return "done";
}

for (const name of Object.values(SAGA_NAMES)) df.app.orchestration(name, stubSaga);

df.app.activity("stubFinishOperation", {
  handler: async (input: SagaInput) => {
    const { state } = appRoot().storage;
    await state.operations.finish(input.operationId, { status: "succeeded", details: { stub: true } });
    await state.claws.releaseOperation(input.claw, input.operationId);
  },
});
