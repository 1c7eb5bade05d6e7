/**
 * Asking the agent whether it is mid-task before a park or an upgrade stops it (see
 * orchestrations/defer-while-busy.ts for the waiting, which happens in the saga on durable timers).
 * askAgentBusy runs runtime/lifecycle/agent-status.sh over SSH; it never throws for an agent that
 * cannot be asked (no VM running, SSH down): it answers `known: false` and the saga proceeds.
 */
import { asStep, errorText, type StepInput } from "./step";
import type { ActivityDeps } from "./ports";
import { numberSetting } from "../../core/settings";

export const AGENT_STATUS_COMMAND = `bash -c '"\${CLAW_OPT:-/opt/claw}/lifecycle/agent-status.sh"'`;

export interface BusySettings {
  /** The longest a park or upgrade waits for a busy agent (AGENT_BUSY_MAX_DEFER_MINUTES). */
  maxDeferSeconds: number;
  /** How often a busy agent is asked again (AGENT_BUSY_POLL_SECONDS). */
  pollSeconds: number;
}

/** The answer, with the policy the saga applies (activities read settings; orchestrators cannot). */
export interface AgentBusyAnswer extends BusySettings {
  busy: boolean;
  /** False when the agent could not be asked (then busy is false). */
  known: boolean;
  detail: string;
}

export interface RecordDeferralInput extends StepInput {
  deferredBySeconds: number;
  asked: number;
  boundReached: boolean;
  detail: string;
}

/** AGENT_BUSY_MAX_DEFER_MINUTES (default 30; 0 = never wait) and AGENT_BUSY_POLL_SECONDS (default 60). */
export function busySettingsFrom(env: Record<string, string | undefined> = process.env): BusySettings {
  return {
    maxDeferSeconds:
      Math.round(numberSetting(env, "AGENT_BUSY_MAX_DEFER_MINUTES", 30, 0, 24 * 60) * 60 * 1000) / 1000,
    pollSeconds: Math.max(0.1, numberSetting(env, "AGENT_BUSY_POLL_SECONDS", 60, 0, 3600)),
  };
}

function parseAnswer(stdout: string): { busy: boolean; known: boolean; detail: string } | undefined {
  try {
    const j = JSON.parse(stdout.trim().split("\n").pop() ?? "") as Record<string, unknown>;
    if (typeof j.busy !== "boolean") return undefined;
    return {
      busy: j.busy,
      known: j.known !== false,
      detail: typeof j.detail === "string" ? j.detail.slice(0, 200) : "",
    };
  } catch {
    return undefined;
  }
}

export function createBusyActivities(deps: ActivityDeps, settings: BusySettings) {
  async function askAgentBusy(input: StepInput): Promise<AgentBusyAnswer> {
    const answer = (a: { busy: boolean; known: boolean; detail: string }): AgentBusyAnswer => ({
      ...a,
      ...settings,
    });
    if (settings.maxDeferSeconds === 0) {
      return answer({ busy: false, known: true, detail: "AGENT_BUSY_MAX_DEFER_MINUTES is 0: not asked" });
    }
    const c = await deps.state.claws.require(input.claw);
    if (c.observed.powerState !== "running" || !c.observed.publicIp) {
      return answer({ busy: false, known: true, detail: `the VM is ${c.observed.powerState ?? "unknown"}` });
    }
    try {
      const r = await deps.guest.exec({
        claw: input.claw,
        address: c.observed.publicIp,
        hostKeySha256: c.observed.hostKeySha256,
        command: AGENT_STATUS_COMMAND,
        timeoutMs: 30_000,
      });
      const parsed = r.code === 0 ? parseAnswer(r.stdout) : undefined;
      return answer(
        parsed ?? { busy: false, known: false, detail: `agent-status.sh exited ${r.code} without an answer` },
      );
    } catch (e) {
      return answer({ busy: false, known: false, detail: `could not ask the agent: ${errorText(e)}` });
    }
  }

  /** The deferral as a step of the operation (only when there was something to say). */
  async function recordDeferral(input: RecordDeferralInput) {
    return asStep(deps, input, "defer-while-busy", async () => ({
      result: null,
      detail: input.boundReached
        ? `agent still busy after ${input.deferredBySeconds} s (the bound); proceeding: ${input.detail}`
        : input.deferredBySeconds > 0
          ? `waited ${input.deferredBySeconds} s for the agent to finish (${input.asked} asks): ${input.detail}`
          : `proceeding without waiting: ${input.detail}`,
    }));
  }

  return { askAgentBusy, recordDeferral };
}

export type BusyActivities = ReturnType<typeof createBusyActivities>;
export const BUSY_ACTIVITY_NAMES = ["askAgentBusy", "recordDeferral"] as const satisfies ReadonlyArray<
  keyof BusyActivities
>;
