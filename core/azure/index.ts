export { createAzureGateway, type AzureGateway } from "./gateway";
export { createAzureGatewayFromConfig, gatewayOptionsFromConfig, type GatewaySettings } from "./config";
export { staticTokenCredential, createArmClients, AZURE_ARM_ENDPOINT } from "./clients";
export { DELETE_DATA_DISK } from "./disks";
export { toClawError, describeFailure, isTransient, retryAfterMs } from "./errors";
export { DEFAULT_RETRY, realSleep, type RetryOptions, type Sleep } from "./retry-policy";
export { DEFAULT_TIMEOUTS, type Timeouts } from "./calls";
export {
  CLAW_TAG,
  IMAGE_VERSION_TAG,
  type AzureGatewayOptions,
  type CreateVmInput,
  type DiskInfo,
  type ImageVersionInfo,
  type PowerState,
  type VmInfo,
} from "./types";
