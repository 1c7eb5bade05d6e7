/**
 * What the saga activities need from the outside world. Production wiring (deps.ts) builds these
 * from core/azure, core/guest, core/secrets and core/state; tests pass other implementations.
 */
import type { StateStore } from "../../core/state";
import type { VerifyResult } from "../../core/guest";

import type { AzureGateway, ImageVersionInfo, VmInfo } from "../../core/azure/types";

export type { ImageVersionInfo, VmInfo };

/**
 * The subset of the Azure gateway (core/azure) the sagas use: its own signatures, plus two narrowed
 * ones (the disk state read, and a data-disk delete whose confirmation the wiring supplies).
 */
export type AzurePort = Pick<
  AzureGateway,
  | "getImageVersion"
  | "ensureDataDisk"
  | "ensurePublicIp"
  | "ensureNic"
  | "createVm"
  | "getVm"
  | "deallocateVm"
  | "startVm"
  | "deleteVm"
  | "createDiskFromSnapshot"
  | "deleteNic"
  | "deletePublicIp"
  | "detachDataDisk"
  | "attachDataDisk"
  | "runCommand"
  | "movePublicIp"
> & {
  getDiskState(diskName: string): Promise<{ id: string; diskState: string; managedBy?: string } | undefined>;
  snapshotDisk(a: { diskName: string; snapshotName: string; location: string }): Promise<string>;
  deleteDisk(name: string): Promise<void>;
};

/** One SSH session factory per claw (address, pinned host key). */
export interface GuestTarget {
  claw: string;
  /** The claw's public IP (Azure). */
  address: string;
  hostKeySha256?: string;
}

export interface GuestPort {
  waitForSsh(a: GuestTarget): Promise<{ hostKeySha256: string }>;
  exec(
    a: GuestTarget & {
      command: string;
      timeoutMs?: number;
    },
  ): Promise<{ code: number; stdout: string; stderr: string }>;
  /** Runs `fn` with an exec over one SSH connection (one handshake for many commands). */
  session<T>(
    a: GuestTarget,
    fn: (
      exec: (
        command: string,
        timeoutMs?: number,
      ) => Promise<{ code: number; stdout: string; stderr: string }>,
    ) => Promise<T>,
  ): Promise<T>;
  deliverSecrets(
    a: GuestTarget & {
      secrets: Record<string, string>;
      accessPassword?: string;
      settings?: Record<string, string>;
      only?: ReadonlyArray<"secrets" | "access-password" | "settings">;
    },
  ): Promise<void>;
  verify(a: GuestTarget): Promise<VerifyResult>;
}

export interface SecretsPort {
  clawSecrets(claw: string): Promise<Record<string, string>>;
  controlPlaneSshPublicKey(): Promise<string>;
  /** The version of each secret the claw gets (names only). */
  secretVersions(claw: string): Promise<Record<string, string>>;
  /** The claw's access password; generated and stored on first use (its first deploy). */
  accessPassword(claw: string): Promise<{ password: string; version: string; created: boolean }>;
  /** The other claw whose own `key` holds `value` (keyed-hash comparison), if any. */
  clawHolding(key: string, value: string, claw: string): Promise<string | undefined>;
}

/** Fleet-wide defaults of the agent's settings; a claw's spec overrides them. */
export interface AgentDefaults {
  defaultModel?: string;
  operatorTelegramId?: string;
}

export interface ActivityDeps {
  state: StateStore;
  azure: AzurePort;
  guest: GuestPort;
  secrets: SecretsPort;
  renderCustomData(a: { claw: string; imageVersion: string }): { base64: string; runtimeVersion: string };
  /** FLEET_DEFAULT_MODEL / FLEET_OPERATOR_TELEGRAM_ID. */
  agentDefaults?: AgentDefaults;
  adminUsername: string;
  /** How long a new or started VM may take until boot.sh reports done (Azure: cloud-init included). */
  bootTimeoutMs: number;
  /**
   * How upgradeClaw moves a claw to a new image: hand the data disk over to a standby VM prepared
   * while the claw runs (default), or the seed's order (deallocate, detach, delete, create, attach).
   */
  upgradeStrategy: "handoff" | "replace";
  bootPollMs: number;
  log(message: string): void;
}
