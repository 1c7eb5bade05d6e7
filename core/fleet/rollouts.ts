/**
 * Rollouts as the surfaces see them: create (validate, refuse a second active rollout, record),
 * the planning and bookkeeping activities of the rolloutFleet saga, and the read side.
 */
import type { Channel } from "../domain/commands";
import { parseOrThrow } from "../domain/validation";
import { ClawError } from "../errors";
import { newOperationId, type RolloutClawRecord, type RolloutRecord, type RolloutStatus } from "../state";
import { ACTIVE_ROLLOUT_STATUSES } from "../state/rollouts";
import type { FleetDigest } from "../notify/port";
import type { FleetDeps } from "./deps";
import { requireResourceId } from "../domain/ids";
import { planRollout, rolloutRequestSchema, type RolloutRequest } from "./rollout-plan";

/** Validates a rollout request and records it as "starting"; CONFLICT while another is active. */
export async function createRollout(
  deps: Pick<FleetDeps, "rollouts" | "state" | "now">,
  body: unknown,
  who: { channel: Channel; principal: string },
): Promise<RolloutRecord> {
  const request = parseOrThrow(rolloutRequestSchema, body, "rollout");
  const image = await deps.state.images.get(request.version);
  if (!image) throw new ClawError("IMAGE_NOT_FOUND", `image version ${request.version} is not registered`);
  if (image.state !== "Succeeded") {
    throw new ClawError(
      "IMAGE_NOT_READY",
      `image version ${request.version} is ${image.state}, not Succeeded`,
    );
  }
  const active = (await deps.rollouts.list({ limit: 20 })).find((r) =>
    ACTIVE_ROLLOUT_STATUSES.includes(r.status),
  );
  if (active) {
    throw new ClawError("CONFLICT", `rollout ${active.id} to ${active.version} is still ${active.status}`, {
      details: { rolloutId: active.id },
    });
  }
  return deps.rollouts.create({
    id: newOperationId(deps.now()),
    version: request.version,
    status: "starting",
    channel: who.channel,
    principal: who.principal,
    request: request as unknown as Record<string, unknown>,
  });
}

/** Activity: plans the rollout from the Claws table and records the plan. */
export async function planRolloutRun(deps: FleetDeps, input: { rolloutId: string }) {
  const r = await deps.rollouts.require(input.rolloutId);
  const request = parseOrThrow(rolloutRequestSchema, r.request, "stored rollout") as RolloutRequest;
  const claws = await deps.state.claws.list();
  const plan = planRollout(
    request,
    claws.map((c) => ({
      name: c.name,
      imageVersion: c.observed.imageVersion ?? c.spec.imageVersion,
      powerState: c.observed.powerState,
      exists: Boolean(c.observed.vmId ?? c.observed.nicId) && c.observed.powerState !== "absent",
    })),
  );
  await deps.rollouts.update(r.id, (c) => ({ ...c, plan, status: "running" }));
  for (const [phase, names] of [
    ["canary", plan.canary] as const,
    ...plan.batches.map((b, i) => [`batch ${i + 1}`, b] as const),
  ]) {
    for (const claw of names) await deps.rollouts.setClaw(r.id, { claw, phase, status: "pending" });
  }
  for (const x of plan.excluded) {
    await deps.rollouts.setClaw(r.id, {
      claw: x.claw,
      phase: "excluded",
      status: "skipped",
      detail: x.reason,
    });
  }
  return {
    kind: request.kind,
    version: request.version,
    ...plan,
    soakMinutes: request.soakMinutes,
    maxUnhealthy: request.maxUnhealthy,
    approval: request.approval,
    approvalTimeoutMinutes: request.approvalTimeoutMinutes,
    // Each upgrade in flight holds a standby VM: never more at once than the quota leaves room for.
    maxParallel: Math.min(
      request.maxParallel ?? Number.MAX_SAFE_INTEGER,
      deps.settings.upgradeExtraVms,
      Math.max(1, plan.canary.length, ...plan.batches.map((b) => b.length)),
    ),
  };
}

/** Activity: rollout status/phase and one claw's progress. */
export async function recordRollout(
  deps: FleetDeps,
  input: { rolloutId: string; status?: RolloutStatus; phase?: string; claw?: RolloutClawRecord },
): Promise<null> {
  const at = deps.now().toISOString();
  if (input.claw) {
    const c = input.claw;
    const times = c.status === "running" ? { startedAt: at } : c.status === "pending" ? {} : { endedAt: at };
    await deps.rollouts.setClaw(input.rolloutId, { ...c, ...times });
  }
  if (input.status || input.phase) {
    await deps.rollouts.update(input.rolloutId, (r) => ({
      ...r,
      ...(input.status ? { status: input.status } : {}),
      ...(input.phase ? { phase: input.phase } : {}),
    }));
  }
  return null;
}

/** Activity: the rollout's ending and digest; operators are told. */
export async function finishRollout(
  deps: FleetDeps,
  input: {
    rolloutId: string;
    status: RolloutStatus;
    reason: string;
    digest: FleetDigest;
    control?: unknown[];
  },
): Promise<null> {
  const r = await deps.rollouts.update(input.rolloutId, (c) => ({
    ...c,
    status: input.status,
    reason: input.reason,
    phase: "ended",
    digest: { ...input.digest, control: input.control ?? [] },
    endedAt: deps.now().toISOString(),
  }));
  await deps.notify
    .notify({
      kind: "rollout-ended",
      rolloutId: r.id,
      version: r.version,
      status: r.status,
      digest: input.digest,
    })
    .catch((e: unknown) => deps.log("warn", `notifying the end of rollout ${r.id} failed: ${String(e)}`));
  return null;
}

/** A rollout with its per-claw progress, as GET shows it. */
export async function describeRollout(deps: Pick<FleetDeps, "rollouts">, id: string) {
  const r = await deps.rollouts.require(requireResourceId(id, "rollout id"));
  const { etag: _etag, ...view } = r;
  return { ...view, claws: await deps.rollouts.listClaws(id) };
}

export async function listRollouts(deps: Pick<FleetDeps, "rollouts">, limit = 50) {
  return (await deps.rollouts.list({ limit })).map(({ etag: _etag, ...v }) => v);
}
