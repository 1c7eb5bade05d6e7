/**
 * Rollouts API: GET /api/v1/rollouts, GET /api/v1/rollouts/{id} (with per-claw progress),
 * POST /api/v1/rollouts {version, canary, batchSize|batchPercent, soakMinutes, maxUnhealthy,
 * approval, ...} → 202, and POST /api/v1/rollouts/{id}/{approve|reject|pause|resume|cancel} → 202.
 */
import { app, type HttpRequest, type InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import { appRoot } from "../../core/app";
import { controlRollout, startRollout, type RolloutClient } from "../../core/fleet/rollout-control";
import type { RolloutAcceptedBody, RolloutActionAcceptedBody } from "../../core/openapi/responses";
import { describeRollout, listRollouts } from "../../core/fleet/rollouts";
import { route } from "./deps";
import { envelopeOf, limitQuery, readObjectBody } from "./request";
import { json } from "./respond";
import { conditionalJson } from "./conditional";

const ROLLOUTS_PATH = "/api/v1/rollouts";

function client(context: InvocationContext): RolloutClient {
  const c = df.getClient(context);
  return {
    startNew: (name, o) => c.startNew(name, { instanceId: o.instanceId, input: o.input }),
    raiseEvent: (id, name, data) => c.raiseEvent(id, name, data),
  };
}

function who(req: HttpRequest) {
  const e = envelopeOf(req);
  return { channel: e.channel, principal: e.principal };
}

export const rolloutsList = route("rolloutsList", async (req) => {
  const rollouts = await listRollouts(await appRoot().fleet(), limitQuery(req, "limit", 200) ?? 50);
  return conditionalJson(req, { rollouts });
});

export const rolloutItem = route("rolloutItem", async (req) => {
  return conditionalJson(req, await describeRollout(await appRoot().fleet(), req.params.id ?? ""));
});

export const rolloutCreate = route("rolloutCreate", async (req, context) => {
  const body = await readObjectBody(req, "the rollout", true);
  const r = await startRollout(await appRoot().fleet(), client(context), body, who(req));
  const statusPath = `${ROLLOUTS_PATH}/${encodeURIComponent(r.id)}`;
  const answer: RolloutAcceptedBody = { accepted: true, rolloutId: r.id, version: r.version, statusPath };
  return json(202, answer, { Location: statusPath });
});

export const rolloutAction = route("rolloutAction", async (req, context) => {
  const id = req.params.id ?? "";
  const action = req.params.action ?? "";
  await controlRollout(await appRoot().fleet(), client(context), id, action, who(req));
  const body: RolloutActionAcceptedBody = {
    accepted: true,
    rolloutId: id,
    // controlRollout refused any other action.
    action: action as RolloutActionAcceptedBody["action"],
    statusPath: `${ROLLOUTS_PATH}/${encodeURIComponent(id)}`,
  };
  return json(202, body);
});

const durable = [df.input.durableClient()];
app.http("rolloutsList", {
  route: "v1/rollouts",
  methods: ["GET"],
  authLevel: "function",
  handler: rolloutsList,
});
app.http("rolloutItem", {
  route: "v1/rollouts/{id}",
  methods: ["GET"],
  authLevel: "function",
  handler: rolloutItem,
});
app.http("rolloutCreate", {
  route: "v1/rollouts",
  methods: ["POST"],
  authLevel: "function",
  extraInputs: durable,
  handler: rolloutCreate,
});
app.http("rolloutAction", {
  route: "v1/rollouts/{id}/{action}",
  methods: ["POST"],
  authLevel: "function",
  extraInputs: durable,
  handler: rolloutAction,
});
