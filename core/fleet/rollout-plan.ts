/**
 * Rollout requests and plans. Small fleets are the common case, so the canary and the failure
 * threshold are absolute counts (a canary of 1, halt after N failures); batches may be a count or
 * a percentage of the claws left after the canary.
 */
import { echo } from "../domain/ids";
import { z } from "zod";
import { clawNameSchema, imageVersionSchema } from "../domain/names";
import { ClawError } from "../errors";

export const PARKED_POLICIES = ["upgrade", "skip"] as const;

export const ROLLOUT_KINDS = ["upgrade", "refresh"] as const;

export const rolloutRequestSchema = z
  .strictObject({
    /**
     * upgrade: move claws to `version`. refresh: give the claws that run `version` a fresh VM of it
     * with the current app layer and runtime (no re-bake).
     */
    kind: z.enum(ROLLOUT_KINDS).default("upgrade"),
    version: imageVersionSchema,
    /** Canary claws by name, or the first N claws (by name) as a count. */
    canary: z
      .union([
        z
          .array(clawNameSchema)
          .min(1, "must name at least one claw")
          .max(1000, "must name at most 1000 claws"),
        z.number().int().min(0).max(1000),
      ])
      .default(1),
    batchSize: z.number().int().min(1, "must be at least 1").max(1000).optional(),
    batchPercent: z.number().min(1, "must be at least 1").max(100, "must be at most 100").optional(),
    /** Wait between batches (and after the canary), in minutes. */
    soakMinutes: z
      .number()
      .min(0)
      .max(24 * 60)
      .default(10),
    /** More failed claws than this halts the rollout (0: the first failure halts). */
    maxUnhealthy: z.number().int().min(0).max(1000).default(0),
    /** Wait for an approval after the canary; `approvalTimeoutMinutes` later it cancels. */
    approval: z.boolean().default(false),
    approvalTimeoutMinutes: z
      .number()
      .min(1)
      .max(7 * 24 * 60)
      .default(24 * 60),
    /** Claws upgraded at once inside a batch (default: the whole batch). */
    maxParallel: z.number().int().min(1).max(1000).optional(),
    /** Parked claws: upgraded and left parked (default), or skipped. */
    parked: z.enum(PARKED_POLICIES).default("upgrade"),
    /** Only these claws (default: every claw). */
    claws: z.array(clawNameSchema).min(1).max(1000, "must name at most 1000 claws").optional(),
  })
  .refine((r) => !(r.batchSize !== undefined && r.batchPercent !== undefined), {
    message: "give batchSize or batchPercent, not both",
    path: ["batchPercent"],
  });

export type RolloutRequest = z.output<typeof rolloutRequestSchema>;
export type RolloutRequestInput = z.input<typeof rolloutRequestSchema>;

/** A claw the rollout may touch, with what decides whether it is skipped. */
export interface RolloutCandidate {
  name: string;
  imageVersion?: string;
  powerState?: string;
  exists: boolean;
}

export interface RolloutPlan {
  canary: string[];
  batches: string[][];
  /** Claws left out before starting, and why. */
  excluded: { claw: string; reason: string }[];
}

const PARKED = new Set(["deallocated", "stopped"]);

/** Orders the claws, leaves out those that need nothing, and cuts canary and batches. */
export function planRollout(request: RolloutRequest, candidates: RolloutCandidate[]): RolloutPlan {
  const excluded: RolloutPlan["excluded"] = [];
  const known = new Map(candidates.map((c) => [c.name, c]));
  for (const name of [...(request.claws ?? []), ...(Array.isArray(request.canary) ? request.canary : [])]) {
    if (!known.has(name)) throw new ClawError("CLAW_NOT_FOUND", `no claw named '${echo(name)}'`);
  }
  const pool = [...candidates]
    .filter((c) => !request.claws || request.claws.includes(c.name))
    .sort((a, b) => a.name.localeCompare(b.name))
    .filter((c) => {
      const reason = !c.exists
        ? "has no VM"
        : request.kind === "upgrade" && c.imageVersion === request.version
          ? `already on ${request.version}`
          : request.kind === "refresh" && c.imageVersion !== request.version
            ? `runs ${c.imageVersion ?? "no version"}, not ${request.version}`
            : request.parked === "skip" && PARKED.has(c.powerState ?? "")
              ? "parked (policy: skip parked claws)"
              : undefined;
      if (reason) excluded.push({ claw: c.name, reason });
      return reason === undefined;
    })
    .map((c) => c.name);

  const canary = Array.isArray(request.canary)
    ? pool.filter((n) => (request.canary as string[]).includes(n))
    : pool.slice(0, request.canary);
  const rest = pool.filter((n) => !canary.includes(n));
  const size =
    request.batchSize ??
    (request.batchPercent !== undefined
      ? Math.max(1, Math.ceil((rest.length * request.batchPercent) / 100))
      : Math.max(1, rest.length));
  const batches: string[][] = [];
  for (let i = 0; i < rest.length; i += size) batches.push(rest.slice(i, i + size));
  return { canary, batches, excluded };
}
