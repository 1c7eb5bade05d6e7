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
  location: string;
  vmSize: string;
  /** Gallery image version, x.y.z. */
  imageVersion: string;
  nicId: string;
  dataDiskId: string;
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
