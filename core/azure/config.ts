/**
 * The gateway from application settings (core/settings.ts). On Azure: DefaultAzureCredential (the
 * Function App's user-assigned identity, AZURE_CLIENT_ID) and management.azure.com. On the twin
 * (ARM_ENDPOINT set): the emulator's endpoint and a static token; for an https:// emulator the CA
 * in ARM_CA_CERT_FILE is trusted by the SDK's pipeline only (NODE_EXTRA_CA_CERTS works too).
 */
import * as fs from "node:fs";
import { DefaultAzureCredential } from "@azure/identity";
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

/** Whether the settings point the gateway at the twin's emulator. */
export function isTwin(env: NodeJS.ProcessEnv): boolean {
  return !!env.ARM_ENDPOINT;
}

/** The gateway's options from settings (exported for tests and the dev host). */
export function gatewayOptionsFromConfig(
  env: NodeJS.ProcessEnv,
  extra: Partial<AzureGatewayOptions> = {},
): AzureGatewayOptions {
  const missing = REQUIRED.filter((name) => !env[name]);
  if (missing.length > 0) {
    throw new ClawError("INTERNAL", `Azure gateway settings missing: ${missing.join(", ")}.`);
  }
  const twin = isTwin(env);
  const credential = twin
    ? staticTokenCredential()
    : new DefaultAzureCredential(env.AZURE_CLIENT_ID ? { managedIdentityClientId: env.AZURE_CLIENT_ID } : {});
  return {
    subscriptionId: env.AZURE_SUBSCRIPTION_ID!,
    resourceGroup: env.FLEET_RESOURCE_GROUP!,
    location: env.FLEET_LOCATION!,
    subnetId: env.FLEET_SUBNET_ID!,
    ...(env.FLEET_NSG_ID ? { nsgId: env.FLEET_NSG_ID } : {}),
    gallery: {
      resourceGroup: env.GALLERY_RESOURCE_GROUP!,
      name: env.GALLERY_NAME!,
      imageName: env.GALLERY_IMAGE_NAME!,
    },
    credential,
    ...(twin ? { endpoint: env.ARM_ENDPOINT } : {}),
    ...(twin && env.ARM_CA_CERT_FILE ? { caCert: fs.readFileSync(env.ARM_CA_CERT_FILE) } : {}),
    // The emulator answers without Retry-After when it has no better idea; poll it briskly.
    ...(twin ? { pollIntervalMs: 250 } : {}),
    ...extra,
  };
}

/** The gateway for Azure or the twin, chosen by ARM_ENDPOINT. */
export function createAzureGatewayFromConfig(
  env: NodeJS.ProcessEnv = process.env,
  extra: Partial<AzureGatewayOptions> = {},
): AzureGateway {
  return createAzureGateway(gatewayOptionsFromConfig(env, extra));
}
