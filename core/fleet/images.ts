/**
 * Activities of the imageBaked saga: register the baked version after checking the gallery, and
 * open a rollout for it when the fleet's rollout policy says so.
 */
import { ClawError, isClawError } from "../errors";
import type { FleetDeps, RolloutPolicy } from "./deps";
import { createRollout } from "./rollouts";

/** Activity: the gallery must hold the version and have finished it; then it goes into Images. */
export async function registerBakedImage(
  deps: FleetDeps,
  input: { version: string; bake: Record<string, string> },
): Promise<{ version: string; regions: string[]; policy: RolloutPolicy }> {
  const v = await deps.azure.getImageVersion(input.version);
  if (!v) throw new ClawError("IMAGE_NOT_FOUND", `image version ${input.version} is not in the gallery`);
  if (v.provisioningState === "Creating" || v.provisioningState === "Updating") {
    // Replication can lag the bake's own success: the saga's retry asks again later.
    throw new ClawError("IMAGE_NOT_READY", `image version ${input.version} is still ${v.provisioningState}`, {
      retryable: true,
    });
  }
  if (v.provisioningState !== "Succeeded") {
    throw new ClawError(
      "IMAGE_NOT_READY",
      `image version ${input.version} is ${v.provisioningState}, not Succeeded`,
    );
  }
  await deps.state.images.upsert({
    version: v.version,
    state: "Succeeded",
    regions: v.regions,
    bake: input.bake,
  });
  return { version: v.version, regions: v.regions, policy: deps.settings.rolloutPolicy };
}

/** The rollout a bake starts: a canary of one, then quarters, one failure tolerated. */
export const BAKE_ROLLOUT_DEFAULTS = {
  canary: 1,
  batchPercent: 25,
  soakMinutes: 10,
  maxUnhealthy: 1,
} as const;

/** Activity: records a rollout for the baked version; a refusal (another rollout active) is answered, not thrown. */
export async function createRolloutForImage(
  deps: FleetDeps,
  input: { version: string; approval: boolean },
): Promise<{ rolloutId?: string; refused?: string }> {
  try {
    const r = await createRollout(
      deps,
      { version: input.version, ...BAKE_ROLLOUT_DEFAULTS, approval: input.approval },
      { channel: "webhook", principal: "webhook:bake" },
    );
    return { rolloutId: r.id };
  } catch (e) {
    if (isClawError(e) && !e.retryable) return { refused: `${e.code}: ${e.message}` };
    throw e;
  }
}
