/**
 * The schemas the OpenAPI document publishes. Request bodies are the very zod schemas every channel
 * validates with; response shapes are described here in zod too, so one generator renders both.
 */
import { z } from "zod";
import {
  CHANNELS,
  clawCommandSchema,
  deployCommandSchema,
  parkCommandSchema,
  upgradeCommandSchema,
  wakeCommandSchema,
} from "../domain/commands";
import type { GalleryImageView, OperationView } from "../commands";
import { clawSpecPatchSchema, clawSpecSchema } from "../domain/spec";
import { bakeDeliverySchema } from "../fleet/bake-delivery";
import { pinRequestSchema } from "../fleet/pin-request";
import { rolloutRequestSchema } from "../fleet/rollout-plan";
import { secretPutBodySchema } from "../secrets/secret-body";
import {
  accessPasswordRotatedSchema,
  accessPasswordSchema,
  auditEntrySchema,
  auditListSchema,
  bakeAcceptedSchema,
  clawLogsSchema,
  clawSchema,
  fleetClawSchema,
  fleetHoursSchema,
  fleetViewSchema,
  healthSchema,
  hookErrorSchema,
  pinResultSchema,
  readinessSchema,
  rolloutAcceptedSchema,
  rolloutActionAcceptedSchema,
  rolloutClawSchema,
  rolloutDetailSchema,
  rolloutListSchema,
  rolloutSchema,
  secretDeleteResultSchema,
  secretListSchema,
  secretPutResultSchema,
  type Fits,
  type Holds,
} from "./responses";

const text = z.string();

export const errorSchema = z.strictObject({
  error: z.strictObject({
    code: text.meta({ description: "Typed error code, e.g. CLAW_NOT_FOUND, CLAW_BUSY, BAD_REQUEST" }),
    message: text.meta({ description: "What went wrong and what to fix" }),
    operationId: text.optional().meta({ description: "CLAW_BUSY: the operation holding the claw" }),
  }),
});

export const acceptedSchema = z.strictObject({
  operationId: text,
  status: z.enum(["running", "succeeded", "failed", "compensated"]),
  statusUrl: text.meta({ description: "GET this for progress (also in the Location header)" }),
  kind: text,
  claw: text,
  duplicate: z.boolean().meta({ description: "The Idempotency-Key was seen before: no second saga" }),
});

const stepSchema = z.strictObject({
  name: text,
  startedAt: text,
  endedAt: text.optional(),
  ok: z.boolean().optional(),
  detail: text.optional(),
});

export const operationSchema = z.strictObject({
  id: text,
  kind: text,
  claw: text,
  channel: z.enum(CHANNELS),
  principal: text,
  requestId: text.optional(),
  status: z.enum(["running", "succeeded", "failed", "compensated"]),
  startedAt: text,
  endedAt: text.optional(),
  steps: z.array(stepSchema),
  error: z.strictObject({ code: text, message: text, step: text.optional() }).optional(),
  compensation: z
    .strictObject({ summary: text, steps: z.array(stepSchema), restored: z.record(text, text).optional() })
    .optional(),
  details: z.record(text, z.unknown()).optional(),
  live: z
    .strictObject({ runtimeStatus: text, customStatus: z.unknown().optional() })
    .optional()
    .meta({ description: "The running saga's live status (its current step)" }),
});

export const imageSchema = z.strictObject({
  version: text,
  inGallery: z.boolean().optional().meta({
    description: "In the gallery; false: only registered by the bake webhook; absent: no gallery configured",
  }),
  provisioningState: text.optional(),
  regions: z.array(text).meta({ description: "Regions the version is replicated to" }),
  clawRegions: z
    .array(text)
    .meta({ description: "Regions of claws (and the fleet default) it is usable in" }),
  registered: z.boolean().meta({ description: "Registered by the bake webhook" }),
  registeredAt: text.optional(),
  bake: z.record(text, z.union([text, z.number(), z.boolean()])).optional(),
});

/** What each read handler returns fits its documented schema (see responses.ts). */
export type ReadSchemaChecks = [
  Holds<Fits<OperationView, typeof operationSchema>>,
  Holds<Fits<GalleryImageView, typeof imageSchema>>,
];

/** Named component schemas, in the order the document lists them. */
export const COMPONENT_SCHEMAS = {
  ClawSpec: clawSpecSchema,
  ClawSpecPatch: clawSpecPatchSchema,
  DeployBody: deployCommandSchema.pick({ allowDowngrade: true }),
  UpgradeBody: upgradeCommandSchema.pick({ toVersion: true, allowDowngrade: true, force: true }),
  ParkBody: parkCommandSchema.pick({ force: true }),
  WakeBody: wakeCommandSchema.pick({ awakeHours: true }),
  PinRequest: pinRequestSchema,
  RolloutRequest: rolloutRequestSchema,
  SecretValue: secretPutBodySchema,
  BakeDelivery: bakeDeliverySchema,
  ClawCommand: clawCommandSchema,
  Claw: clawSchema,
  ClawList: z.strictObject({ claws: z.array(clawSchema) }),
  FleetClaw: fleetClawSchema,
  FleetView: fleetViewSchema,
  FleetHours: fleetHoursSchema,
  AuditEntry: auditEntrySchema,
  AuditList: auditListSchema,
  PinResult: pinResultSchema,
  Rollout: rolloutSchema,
  RolloutClaw: rolloutClawSchema,
  RolloutDetail: rolloutDetailSchema,
  RolloutList: rolloutListSchema,
  RolloutAccepted: rolloutAcceptedSchema,
  RolloutActionAccepted: rolloutActionAcceptedSchema,
  ClawLogs: clawLogsSchema,
  SecretList: secretListSchema,
  SecretPutResult: secretPutResultSchema,
  SecretDeleteResult: secretDeleteResultSchema,
  AccessPassword: accessPasswordSchema,
  AccessPasswordRotated: accessPasswordRotatedSchema,
  Operation: operationSchema,
  OperationList: z.strictObject({ operations: z.array(operationSchema) }),
  Image: imageSchema,
  ImageList: z.strictObject({ images: z.array(imageSchema) }),
  Accepted: acceptedSchema,
  Error: errorSchema,
  Health: healthSchema,
  Readiness: readinessSchema,
  BakeAccepted: bakeAcceptedSchema,
  HookError: hookErrorSchema,
} as const;

/** JSON Schemas (2020-12, as OpenAPI 3.1 uses) of the components, cross-referenced by $ref. */
export function componentJsonSchemas(): Record<string, unknown> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(COMPONENT_SCHEMAS)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, {
    io: "input",
    unrepresentable: "any",
    uri: (id) => `#/components/schemas/${id}`,
  });
  const out: Record<string, unknown> = {};
  for (const [id, schema] of Object.entries(schemas)) {
    // The registry names each schema by `$id`; in 2020-12 an `$id` may not be a fragment, and the
    // document names components by their key, so neither it nor the dialect is kept.
    const { $schema: _dialect, $id: _id, ...rest } = schema as Record<string, unknown>;
    out[id] = rest;
  }
  return out;
}
