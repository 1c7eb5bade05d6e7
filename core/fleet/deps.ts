/**
 * What the fleet automation needs from the outside world, built once per process by the
 * composition root (core/app) or handed in by tests.
 */
import type { Schedule } from "../domain/schedule";
import type { NotificationPort } from "../notify/port";
import type { RequestLog } from "../commands/requests";
import type { RolloutsRepository, StateStore } from "../state";
import type { FleetState } from "./fleet-state";

export const ROLLOUT_POLICIES = ["record", "canary-approval", "automatic"] as const;
export type RolloutPolicy = (typeof ROLLOUT_POLICIES)[number];

/** What the fleet reads from Azure (a subset of the gateway, core/azure). */
export interface FleetAzurePort {
  getVm(
    claw: string,
  ): Promise<
    { powerState?: string; imageVersion?: string; dataDisks: { lun: number; diskId: string }[] } | undefined
  >;
  getImageVersion(
    version: string,
  ): Promise<{ version: string; provisioningState: string; regions: string[]; id: string } | undefined>;
}

export interface FleetSettings {
  fleetDefault: Schedule;
  rolloutPolicy: RolloutPolicy;
  /** Warn operators this long before a scheduled park (0: never). */
  parkWarningMinutes: number;
  /** A transition older than this is not acted on by a normal tick. */
  tickLookbackMinutes: number;
  /** Park/wake sagas a schedule tick runs at once (keeps ARM inside its request limits). */
  maxParallel: number;
  /** Drift checks (ARM reads) at once. */
  driftParallel: number;
  /**
   * Extra VMs the subscription's quota leaves for upgrades: each handoff upgrade in flight holds
   * a standby VM beside the claw's for minutes, so a rollout upgrades at most this many at once.
   */
  upgradeExtraVms: number;
}

export interface FleetDeps {
  state: StateStore;
  requests: RequestLog;
  rollouts: RolloutsRepository;
  fleet: FleetState;
  azure: FleetAzurePort;
  notify: NotificationPort;
  settings: FleetSettings;
  now(): Date;
  log(level: "info" | "warn" | "error", message: string): void;
}
