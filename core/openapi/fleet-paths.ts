/**
 * Paths of the fleet-wide routes: the fleet view, audit, fleet hours (functions/http/console-data.ts),
 * rollouts (functions/http/rollouts.ts) and pins (functions/http/pins.ts).
 */
import { MAX_PIN_HOURS } from "../fleet/pin-request";
import { CONTROL_ACTIONS } from "../sagas/fleet";
import {
  BAD_NAME,
  BODY_REFUSALS,
  conditionalRead,
  countQuery,
  errors,
  idempotencyKey,
  jsonContent,
  nameParam,
  ok,
} from "./parts";

const read = (description: string, schema: string) => ({
  "200": ok(description, schema, conditionalRead.headers),
  ...conditionalRead.notModified,
});

const rolloutId = {
  name: "id",
  in: "path",
  required: true,
  description: "Rollout id (as POST /rollouts answered it)",
  schema: { type: "string" },
};
const BAD_ID = "BAD_REQUEST: the rollout id in the URL is malformed";

function consolePaths() {
  return {
    "/fleet": {
      get: {
        operationId: "getFleet",
        summary:
          "Every claw with its effective schedule and next park or wake, pin, and the operation holding it with its current step",
        parameters: [...conditionalRead.parameters],
        responses: { ...read("The fleet, by claw name", "FleetView"), ...errors() },
      },
    },
    "/audit": {
      get: {
        operationId: "listAudit",
        summary: "Who did what from which channel, accepted or refused, newest first",
        parameters: [
          countQuery("days", 31, "How many UTC days back, today included", 7),
          countQuery("limit", 1000, "At most this many entries", 200),
          ...conditionalRead.parameters,
        ],
        responses: {
          ...read("Audit entries", "AuditList"),
          ...errors({ "400": "BAD_REQUEST: days or limit out of range (the message names it)" }),
        },
      },
    },
    "/stats/fleet-hours": {
      get: {
        operationId: "getFleetHours",
        summary:
          "Running and parked hours per UTC day, and the cost parking saved (at each VM size's hourly price)",
        parameters: [
          countQuery("days", 62, "How many UTC days, today included", 14),
          ...conditionalRead.parameters,
        ],
        responses: {
          ...read("Hours per day and totals", "FleetHours"),
          ...errors({ "400": "BAD_REQUEST: days out of range" }),
        },
      },
    },
  };
}

function rolloutPaths() {
  return {
    "/rollouts": {
      get: {
        operationId: "listRollouts",
        summary: "Rollouts, newest first",
        parameters: [countQuery("limit", 200, "At most this many", 50), ...conditionalRead.parameters],
        responses: {
          ...read("Rollouts", "RolloutList"),
          ...errors({ "400": "BAD_REQUEST: limit out of range" }),
        },
      },
      post: {
        operationId: "startRollout",
        summary:
          "Start a fleet rollout to an image version: canary first, then batches, health-gated, optionally approved",
        requestBody: { required: true, content: jsonContent("RolloutRequest") },
        responses: {
          "202": ok("Started: follow statusPath (also in Location)", "RolloutAccepted", {
            Location: { schema: { type: "string" } },
          }),
          ...errors({
            ...BODY_REFUSALS,
            "400":
              "BAD_REQUEST: a field is wrong; IMAGE_NOT_FOUND / IMAGE_NOT_READY: the version is not registered or not Succeeded",
            "409": "CONFLICT: another rollout is still active (the message names it)",
          }),
        },
      },
    },
    "/rollouts/{id}": {
      get: {
        operationId: "getRollout",
        summary: "A rollout with its plan, phase and per-claw progress",
        parameters: [rolloutId, ...conditionalRead.parameters],
        responses: {
          ...read("The rollout", "RolloutDetail"),
          ...errors({ "400": BAD_ID, "404": "NOT_FOUND: no rollout with this id" }),
        },
      },
    },
    "/rollouts/{id}/{action}": {
      post: {
        operationId: "controlRollout",
        summary:
          "Approve or reject (after the canary, when approval was asked), pause, resume or cancel a running rollout",
        parameters: [
          rolloutId,
          { name: "action", in: "path", required: true, schema: { enum: [...CONTROL_ACTIONS] } },
        ],
        responses: {
          "202": ok("Sent to the rollout's saga", "RolloutActionAccepted"),
          ...errors({
            "400": BAD_ID,
            "404": "NOT_FOUND: no such rollout, or no such action",
            "409": "CONFLICT: the rollout has ended, or is not awaiting approval (approve/reject)",
          }),
        },
      },
    },
  };
}

function pinPaths() {
  return {
    "/claws/{name}/pin": {
      post: {
        operationId: "pinClaw",
        summary: `Keep a claw awake for up to ${MAX_PIN_HOURS} hours: the schedule does not park it until then; a parked claw is woken`,
        parameters: [nameParam, idempotencyKey],
        requestBody: { required: true, content: jsonContent("PinRequest") },
        responses: {
          "200": ok("Pinned (the claw was not parked)", "PinResult"),
          "202": ok("Pinned, and a wake saga started (wake names its operation)", "PinResult"),
          ...errors({
            ...BODY_REFUSALS,
            "400": `BAD_REQUEST: hours is not a number above 0 and at most ${MAX_PIN_HOURS}, or another field was sent`,
            "404": "CLAW_NOT_FOUND",
            "409": "CLAW_BUSY: the wake could not start, another operation holds the claw",
          }),
        },
      },
      delete: {
        operationId: "unpinClaw",
        summary: "Hand the claw back to its schedule",
        parameters: [nameParam],
        responses: {
          "204": { description: "Unpinned (also when it was not pinned)" },
          ...errors({ "400": BAD_NAME, "404": "CLAW_NOT_FOUND" }),
        },
      },
    },
  };
}

/** The fleet-wide paths, keyed as the document lists them. */
export function fleetPaths(): Record<string, unknown> {
  return { ...consolePaths(), ...rolloutPaths(), ...pinPaths() };
}
