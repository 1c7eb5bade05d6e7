/**
 * POST /api/v1/claws/{name}/pin {hours}: keep a claw awake for that long (wakes it if parked);
 * DELETE /api/v1/claws/{name}/pin: hand it back to its schedule.
 */
import { app } from "@azure/functions";
import * as df from "durable-functions";
import { appRoot } from "../../core/app";
import { pinClaw, unpinClaw } from "../../core/fleet/pins";
import { clawParam } from "./claws";
import { productionDeps, route } from "./deps";
import { envelopeOf, readObjectBody } from "./request";
import { json } from "./respond";

export const clawPin = route("clawPin", async (req, context) => {
  const claw = clawParam(req);
  const body = await readObjectBody(req, "the pin", true);
  const fleet = (await appRoot().fleet()).fleet;
  const r = await pinClaw({ ...productionDeps(context), fleet }, claw, body, envelopeOf(req));
  return json(r.wake ? 202 : 200, r);
});

export const clawUnpin = route("clawUnpin", async (req) => {
  const claw = clawParam(req);
  const d = await appRoot().fleet();
  const e = envelopeOf(req);
  await unpinClaw(d, claw, { channel: e.channel, principal: e.principal });
  return { status: 204 };
});

app.http("clawPin", {
  route: "v1/claws/{name}/pin",
  methods: ["POST"],
  authLevel: "function",
  extraInputs: [df.input.durableClient()],
  handler: clawPin,
});
app.http("clawUnpin", {
  route: "v1/claws/{name}/pin",
  methods: ["DELETE"],
  authLevel: "function",
  handler: clawUnpin,
});
