/**
 * The gateway from application settings (core/settings.ts). On Azure: DefaultAzureCredential (the
 * Function App's user-assigned identity, AZURE_CLIENT_ID) and management.azure.com. On the twin
 * (ARM_ENDPOINT set): the emulator's endpoint and a static token; for an https:// emulator the CA
 * in ARM_CA_CERT_FILE is trusted by the SDK's pipeline only (NODE_EXTRA_CA_CERTS works too).
 */
import * as fs from "node:fs";
import { DefaultAzureCredential } from "@azure/identity";
import type { Config, Env } from "../config";
import { ClawError } from "../errors";
import { staticTokenCredential } from "./clients";
import { createAzureGateway, type AzureGateway } from "./gateway";
import type { AzureGatewayOptions } from "./types";

const REQUIRED = [
  "AZURE_SUBSCRIPTION_ID",
  "FLEET_RESOURCE_GROUP",
  "FLEET_LOCATION",
  "FLEET_SUBNET_ID",
  "GALLERY_RESOURCE_GROUP",
  "GALLERY_NAME",
  "GALLERY_IMAGE_NAME",
] as const;

/** The part of the typed configuration (core/config.ts) the gateway needs. */
export type GatewaySettings = Pick<Config, "mode" | "azure">;

/** Reads only the gateway's settings from the environment (loadConfig checks every setting). */
function settingsFromEnv(env: Env): GatewaySettings {
  const missing = REQUIRED.filter((name) => !env[name]);
  if (missing.length > 0) {
    throw new ClawError("INTERNAL", `Azure gateway settings missing: ${missing.join(", ")}.`);
  }
  return {
    mode: env.ARM_ENDPOINT ? "twin" : "azure",
    azure: {
      subscriptionId: env.AZURE_SUBSCRIPTION_ID!,
      resourceGroup: env.FLEET_RESOURCE_GROUP!,
      location: env.FLEET_LOCATION!,
      subnetId: env.FLEET_SUBNET_ID!,
      nsgId: env.FLEET_NSG_ID || undefined,
      gallery: {
        resourceGroup: env.GALLERY_RESOURCE_GROUP!,
        name: env.GALLERY_NAME!,
        imageName: env.GALLERY_IMAGE_NAME!,
      },
      armEndpoint: env.ARM_ENDPOINT || undefined,
      armCaCertFile: env.ARM_CA_CERT_FILE || undefined,
      clientId: env.AZURE_CLIENT_ID || undefined,
    },
  };
}

function isSettings(source: GatewaySettings | Env): source is GatewaySettings {
  return typeof (source as GatewaySettings).azure === "object" && (source as GatewaySettings).azure !== null;
}

/**
 * The gateway's options from the typed configuration or straight from app settings (exported for
 * tests and the dev host). Twin: the emulator's endpoint, a static token, its CA if https.
 * Azure: management.azure.com with DefaultAzureCredential (the user-assigned identity if given).
 */
export function gatewayOptionsFromConfig(
  source: GatewaySettings | Env,
  extra: Partial<AzureGatewayOptions> = {},
): AzureGatewayOptions {
  const { mode, azure } = isSettings(source) ? source : settingsFromEnv(source);
  const twin = mode === "twin";
  if (twin && !azure.armEndpoint)
    throw new ClawError("INTERNAL", "The twin needs ARM_ENDPOINT (the emulator).");
  const credential = twin
    ? staticTokenCredential()
    : new DefaultAzureCredential(azure.clientId ? { managedIdentityClientId: azure.clientId } : {});
  return {
    subscriptionId: azure.subscriptionId,
    resourceGroup: azure.resourceGroup,
    location: azure.location,
    subnetId: azure.subnetId,
    ...(azure.nsgId ? { nsgId: azure.nsgId } : {}),
    gallery: { ...azure.gallery },
    credential,
    ...(twin ? { endpoint: azure.armEndpoint } : {}),
    ...(twin && azure.armCaCertFile ? { caCert: fs.readFileSync(azure.armCaCertFile) } : {}),
    // The emulator sends no Retry-After on instant operations; poll it briskly.
    ...(twin ? { pollIntervalMs: 250 } : {}),
    ...(isSettings(source) ? {} : tuningFromEnv(source)),
    ...extra,
  };
}

/** The gateway for Azure or the twin (chosen by ARM_ENDPOINT / config.mode). */
export function createAzureGatewayFromConfig(
  source: GatewaySettings | Env = process.env,
  extra: Partial<AzureGatewayOptions> = {},
): AzureGateway {
  return createAzureGateway(gatewayOptionsFromConfig(source, extra));
}

/** Optional overrides of the retry policy and deadlines (ARM_RETRY_*, ARM_*_TIMEOUT_MS), e.g. for fault tests. */
function tuningFromEnv(env: Env): Partial<AzureGatewayOptions> {
  const n = (name: string): number | undefined => {
    const v = Number(env[name]);
    return env[name] && Number.isFinite(v) && v > 0 ? v : undefined;
  };
  const retry = {
    ...(n("ARM_RETRY_ATTEMPTS") ? { attempts: n("ARM_RETRY_ATTEMPTS")! } : {}),
    ...(n("ARM_RETRY_BASE_MS") ? { baseDelayMs: n("ARM_RETRY_BASE_MS")! } : {}),
    ...(n("ARM_RETRY_MAX_MS") ? { maxDelayMs: n("ARM_RETRY_MAX_MS")! } : {}),
  };
  const timeouts = {
    ...(n("ARM_REQUEST_TIMEOUT_MS") ? { requestMs: n("ARM_REQUEST_TIMEOUT_MS")! } : {}),
    ...(n("ARM_LRO_TIMEOUT_MS") ? { lroMs: n("ARM_LRO_TIMEOUT_MS")! } : {}),
  };
  return {
    ...(Object.keys(retry).length ? { retry } : {}),
    ...(Object.keys(timeouts).length ? { timeouts } : {}),
  };
}
