/**
 * Function app for the bot's end-to-end test on the dev host: the real Telegram webhook function and
 * notifyOperators activity, with stub sagas under the real saga names that end as every saga does:
 * finishOperation, then notifyOperators.
 */
import * as df from "durable-functions";
import type { OrchestrationContext } from "durable-functions";
import "../../functions/telegram";
import { appRoot } from "../../core/app";
import { SAGA_NAMES, type SagaInput } from "../../core/sagas";

function* stubSaga(context: OrchestrationContext) {
  const input = context.df.getInput<SagaInput>();
  context.df.setCustomStatus({ operationId: input.operationId, step: "working" });
  yield context.df.callActivity("stubFinishOperation", input);
  yield context.df.callActivity("notifyOperators", { op: input.operationId });
  return { status: "succeeded" };
}

for (const name of Object.values(SAGA_NAMES)) df.app.orchestration(name, stubSaga);

df.app.activity("stubFinishOperation", {
  handler: async (input: SagaInput) => {
    const { state } = appRoot().storage;
    await state.operations.finish(input.operationId, {
      status: "succeeded",
      details: input.params.toVersion ? { fromVersion: "1.0.0", toVersion: input.params.toVersion } : {},
    });
    await state.claws.releaseOperation(input.claw, input.operationId);
  },
});
