/**
 * The synchronous commands: table writes only, no saga. They are deduplicated by requestId like
 * the others, so a retried createClaw answers with the claw it created instead of CLAW_EXISTS.
 */
import type { ClawCommand } from "../domain/commands";
import { applySpecPatch, clawSpecSchema } from "../domain/spec";
import { parseOrThrow } from "../domain/validation";
import type { ClawRecord } from "../state";
import { requireImageInGallery } from "./gallery";
import type { RequestRecord } from "./requests";
import type { CommandDeps, SyncApplied } from "./types";

export type SyncCommand = Extract<ClawCommand, { kind: "createClaw" | "updateSpec" }>;

export function isSyncCommand(cmd: ClawCommand): cmd is SyncCommand {
  return cmd.kind === "createClaw" || cmd.kind === "updateSpec";
}

/** Applies a synchronous command for a request this handler owns. */
export async function applySync(
  deps: CommandDeps,
  cmd: SyncCommand,
  request: RequestRecord,
): Promise<SyncApplied> {
  try {
    let record: ClawRecord;
    if (cmd.kind === "createClaw") {
      await requireImageInGallery(deps.gallery, cmd.spec.imageVersion, cmd.spec.region);
      record = await deps.state.claws.create(cmd.spec);
    } else {
      record = await deps.state.claws.update(cmd.claw, async (current) => {
        // The patched spec is checked whole again: the patch alone cannot see the rest.
        const spec = parseOrThrow(clawSpecSchema, applySpecPatch(current.spec, cmd.patch), "patched spec");
        if (spec.imageVersion !== current.spec.imageVersion || spec.region !== current.spec.region) {
          await requireImageInGallery(deps.gallery, spec.imageVersion, spec.region);
        }
        return { ...current, spec };
      });
    }
    await deps.requests.complete(request);
    return { accepted: true, kind: cmd.kind, claw: record.name, record, duplicate: false };
  } catch (e) {
    await deps.requests.release(request);
    throw e;
  }
}

/** The answer to a repeated synchronous request: the claw as it is now. */
export async function replaySync(deps: CommandDeps, cmd: SyncCommand, claw: string): Promise<SyncApplied> {
  const record = await deps.state.claws.require(claw);
  return { accepted: true, kind: cmd.kind, claw, record, duplicate: true };
}
