import { z } from "zod";
import { clawNameSchema, imageVersionSchema } from "./names";
import { clawSpecPatchSchema, clawSpecSchema } from "./spec";

export const CHANNELS = ["http", "queue", "telegram", "timer", "webhook"] as const;
export type Channel = (typeof CHANNELS)[number];

/** Request ids make commands idempotent; they also become parts of table keys, hence the charset. */
export const requestIdSchema = z
  .string()
  .min(1, "must not be empty")
  .max(128, "must be at most 128 characters")
  .regex(/^[A-Za-z0-9._:-]+$/, "may contain only letters, digits and . _ : -");

const envelope = {
  requestId: requestIdSchema,
  channel: z.enum(CHANNELS, { message: `must be one of ${CHANNELS.join(", ")}` }),
  /** Who asked: "telegram:12345", "http:<key name>", "timer:schedule", "webhook:bake". */
  principal: z.string().min(1, "must not be empty").max(256, "must be at most 256 characters"),
};

const onClaw = { ...envelope, claw: clawNameSchema };

/** Deploy or upgrade to a version older than the claw's: refused unless asked for explicitly. */
const allowDowngrade = z
  .boolean()
  .optional()
  .meta({ description: "Allow a version older than the claw's current one (refused otherwise)" });

export const deployCommandSchema = z.strictObject({ kind: z.literal("deploy"), ...onClaw, allowDowngrade });
export const upgradeCommandSchema = z.strictObject({
  kind: z.literal("upgrade"),
  ...onClaw,
  toVersion: imageVersionSchema,
  allowDowngrade,
  /** Stop the agent even when it is mid-task (no deferral). */
  force: z.boolean().optional(),
});
/** Re-deploys the claw's current image version with the current app layer (no re-bake). */
export const refreshCommandSchema = z.strictObject({ kind: z.literal("refresh"), ...onClaw });
export const parkCommandSchema = z.strictObject({
  kind: z.literal("park"),
  ...onClaw,
  /** Park even when the agent is mid-task (no deferral). */
  force: z.boolean().optional(),
});
export const wakeCommandSchema = z.strictObject({
  kind: z.literal("wake"),
  ...onClaw,
  /** Keep the claw awake (skip scheduled parking) for this many hours. */
  awakeHours: z.number().positive("must be more than 0").max(168, "must be at most 168 (a week)").optional(),
});
export const verifyCommandSchema = z.strictObject({ kind: z.literal("verify"), ...onClaw });
export const destroyCommandSchema = z.strictObject({
  kind: z.literal("destroy"),
  ...onClaw,
  /** Also delete the data disk (after a final snapshot). Never implied. */
  deleteDisk: z.boolean().optional(),
});
export const createClawCommandSchema = z.strictObject({
  kind: z.literal("createClaw"),
  ...envelope,
  spec: clawSpecSchema,
});
export const updateSpecCommandSchema = z.strictObject({
  kind: z.literal("updateSpec"),
  ...onClaw,
  patch: clawSpecPatchSchema,
});

/** Every command, from every channel; validated by this one schema. */
export const clawCommandSchema = z.discriminatedUnion("kind", [
  deployCommandSchema,
  upgradeCommandSchema,
  refreshCommandSchema,
  parkCommandSchema,
  wakeCommandSchema,
  verifyCommandSchema,
  destroyCommandSchema,
  createClawCommandSchema,
  updateSpecCommandSchema,
]);

export type ClawCommand = z.output<typeof clawCommandSchema>;
export type ClawCommandInput = z.input<typeof clawCommandSchema>;
export type CommandKind = ClawCommand["kind"];
export const COMMAND_KINDS = clawCommandSchema.options.map((o) => o.shape.kind.value) as CommandKind[];

/** Commands that run a saga (and so hold the claw's single running-operation slot). */
export type SagaCommand = Extract<
  ClawCommand,
  { kind: "deploy" | "upgrade" | "refresh" | "park" | "wake" | "verify" | "destroy" }
>;

/** The claw a command is about. */
export function commandClaw(cmd: ClawCommand): string {
  return cmd.kind === "createClaw" ? cmd.spec.name : cmd.claw;
}
