/**
 * POST /api/v1/claws/{name}/{deploy|upgrade|park|wake|verify}: starts the claw's saga and answers
 * 202 with the operation's status URL. Bodies: upgrade {toVersion, allowDowngrade?}, deploy
 * {allowDowngrade?}, wake {awakeHours?}, others none.
 */
import { app, type HttpRequest, type InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import { handleCommand, type SagaAccepted } from "../../core/commands";
import { ClawError } from "../../core/errors";
import { acceptedResponse } from "./accepted";
import { clawParam } from "./claws";
import { productionDeps, route, type DepsProvider } from "./deps";
import { envelopeOf, readCommandParts, readObjectBody, refuseEnvelopeFields } from "./request";

export const CLAW_ACTIONS = ["deploy", "upgrade", "refresh", "park", "wake", "verify"] as const;
export type ClawAction = (typeof CLAW_ACTIONS)[number];

function actionParam(req: HttpRequest): ClawAction {
  const action = req.params.action ?? "";
  if (!(CLAW_ACTIONS as readonly string[]).includes(action)) {
    throw new ClawError(
      "NOT_FOUND",
      `no action '${action.slice(0, 40)}'; POST one of ${CLAW_ACTIONS.join(", ")} to /api/v1/claws/{name}/<action>`,
    );
  }
  return action as ClawAction;
}

export function createActionHandlers(deps: DepsProvider) {
  const clawAction = route("clawAction", async (req: HttpRequest, context: InvocationContext) => {
    const d = deps(context);
    const action = actionParam(req);
    const { claw, body, envelope } = await readCommandParts(
      req,
      d,
      { kind: action, claw: req.params.name },
      async () => {
        const parts = {
          claw: clawParam(req),
          envelope: envelopeOf(req),
          body: await readObjectBody(req, `the ${action} parameters`),
        };
        refuseEnvelopeFields(parts.body);
        return parts;
      },
    );
    const res = await handleCommand(d, { ...body, kind: action, claw, ...envelope });
    return acceptedResponse(req, d, res as SagaAccepted);
  });
  return { clawAction };
}

const handlers = createActionHandlers(productionDeps);

app.http("clawAction", {
  route: "v1/claws/{name}/{action}",
  methods: ["POST"],
  authLevel: "function",
  extraInputs: [df.input.durableClient()],
  handler: handlers.clawAction,
});
