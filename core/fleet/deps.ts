/**
 * What the fleet automation needs from the outside world, built once per process from settings
 * (production and the twin) or handed in by tests (setFleetDeps).
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

let provider: (() => Promise<FleetDeps>) | undefined;
let cached: Promise<FleetDeps> | undefined;

/** Installs how fleet dependencies are built (production wiring, or a test's). */
export function setFleetDepsProvider(p: () => Promise<FleetDeps>): void {
  provider = p;
  cached = undefined;
}

/** Whether a provider is installed (the default wiring does not replace a test's). */
export function hasFleetDepsProvider(): boolean {
  return provider !== undefined;
}

/** Tests: use exactly these dependencies. */
export function setFleetDeps(deps: FleetDeps): void {
  setFleetDepsProvider(async () => deps);
}

/** The process's fleet dependencies (built on first use). */
export function getFleetDeps(): Promise<FleetDeps> {
  if (!provider)
    throw new Error("fleet dependencies are not configured (call setFleetDepsProvider at startup)");
  cached ??= provider().catch((e: unknown) => {
    cached = undefined;
    throw e;
  });
  return cached;
}
