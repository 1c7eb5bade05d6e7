/**
 * imageBaked: what a verified bake webhook starts. Registers the version (the gallery must hold it
 * and have finished it; replication still running is waited for), then acts by ROLLOUT_POLICY:
 *   record           — nothing more;
 *   canary-approval  — a rollout whose canary waits for an operator's approval;
 *   automatic        — a rollout without the gate.
 */
import * as df from "durable-functions";
import type { OrchestrationContext, Task } from "durable-functions";
import type { RolloutPolicy } from "../core/fleet/deps";
import { RECORD_RETRY, failureOf, retry } from "./saga-kit";
import { FLEET_SAGA_NAMES, rolloutInstanceId, type ImageBakedInput } from "../core/sagas";
import { activityCalls } from "./activity-calls";
import type { SagaActivities } from "./activities/types";

/** Gallery replication can take many minutes after the bake reports success. */
const GALLERY_RETRY = retry(60_000, 20, 1.5, 600_000);

export function* imageBaked(ctx: OrchestrationContext): Generator<Task, unknown, unknown> {
  const act = activityCalls<SagaActivities>(ctx);
  const input = ctx.df.getInput<ImageBakedInput>();
  let policy: RolloutPolicy;
  try {
    const reg = (yield* act.registerBakedImage(
      {
        version: input.version,
        bake: input.bake,
      },
      GALLERY_RETRY,
    )) as { policy: RolloutPolicy };
    policy = reg.policy;
  } catch (e) {
    const f = failureOf(e);
    return { status: "failed", error: f };
  }
  if (policy === "record") {
    yield* act.notifyFleet(
      {
        kind: "image-registered",
        version: input.version,
        policy,
      },
      RECORD_RETRY,
    );
    return { status: "registered", policy };
  }
  const r = (yield* act.createRolloutForImage(
    {
      version: input.version,
      approval: policy === "canary-approval",
    },
    RECORD_RETRY,
  )) as { rolloutId?: string; refused?: string };
  yield* act.notifyFleet(
    {
      kind: "image-registered",
      version: input.version,
      policy: r.refused ? `${policy} (no rollout: ${r.refused})` : policy,
      ...(r.rolloutId ? { rolloutId: r.rolloutId } : {}),
    },
    RECORD_RETRY,
  );
  if (!r.rolloutId) return { status: "registered", policy, refused: r.refused };
  const out: unknown = yield ctx.df.callSubOrchestrator(
    FLEET_SAGA_NAMES.rollout,
    { rolloutId: r.rolloutId, channel: "webhook", principal: "webhook:bake" },
    rolloutInstanceId(r.rolloutId),
  );
  return { status: "registered", policy, rolloutId: r.rolloutId, rollout: out };
}

df.app.orchestration("imageBaked", imageBaked);
