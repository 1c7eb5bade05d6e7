/**
 * What triggers and the claw sagas agree on: saga function names, their input, and the per-claw
 * singleton instance id. Command handlers (core/commands) start sagas with these; nothing else.
 */
import type { Channel } from "../domain/commands";

export const SAGA_NAMES = {
  deploy: "deployClaw",
  upgrade: "upgradeClaw",
  refresh: "refreshClaw",
  park: "parkClaw",
  wake: "wakeClaw",
  verify: "verifyClaw",
  destroy: "destroyClaw",
} as const;

export type SagaKind = keyof typeof SAGA_NAMES;

export interface SagaInput {
  /** Operations row id, created by the command handler before the saga starts. */
  operationId: string;
  claw: string;
  requestId: string;
  channel: Channel;
  principal: string;
  /**
   * upgrade: target version; wake: awakeHours; destroy: deleteDisk; deploy: optional version;
   * deploy and upgrade: allowDowngrade (as the command gave it; a downgrade is refused without it);
   * park/upgrade: force (no deferral while the agent is mid-task).
   */
  params: {
    toVersion?: string;
    allowDowngrade?: boolean;
    imageVersion?: string;
    awakeHours?: number;
    deleteDisk?: boolean;
    /** park/upgrade: stop the agent even when it is mid-task (no deferral). */
    force?: boolean;
  };
}

/** One saga per claw at a time: every claw saga runs under this instance id. */
export function clawInstanceId(claw: string): string {
  return `claw-${claw}`;
}

/** What sagas publish as custom status, so GET /operations/{id} can show live progress. */
export interface SagaProgress {
  operationId: string;
  step: string;
  detail?: string;
}
