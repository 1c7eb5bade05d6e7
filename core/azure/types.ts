/**
 * The Azure gateway's options and results: the only Azure shapes the rest of the control plane sees.
 */
import type { TokenCredential } from "@azure/core-auth";
import type { ComputeManagementClient } from "@azure/arm-compute";
import type { NetworkManagementClient } from "@azure/arm-network";
import type { CallRunner, Timeouts } from "./calls";
import type { RetryOptions, Sleep } from "./retry-policy";

export interface AzureGatewayOptions {
  subscriptionId: string;
  /** Resource group of the claws' VMs, disks, NICs, IPs and snapshots. */
  resourceGroup: string;
  /** Default region (each call also names its own). */
  location: string;
  /** Subnet the claws' NICs join. */
  subnetId: string;
  /** NSG applied to each NIC, if any. */
  nsgId?: string;
  gallery: { resourceGroup: string; name: string; imageName: string };
  credential: TokenCredential;
  /** ARM endpoint: management.azure.com on Azure, the emulator on the twin. */
  endpoint?: string;
  /** PEM CA to trust for an https:// emulator endpoint. */
  caCert?: string | Buffer;
  /** Extra SDK client options, merged over the gateway's. */
  clientOptions?: Record<string, unknown>;
  /** Per-request retry (HTTP 408/429/5xx, transport errors); also bounds LRO resubmission. */
  retry?: Partial<RetryOptions>;
  timeouts?: Partial<Timeouts>;
  /** LRO poll interval when Azure sends no Retry-After (SDK default 2000 ms). */
  pollIntervalMs?: number;
  /**
   * How long the first poll of an LRO whose 201/202 has no Retry-After waits (default: the poll
   * interval; 0: none). With a Retry-After the first poll always waits for it (poll-pacing.ts).
   */
  firstPollDelayMs?: number;
  /**
   * Pace requests by the remaining-request headers of ARM's subscription buckets instead of
   * running into 429s (request-budget.ts); default true.
   */
  requestBudget?: boolean;
  /** Waits between retries; tests pass one that does not sleep for real. */
  sleep?: Sleep;
  log?: (message: string) => void;
}

/** What the gateway's modules share. */
export interface GatewayContext {
  compute: ComputeManagementClient;
  network: NetworkManagementClient;
  rg: string;
  subscriptionId: string;
  subnetId: string;
  nsgId?: string;
  galleryImageId: string;
  run: CallRunner;
  /** Options for an LRO call: the deadline's signal and the poll interval. */
  lroOptions(signal: AbortSignal): { abortSignal: AbortSignal; updateIntervalInMs?: number };
  sleep: Sleep;
  log: (message: string) => void;
}

export interface ImageVersionInfo {
  version: string;
  provisioningState: string;
  /** Target regions, normalised like "westus". */
  regions: string[];
  excludeFromLatest: boolean;
  id: string;
}

export interface DiskInfo {
  id: string;
  name: string;
  location: string;
  diskState: string;
  /** Id of the VM the disk is attached to. */
  managedBy?: string;
  sizeGb?: number;
  provisioningState?: string;
  /** When Azure created it (ISO 8601). */
  timeCreated?: string;
  tags?: Record<string, string>;
}

/** A snapshot in the fleet resource group (listSnapshots). */
export interface SnapshotInfo {
  id: string;
  name: string;
  location: string;
  /** When Azure created it (ISO 8601). */
  timeCreated?: string;
  /** The disk it was taken of. */
  sourceResourceId?: string;
  tags?: Record<string, string>;
}

export type PowerState =
  "starting" | "running" | "stopping" | "stopped" | "deallocating" | "deallocated" | "unknown";

export interface VmInfo {
  id: string;
  vmId?: string;
  provisioningState?: string;
  powerState: PowerState;
  /** From the VM's `openclawps-image-version` tag. */
  imageVersion?: string;
  /** Gallery image version id the VM was created from. */
  imageReferenceId?: string;
  dataDisks: { lun: number; diskId: string; deleteOption?: string }[];
  nicIds: string[];
  tags: Record<string, string>;
}

export interface CreateVmInput {
  claw: string;
  /** ARM name of the VM; default the claw's name. A handoff's standby VM has its own. */
  vmName?: string;
  location: string;
  vmSize: string;
  /** Gallery image version, x.y.z. */
  imageVersion: string;
  nicId: string;
  /** The data disk at LUN 0; none for a standby VM, which gets the disk handed over later. */
  dataDiskId?: string;
  adminUsername: string;
  sshPublicKey: string;
  customDataBase64: string;
  tags: Record<string, string>;
  /** OS disk SKU; default Premium_LRS. */
  osDiskSku?: string;
}

/** Tag holding the image version a VM was created from (the VM model keeps only the image id). */
export const IMAGE_VERSION_TAG = "openclawps-image-version";
export const CLAW_TAG = "openclawps-claw";

/**
 * What the gateway offers. Every operation is idempotent, retried on 408/429/5xx (Retry-After
 * honoured), bounded by a deadline, and fails with a ClawError whose `retryable` says whether the
 * same call may succeed later. Resource names follow core/domain/naming.ts.
 */
export interface AzureGateway {
  /** A gallery version of the claw image, or undefined when the gallery lacks it. */
  getImageVersion(version: string): Promise<ImageVersionInfo | undefined>;
  listImageVersions(): Promise<ImageVersionInfo[]>;
  /** Gallery image version id of `version` (what createVm puts in imageReference). */
  imageVersionId(version: string): string;

  /** `<claw>-data` (or diskName): created empty when absent, otherwise returned untouched. */
  ensureDataDisk(a: {
    claw: string;
    location: string;
    sizeGb: number;
    sku?: string;
    diskName?: string;
  }): Promise<DiskInfo & { created: boolean }>;
  getDisk(name: string): Promise<DiskInfo | undefined>;
  /** Same as getDisk. */
  getDiskState(name: string): Promise<DiskInfo | undefined>;
  /** Snapshot (incremental unless told otherwise); returns its id. Reuses one of the same disk. */
  snapshotDisk(a: {
    diskName: string;
    snapshotName: string;
    location?: string;
    incremental?: boolean;
  }): Promise<string>;
  /** A disk copied from a snapshot; returns its id. Reuses one made from the same snapshot. */
  createDiskFromSnapshot(a: {
    name: string;
    snapshotId: string;
    location: string;
    sku?: string;
  }): Promise<string>;
  deleteSnapshot(name: string): Promise<void>;
  /** Every snapshot in the fleet resource group (housekeeping filters them by claw). */
  listSnapshots(): Promise<SnapshotInfo[]>;
  /** Every managed disk in the fleet resource group (housekeeping filters them by claw). */
  listDisks(): Promise<DiskInfo[]>;
  /** Refuses without the confirmation, and refuses a disk a VM holds (DISK_ATTACHED_ELSEWHERE). */
  deleteDisk(name: string, opts: { confirm: "delete-data-disk" }): Promise<void>;

  /** `<claw>-ip`, static Standard IPv4. */
  ensurePublicIp(a: { claw: string; location: string }): Promise<{ id: string; ipAddress: string }>;
  /**
   * A NIC in the fleet subnet with the fleet NSG: `<claw>-nic` (or `name`), carrying `publicIpId`
   * when given (a standby VM's NIC has none until the claw's IP moves to it).
   */
  ensureNic(a: {
    claw: string;
    location: string;
    publicIpId?: string;
    name?: string;
  }): Promise<{ id: string }>;
  /** Deletes a NIC by name (it must not be in use by a VM: CONFLICT). Absent is success. */
  deleteNic(name: string): Promise<void>;
  deletePublicIp(claw: string): Promise<void>;

  /** A VM from the gallery version, with the data disk at LUN 0 if given (see vms.ts for idempotency). */
  createVm(a: CreateVmInput): Promise<{ id: string; vmId?: string }>;
  /** The VM named `vmName` (a claw's VM is named after it until a handoff gives it a standby's name). */
  getVm(vmName: string): Promise<VmInfo | undefined>;
  /** Deletes the VM (and its OS disk); its data disks are left Unattached. No VM is success. */
  deleteVm(vmName: string): Promise<void>;
  /** Deallocates the VM (a quick no-op when it already is; NOT_FOUND when there is no VM). */
  deallocateVm(vmName: string): Promise<void>;
  /** Detaches a data disk from a VM online (the guest has unmounted it); not attached is success. */
  detachDataDisk(vmName: string, diskId: string): Promise<void>;
  /** Attaches a data disk at `lun` (default 0); DISK_ATTACHED_ELSEWHERE when another VM holds it. */
  attachDataDisk(vmName: string, diskId: string, lun?: number): Promise<void>;
  /** Runs a shell script as root through Run Command (ARM-authenticated; no SSH). */
  runCommand(vmName: string, script: string[]): Promise<{ stdout: string; stderr: string }>;
  /** Moves a public IP from NIC `from` to NIC `to` (names); a finished move is a no-op. */
  movePublicIp(a: { publicIpId: string; from: string; to: string }): Promise<void>;

  /**
   * Starts the VM; false when it already ran (NOT_FOUND when there is no VM). `readFirst: false`
   * skips the power-state read for a caller that has just seen the VM stopped (answers true).
   */
  startVm(claw: string, o?: { readFirst?: boolean }): Promise<boolean>;
  /** Powers the VM off (no-op when stopped or deallocated); `readFirst: false` as for startVm. */
  powerOffVm(claw: string, o?: { readFirst?: boolean }): Promise<void>;
  restartVm(claw: string): Promise<void>;
}
