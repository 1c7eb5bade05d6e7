/**
 * What the saga activities need from the outside world. Production wiring (deps.ts) builds these
 * from core/azure, core/guest, core/secrets and core/state; tests pass other implementations.
 */
import type { StateStore } from "../../core/state";
import type { VerifyResult } from "../../core/guest";

export interface ImageVersionInfo {
  version: string;
  provisioningState: string;
  regions: string[];
  excludeFromLatest?: boolean;
  id: string;
}

export interface VmInfo {
  id: string;
  vmId?: string;
  provisioningState?: string;
  powerState?: string;
  imageVersion?: string;
  dataDisks: Array<{ lun: number; diskId: string }>;
}

/** The subset of the Azure gateway (core/azure) the sagas use. */
export interface AzurePort {
  getImageVersion(version: string): Promise<ImageVersionInfo | undefined>;
  ensureDataDisk(a: {
    claw: string;
    location: string;
    sizeGb: number;
    diskName?: string;
  }): Promise<{ id: string; created: boolean }>;
  ensurePublicIp(a: { claw: string; location: string }): Promise<{ id: string; ipAddress: string }>;
  ensureNic(a: { claw: string; location: string; publicIpId: string }): Promise<{ id: string }>;
  createVm(a: {
    claw: string;
    location: string;
    vmSize: string;
    imageVersion: string;
    nicId: string;
    dataDiskId: string;
    adminUsername: string;
    sshPublicKey: string;
    customDataBase64: string;
    tags: Record<string, string>;
  }): Promise<{ id: string; vmId?: string }>;
  getVm(claw: string): Promise<VmInfo | undefined>;
  deallocateVm(claw: string): Promise<void>;
  startVm(claw: string): Promise<void>;
  deleteVm(claw: string): Promise<void>;
  getDiskState(diskName: string): Promise<{ id: string; diskState: string; managedBy?: string } | undefined>;
  snapshotDisk(a: { diskName: string; snapshotName: string; location: string }): Promise<string>;
  createDiskFromSnapshot(a: { name: string; snapshotId: string; location: string }): Promise<string>;
  deleteDisk(name: string): Promise<void>;
  deleteNic(claw: string): Promise<void>;
  powerOffVm(claw: string): Promise<void>;
  createOsDiskFromImage(a: {
    claw: string;
    imageVersion: string;
    location: string;
    suffix?: string;
  }): Promise<{ id: string; name: string }>;
  swapOsDisk(a: {
    claw: string;
    osDiskId: string;
    imageVersion: string;
  }): Promise<{ previousOsDiskId: string }>;
  deleteOsDisk(name: string): Promise<void>;
  deletePublicIp(claw: string): Promise<void>;
}

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
  deliverSecrets(
    a: GuestTarget & {
      secrets: Record<string, string>;
    },
  ): Promise<void>;
  verify(a: GuestTarget): Promise<VerifyResult>;
}

export interface SecretsPort {
  clawSecrets(claw: string): Promise<Record<string, string>>;
  controlPlaneSshPublicKey(): Promise<string>;
}

export interface ActivityDeps {
  state: StateStore;
  azure: AzurePort;
  guest: GuestPort;
  secrets: SecretsPort;
  renderCustomData(a: { claw: string; imageVersion: string }): { base64: string; runtimeVersion: string };
  adminUsername: string;
  /** How long a new or started VM may take until boot.sh reports done (Azure: cloud-init included). */
  bootTimeoutMs: number;
  /** How upgradeClaw replaces the OS: swap a prepared OS disk (default) or delete and recreate the VM. */
  upgradeStrategy: "swap" | "replace";
  bootPollMs: number;
  log(message: string): void;
}
