/**
 * Where the control plane's notifications go. The Telegram bot implements this port (operators'
 * chat); tests and the twin collect them. Events carry facts only: never secrets.
 */
export type FleetNotification =
  | { kind: "park-soon"; claw: string; parkAt: string }
  | { kind: "schedule-digest"; tickAt: string; digest: FleetDigest }
  | { kind: "drift"; drifts: DriftFinding[]; checkedAt: string }
  | { kind: "rollout-approval"; rolloutId: string; version: string; canary: string[]; timeoutAt: string }
  | { kind: "rollout-ended"; rolloutId: string; version: string; status: string; digest: FleetDigest }
  | { kind: "image-registered"; version: string; policy: string; rolloutId?: string }
  | {
      kind: "health";
      sweptAt: string;
      /** Claws that went from healthy to failing in this sweep, with their failed checks. */
      failing: { claw: string; failed: string[] }[];
      recovered: string[];
      operationId: string;
    }
  | {
      kind: "agent-busy";
      claw: string;
      action: "park" | "upgrade";
      operationId: string;
      /** The bound of the wait (AGENT_BUSY_MAX_DEFER_MINUTES). */
      maxMinutes: number;
      detail: string;
    };

/** Done / skipped / failed, and why: the ending of every fleet run. */
export interface FleetDigest {
  done: { claw: string; detail?: string }[];
  skipped: { claw: string; reason: string }[];
  failed: { claw: string; reason: string }[];
}

export interface DriftFinding {
  claw: string;
  kind: "vm-missing" | "power-state" | "disk-detached" | "image-version";
  expected: string;
  actual: string;
}

export interface NotificationPort {
  /** Delivers one event; a failure is logged by the caller, never fatal to a fleet run. */
  notify(event: FleetNotification): Promise<void>;
}

/**
 * Operations of a fleet run (a schedule tick, a rollout) are reported in the run's digest; one by
 * one the operators hear only of those that did not succeed.
 */
export function reportedInFleetDigest(op: { channel?: string; requestId?: string }): boolean {
  return op.channel === "timer" || (op.requestId ?? "").startsWith("rollout-");
}

/** A port that drops everything (no bot configured). */
export const silentNotifier: NotificationPort = { notify: async () => undefined };

/** A port that keeps what it was given (tests, the twin's inspection). */
export function collectingNotifier(): NotificationPort & { events: FleetNotification[] } {
  const events: FleetNotification[] = [];
  return {
    events,
    async notify(e) {
      events.push(e);
    },
  };
}
