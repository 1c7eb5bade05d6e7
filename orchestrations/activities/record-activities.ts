/**
 * The claw's records: the snapshot a saga starts from, and the operation's end (the claw's slot
 * freed). Both only read and write tables.
 */
import { clawResourceNames } from "../../core/domain/naming";
import type { ClawSpec } from "../../core/domain/spec";
import { ClawError } from "../../core/errors";
import type { ActivityDeps } from "./ports";
import type { StepInput } from "./step";

export interface ClawSnapshot {
  name: string;
  spec: ClawSpec;
  imageVersion?: string;
  powerState?: string;
  publicIp?: string;
  hostKeySha256?: string;
  diskId?: string;
  diskName: string;
  nicId?: string;
  publicIpId?: string;
  /** ARM name of the claw's VM (the claw's name until a handoff made a standby the claw). */
  vmName: string;
  upgradeStrategy: "handoff" | "replace";
}

/** ARM name of the claw's VM. */
export function vmNameOf(c: { name: string; observed: { vmName?: string } }): string {
  return c.observed.vmName ?? c.name;
}

export function createRecordActivities(deps: ActivityDeps) {
  const ops = deps.state.operations;
  const claws = deps.state.claws;

  async function loadClaw(input: StepInput): Promise<ClawSnapshot> {
    const c = await claws.require(input.claw);
    const names = clawResourceNames(c.name);
    return {
      name: c.name,
      spec: c.spec,
      imageVersion: c.observed.imageVersion,
      powerState: c.observed.powerState,
      publicIp: c.observed.publicIp,
      hostKeySha256: c.observed.hostKeySha256,
      diskId: c.observed.diskId,
      diskName: c.observed.diskId ? (c.observed.diskId.split("/").pop() ?? names.dataDisk) : names.dataDisk,
      nicId: c.observed.nicId,
      publicIpId: c.observed.publicIpId,
      vmName: vmNameOf(c),
      upgradeStrategy: deps.upgradeStrategy,
    };
  }

  /** Ends the operation and frees the claw's slot; safe to repeat. */
  async function finishOperation(
    input: StepInput & {
      status: "succeeded" | "failed" | "compensated";
      error?: { code: string; message: string; step?: string };
      compensation?: { summary: string; restored?: Record<string, string> };
      details?: Record<string, unknown>;
    },
  ) {
    const current = await ops.get(input.op);
    if (current && current.status === "running") {
      await ops.finish(input.op, {
        status: input.status,
        error: input.error,
        compensation: input.compensation ? { ...input.compensation, steps: [] } : undefined,
        details: input.details,
      });
    }
    await claws.releaseOperation(input.claw, input.op).catch((e) => {
      if (!(e instanceof ClawError && e.code === "CLAW_NOT_FOUND")) throw e;
    });
    return null;
  }

  return { loadClaw, finishOperation };
}
