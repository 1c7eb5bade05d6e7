/**
 * Response shapes of the fleet, rollout, pin, audit, stats, secrets and logs routes, in zod so the
 * document renders them with the request schemas. Each is tied to the type its handler returns by
 * a compile-time check at the bottom (`Fits`): a field the code adds, renames or retypes fails the
 * typecheck until the schema follows; test/api/openapi-responses.test.ts checks real answers too.
 */
import { z } from "zod";
import type { FleetClawRow, FleetHours } from "../console";
import type { createClawSecretsService } from "../secrets/claw-secrets";
import type { PinResult } from "../fleet/pins";
import type { describeRollout, listRollouts } from "../fleet/rollouts";
import type { CheckResult } from "../health/checks";
import type { ClawLogs } from "../logs";
import type { AuditEntry, ClawRecord, PowerState, RolloutClawStatus, RolloutStatus } from "../state";
import { CHANNELS } from "../domain/commands";
import { scheduleSchema } from "../domain/schedule";
import { clawSpecSchema } from "../domain/spec";
import { LOG_SOURCES } from "../logs/claw-logs";
import { SAGA_NAMES } from "../sagas/claw";
import { CONTROL_ACTIONS } from "../sagas/fleet";

const text = z.string();
const time = z.string().meta({ description: "ISO 8601 UTC time" });

export const POWER_STATES = [
  "running",
  "starting",
  "stopping",
  "stopped",
  "deallocating",
  "deallocated",
  "absent",
  "unknown",
] as const satisfies readonly PowerState[];

export const clawSchema = z.strictObject({
  name: text,
  spec: clawSpecSchema,
  observed: z.strictObject({
    powerState: z.enum(POWER_STATES).optional(),
    imageVersion: text.optional(),
    vmId: text.optional(),
    vmName: text.optional().meta({ description: "The VM's ARM name (a standby's after a handoff upgrade)" }),
    osDiskId: text.optional(),
    nicId: text.optional(),
    publicIpId: text.optional(),
    diskId: text.optional(),
    publicIp: text.optional(),
    hostKeySha256: text.optional(),
    lastVerify: z
      .strictObject({
        at: time,
        ok: z.boolean(),
        total: z.number(),
        failed: z.array(text),
        imageVersion: text.optional(),
        runtimeVersion: text.optional(),
        updateVersion: text.optional(),
      })
      .optional(),
    delivered: z
      .strictObject({
        secrets: z.record(text, z.strictObject({ version: text, at: time })),
        accessPassword: z.strictObject({ version: text, at: time }).optional(),
        settingsAt: time.optional(),
      })
      .optional()
      .meta({ description: "Versions (never values) last delivered to the claw's data disk" }),
  }),
  runningOperationId: text.optional().meta({ description: "The saga holding the claw, if any" }),
  runningSince: time.optional().meta({ description: "When that saga's claim was taken" }),
  createdAt: time,
  updatedAt: time,
});

const sagaAcceptedSchema = z.strictObject({
  accepted: z.literal(true),
  kind: z.enum(Object.keys(SAGA_NAMES) as [keyof typeof SAGA_NAMES]),
  claw: text,
  operationId: text,
  statusPath: text.meta({ description: "GET this for the operation's progress" }),
  duplicate: z.boolean(),
});

export const fleetClawSchema = clawSchema.extend({
  schedule: scheduleSchema.meta({ description: "The effective schedule (the claw's or the fleet default)" }),
  next: z.strictObject({ action: z.enum(["park", "wake"]), at: time }).optional(),
  pinnedUntil: time.optional().meta({ description: "Pinned awake until then" }),
  operation: z
    .strictObject({
      id: text,
      kind: text,
      startedAt: time,
      step: text.optional(),
      stepStartedAt: time.optional(),
      deferredBySeconds: z.number().optional(),
    })
    .optional()
    .meta({ description: "The operation holding the claw, with its current step" }),
});

export const fleetViewSchema = z.strictObject({ claws: z.array(fleetClawSchema) });

export const fleetHoursSchema = z.strictObject({
  days: z.array(
    z.strictObject({
      day: text.meta({ description: "UTC day, YYYY-MM-DD" }),
      runningHours: z.number(),
      parkedHours: z.number(),
      savedCost: z.number(),
    }),
  ),
  totals: z.strictObject({
    runningHours: z.number(),
    parkedHours: z.number(),
    savedCost: z.number(),
    runningCost: z.number(),
  }),
  currency: text,
  unpricedSizes: z.array(text).meta({ description: "VM sizes without a price: hours count, cost does not" }),
});

export const auditEntrySchema = z.strictObject({
  at: time,
  channel: z.enum(CHANNELS),
  principal: text,
  kind: text.meta({ description: "The command's kind, or 'invalid' for input that was not a command" }),
  claw: text.optional(),
  requestId: text.optional(),
  command: z.unknown().meta({ description: "The command as received (never a secret value)" }),
  accepted: z.boolean(),
  reason: text.optional(),
  operationId: text.optional(),
});

export const auditListSchema = z.strictObject({ entries: z.array(auditEntrySchema) });

export const ROLLOUT_STATUSES = [
  "starting",
  "running",
  "awaiting-approval",
  "paused",
  "completed",
  "halted",
  "cancelled",
  "rejected",
  "timed-out",
  "failed",
] as const satisfies readonly RolloutStatus[];

const ROLLOUT_CLAW_STATUSES = [
  "pending",
  "running",
  "succeeded",
  "failed",
  "compensated",
  "skipped",
] as const satisfies readonly RolloutClawStatus[];

export const rolloutSchema = z.strictObject({
  id: text,
  version: text,
  status: z.enum(ROLLOUT_STATUSES),
  channel: z.enum(CHANNELS),
  principal: text,
  request: z.record(text, z.unknown()).meta({ description: "The validated request (RolloutRequest)" }),
  plan: z
    .strictObject({
      canary: z.array(text),
      batches: z.array(z.array(text)),
      excluded: z.array(z.strictObject({ claw: text, reason: text })),
    })
    .optional(),
  phase: text.optional().meta({ description: "What it is doing now" }),
  reason: text.optional().meta({ description: "Why it ended the way it did" }),
  digest: z.record(text, z.unknown()).optional(),
  createdAt: time,
  updatedAt: time,
  endedAt: time.optional(),
});

export const rolloutClawSchema = z.strictObject({
  claw: text,
  phase: text,
  status: z.enum(ROLLOUT_CLAW_STATUSES),
  operationId: text.optional(),
  detail: text.optional(),
  startedAt: time.optional(),
  endedAt: time.optional(),
});

export const rolloutDetailSchema = rolloutSchema.extend({ claws: z.array(rolloutClawSchema) });
export const rolloutListSchema = z.strictObject({ rollouts: z.array(rolloutSchema) });

/** Body of POST /rollouts' 202 (functions/http/rollouts.ts builds it from these fields). */
export const rolloutAcceptedSchema = z.strictObject({
  accepted: z.literal(true),
  rolloutId: text,
  version: text,
  statusPath: text.meta({ description: "GET this for the rollout's progress (also in Location)" }),
});
export type RolloutAcceptedBody = z.output<typeof rolloutAcceptedSchema>;

/** Body of POST /rollouts/{id}/{action}'s 202. */
export const rolloutActionAcceptedSchema = z.strictObject({
  accepted: z.literal(true),
  rolloutId: text,
  action: z.enum(CONTROL_ACTIONS),
  statusPath: text,
});
export type RolloutActionAcceptedBody = z.output<typeof rolloutActionAcceptedSchema>;

export const pinResultSchema = z.strictObject({
  claw: text,
  pinnedUntil: time,
  wake: sagaAcceptedSchema.optional().meta({ description: "The wake saga started: the claw was parked" }),
});

export const clawLogsSchema = z.strictObject({
  claw: text,
  source: z.enum(LOG_SOURCES),
  lines: z.array(text).meta({ description: "The last lines, secrets redacted" }),
  readAt: time,
});

const deliverySchema = z
  .discriminatedUnion("state", [
    z.strictObject({ state: z.literal("started"), operationId: text, statusPath: text }),
    z.strictObject({ state: z.literal("on-wake"), message: text }),
    z.strictObject({ state: z.literal("after-operation"), operationId: text.optional(), message: text }),
  ])
  .meta({
    description:
      "started: a verify operation delivers the change now; on-wake: the claw is parked or not deployed; after-operation: the claw is busy",
  });

const secretInfo = {
  key: text,
  scope: z.enum(["claw", "fleet"]).meta({ description: "claw: its own; fleet: inherited" }),
  version: text,
  updatedAt: time.optional(),
};

export const secretListSchema = z.strictObject({
  claw: text,
  secrets: z.array(
    z.strictObject({
      ...secretInfo,
      deliveredVersion: text.optional(),
      deliveredAt: time.optional(),
      onClaw: z.boolean().meta({ description: "The claw's disk holds this version" }),
    }),
  ),
  accessPassword: z
    .strictObject({ version: text, deliveredVersion: text.optional(), deliveredAt: time.optional() })
    .nullable(),
  allowedKeys: z.array(text),
});

export const secretPutResultSchema = z.strictObject({ claw: text, ...secretInfo, delivery: deliverySchema });
export const secretDeleteResultSchema = z.strictObject({ claw: text, key: text, delivery: deliverySchema });
export const accessPasswordSchema = z.strictObject({ claw: text, password: text, version: text });
export const accessPasswordRotatedSchema = z.strictObject({
  claw: text,
  version: text,
  updatedAt: time,
  delivery: deliverySchema,
});

/** GET /health (functions/http/health.ts). */
export const healthSchema = z.strictObject({
  status: z.literal("ok"),
  service: text,
  version: text,
  startedAt: time,
});
export type HealthBody = z.output<typeof healthSchema>;

/** GET /health/ready, 200 and 503 alike. */
export const readinessSchema = z.strictObject({
  status: z.enum(["ready", "not ready"]),
  failing: z.array(text).optional().meta({ description: "The failing dependencies' names" }),
  checks: z.array(
    z.strictObject({
      name: text.meta({ description: "The dependency, e.g. storage.tables, arm.fleetResourceGroup" }),
      ok: z.boolean(),
      durationMs: z.number(),
      detail: text.optional().meta({ description: "What the check found, or what failed and how to fix it" }),
    }),
  ),
});
export type ReadinessBody = z.output<typeof readinessSchema>;

/** Answers of the bake webhook (core/fleet/bake-webhook.ts), which has its own error shape. */
export const hookErrorSchema = z.strictObject({
  error: text.meta({
    description: "UNAUTHORIZED, BAD_REQUEST, PAYLOAD_TOO_LARGE, UNSUPPORTED_MEDIA_TYPE, INTERNAL",
  }),
  message: text.optional(),
});
export const bakeAcceptedSchema = z.strictObject({
  accepted: z.literal(true),
  version: text,
  instanceId: text.meta({ description: "The imageBaked saga registering the version" }),
});

// Compile-time drift checks: what each handler returns must be valid input of its documented
// schema, and carry no field the schema does not name (the strict schemas would refuse it).
type AllKeys<U> = U extends unknown ? keyof U : never;
type ValueAt<U, K extends PropertyKey> = U extends unknown ? (K extends keyof U ? U[K] : never) : never;
/** Paths of fields in T that U (any member of a union) does not have. */
type Extra<T, U, P extends string = ""> = T extends readonly (infer A)[]
  ? Extra<A, U extends readonly (infer B)[] ? B : never, `${P}[]`>
  : T extends object
    ? | `${P}.${Exclude<Extract<keyof T, string>, AllKeys<U>>}`
      | {
          [K in Extract<keyof T, string>]-?: Extra<
            NonNullable<T[K]>,
            NonNullable<ValueAt<U, K>>,
            `${P}.${K}`
          >;
        }[Extract<keyof T, string>]
    : never;
export type Fits<T, S extends z.ZodType> = [T] extends [z.input<S>]
  ? [Extra<T, z.input<S>>] extends [never]
    ? true
    : { undocumentedFields: Extra<T, z.input<S>> }
  : { doesNotFit: T };
export type Holds<T extends true> = T;
type Service = ReturnType<typeof createClawSecretsService>;
type Result<F extends (...a: never[]) => Promise<unknown>> = Awaited<ReturnType<F>>;
/** Never used at run time; exported so the compiler keeps (and checks) it. */
export type ResponseSchemaChecks = [
  Holds<Fits<Omit<ClawRecord, "etag">, typeof clawSchema>>,
  Holds<Fits<CheckResult, typeof readinessSchema.shape.checks.element>>,
  Holds<Fits<{ claws: FleetClawRow[] }, typeof fleetViewSchema>>,
  Holds<Fits<FleetHours, typeof fleetHoursSchema>>,
  Holds<Fits<{ entries: AuditEntry[] }, typeof auditListSchema>>,
  Holds<Fits<{ rollouts: Result<typeof listRollouts> }, typeof rolloutListSchema>>,
  Holds<Fits<Result<typeof describeRollout>, typeof rolloutDetailSchema>>,
  Holds<Fits<PinResult, typeof pinResultSchema>>,
  Holds<Fits<ClawLogs, typeof clawLogsSchema>>,
  Holds<Fits<Result<Service["list"]>, typeof secretListSchema>>,
  Holds<Fits<Result<Service["put"]>, typeof secretPutResultSchema>>,
  Holds<Fits<Result<Service["remove"]>, typeof secretDeleteResultSchema>>,
  Holds<Fits<Result<Service["readAccessPassword"]>, typeof accessPasswordSchema>>,
  Holds<Fits<Result<Service["rotateAccessPassword"]>, typeof accessPasswordRotatedSchema>>,
  // The enums above list every value of the types they mirror.
  Holds<Fits<PowerState, z.ZodEnum<{ [K in (typeof POWER_STATES)[number]]: K }>>>,
  Holds<Fits<RolloutStatus, z.ZodEnum<{ [K in (typeof ROLLOUT_STATUSES)[number]]: K }>>>,
  Holds<Fits<RolloutClawStatus, z.ZodEnum<{ [K in (typeof ROLLOUT_CLAW_STATUSES)[number]]: K }>>>,
];
