/**
 * Rollout commands from the surfaces (HTTP now, the chat bot later): start a rollout saga, and send
 * approve / reject / pause / resume / cancel to a running one. Every command is audited.
 */
import type { Channel } from "../domain/commands";
import { echo, requireResourceId } from "../domain/ids";
import { ClawError, isClawError } from "../errors";
import {
  CONTROL_ACTIONS,
  CONTROL_EVENT,
  FLEET_SAGA_NAMES,
  rolloutInstanceId,
  type ControlEvent,
  type RolloutInput,
} from "../sagas";
import { ACTIVE_ROLLOUT_STATUSES, type RolloutRecord } from "../state/rollouts";
import type { FleetDeps } from "./deps";
import { createRollout } from "./rollouts";
import { traceSagaStart } from "../telemetry";

/** The part of the durable client rollouts need. */
export interface RolloutClient {
  startNew(name: string, options: { instanceId: string; input: unknown }): Promise<string>;
  raiseEvent(instanceId: string, eventName: string, eventData: unknown): Promise<void>;
}

export interface Who {
  channel: Channel;
  principal: string;
}

async function audit(
  deps: Pick<FleetDeps, "state" | "log">,
  who: Who,
  kind: string,
  command: unknown,
  accepted: boolean,
  reason?: string,
) {
  await deps.state.audit
    .record({
      channel: who.channel,
      principal: who.principal,
      kind,
      command,
      accepted,
      ...(reason ? { reason } : {}),
    })
    .catch((e: unknown) => deps.log("error", `auditing ${kind} failed: ${String(e)}`));
}

/** Creates and starts a rollout; refusals (BAD_REQUEST, CONFLICT, IMAGE_*) are audited and thrown. */
export async function startRollout(
  deps: Pick<FleetDeps, "rollouts" | "state" | "now" | "log">,
  client: RolloutClient,
  body: unknown,
  who: Who,
): Promise<RolloutRecord> {
  let r: RolloutRecord;
  try {
    r = await createRollout(deps, body, who);
  } catch (e) {
    await audit(
      deps,
      who,
      "rollout",
      body,
      false,
      isClawError(e) ? `${e.code}: ${e.message}` : "internal error",
    );
    throw e;
  }
  try {
    const instanceId = rolloutInstanceId(r.id);
    const input: RolloutInput = { rolloutId: r.id, channel: who.channel, principal: who.principal };
    await traceSagaStart(
      FLEET_SAGA_NAMES.rollout,
      undefined,
      { "openclawps.rollout_id": r.id },
      () => client.startNew(FLEET_SAGA_NAMES.rollout, { instanceId, input }),
      instanceId,
    );
  } catch (e) {
    await deps.rollouts.update(r.id, (c) => ({
      ...c,
      status: "failed",
      reason: "the saga could not be started",
      endedAt: deps.now().toISOString(),
    }));
    await audit(deps, who, "rollout", body, false, "the saga could not be started");
    throw new ClawError("INTERNAL", "the rollout could not be started; try again", {
      retryable: true,
      details: { cause: String(e).slice(0, 200) },
    });
  }
  await audit(deps, who, "rollout", { ...(r.request as object), rolloutId: r.id }, true);
  return r;
}

/** Sends a control action to a running rollout; CONFLICT when it cannot take it now. */
export async function controlRollout(
  deps: Pick<FleetDeps, "rollouts" | "state" | "log">,
  client: RolloutClient,
  id: string,
  action: string,
  who: Who,
): Promise<RolloutRecord> {
  // What is audited of the request: an id too long or malformed is cut (it is refused below).
  const command = { rolloutId: echo(id), action: echo(action) };
  try {
    if (!(CONTROL_ACTIONS as readonly string[]).includes(action)) {
      throw new ClawError(
        "NOT_FOUND",
        `no rollout action '${action.slice(0, 40)}'; use one of ${CONTROL_ACTIONS.join(", ")}`,
      );
    }
    const r = await deps.rollouts.require(requireResourceId(id, "rollout id"));
    if (!ACTIVE_ROLLOUT_STATUSES.includes(r.status)) {
      throw new ClawError("CONFLICT", `rollout ${id} is ${r.status}; it takes no more commands`);
    }
    if ((action === "approve" || action === "reject") && r.status !== "awaiting-approval") {
      throw new ClawError("CONFLICT", `rollout ${id} is ${r.status}, not awaiting approval`);
    }
    const event: ControlEvent & { at: string } = {
      action: action as ControlEvent["action"],
      by: who.principal,
      at: new Date().toISOString(),
    };
    await client.raiseEvent(rolloutInstanceId(id), CONTROL_EVENT, event);
    await audit(deps, who, `rollout-${action}`, command, true);
    return r;
  } catch (e) {
    await audit(
      deps,
      who,
      `rollout-${action.slice(0, 20)}`,
      command,
      false,
      isClawError(e) ? `${e.code}: ${e.message}` : "internal error",
    );
    throw e;
  }
}
