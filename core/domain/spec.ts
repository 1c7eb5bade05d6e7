import { z } from "zod";
import { clawNameSchema, imageVersionSchema, regionSchema, vmSizeSchema } from "./names";
import { scheduleSchema } from "./schedule";

/** Azure's tag limits: 50 tags per resource, names ≤512 and values ≤256 characters. */
export const TAG_LIMITS = { count: 50, keyLength: 512, valueLength: 256 } as const;

const tagKey = z
  .string()
  .min(1, "tag name must not be empty")
  .max(TAG_LIMITS.keyLength, `tag name must be at most ${TAG_LIMITS.keyLength} characters`)
  .regex(/^[^<>%&\\?/]+$/, "tag name must not contain < > % & \\ ? /");

export const tagsSchema = z
  .record(
    tagKey,
    z.string().max(TAG_LIMITS.valueLength, `must be at most ${TAG_LIMITS.valueLength} characters`),
  )
  .refine((t) => Object.keys(t).length <= TAG_LIMITS.count, `must have at most ${TAG_LIMITS.count} tags`);

/**
 * Fields a spec patch may change. Name and region are fixed at creation (the data disk lives in
 * the region); the image version changes only through `upgrade`.
 */
const mutableFields = {
  vmSize: vmSizeSchema,
  schedule: scheduleSchema.optional(),
  operatorTelegramId: z
    .string()
    .regex(/^\d{1,20}$/, "must be a Telegram user id (digits only)")
    .optional(),
  defaultModel: z
    .string()
    .min(1, "must not be empty")
    .max(200, "must be at most 200 characters")
    .regex(/^[A-Za-z0-9._:/@-]+$/, "must be a model id like 'anthropic/claude-sonnet-4'")
    .optional(),
  /** Size of the data disk when it is first created; an existing disk is never resized. */
  dataDiskSizeGb: z.number().int().min(4).max(32767).optional(),
};

/** The desired state of a claw; the one schema every channel validates with. */
export const clawSpecSchema = z.strictObject({
  name: clawNameSchema,
  region: regionSchema,
  ...mutableFields,
  imageVersion: imageVersionSchema,
  tags: tagsSchema.default({}),
});

export type ClawSpec = z.output<typeof clawSpecSchema>;
/** What callers may send (tags may be omitted). */
export type ClawSpecInput = z.input<typeof clawSpecSchema>;

/** A change to a claw's desired state (see `mutableFields` for what may change and why). */
export const clawSpecPatchSchema = z
  .strictObject({ ...mutableFields, tags: tagsSchema })
  .partial()
  .refine((p) => Object.keys(p).length > 0, "must change at least one field");

export type ClawSpecPatch = z.output<typeof clawSpecPatchSchema>;

/** Applies a validated patch (fields present in the patch replace the spec's). */
export function applySpecPatch(spec: ClawSpec, patch: ClawSpecPatch): ClawSpec {
  const next: ClawSpec = { ...spec };
  for (const [key, value] of Object.entries(patch)) {
    if (value !== undefined) (next as Record<string, unknown>)[key] = value;
  }
  return next;
}
