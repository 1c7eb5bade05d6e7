/**
 * Function app for sampling the API's answers against its OpenAPI document: the API test's app
 * (the real HTTP API and queue trigger, stub claw sagas) plus the real pin and rollout routes, with
 * a stub rollout saga that waits for control events as the real one does, so a rollout stays
 * active while a test reads and controls it.
 */
import * as df from "durable-functions";
import type { OrchestrationContext } from "durable-functions";
import "./stub-app";
import "../../functions/http/pins";
import "../../functions/http/rollouts";
import { CONTROL_EVENT, FLEET_SAGA_NAMES } from "../../core/sagas";

function* stubRollout(context: OrchestrationContext) {
  for (;;) {
    const event = (yield context.df.waitForExternalEvent(CONTROL_EVENT)) as { action?: string };
    if (event?.action === "cancel") return "cancelled";
  }
}

df.app.orchestration(FLEET_SAGA_NAMES.rollout, stubRollout);
