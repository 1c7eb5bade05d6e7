/**
 * The control plane's settings (core/settings.ts names) that point it at this emulator and the
 * fleet seeded in it, so the dev host can spread them into its environment. With the CA file of
 * an https:// emulator, both the ARM clients and the SSH endpoint map trust it.
 */
import { resourceGroupId } from "./arm/ids";
import type { FleetSeed } from "./seed";

/** App settings for an emulator at `url` with `seed`; `caCertFile` is its CA for an https:// url. */
export function twinSettings(url: string, seed: FleetSeed, caCertFile?: string): Record<string, string> {
  const net = `${resourceGroupId(seed.subscriptionId, seed.resourceGroup)}/providers/Microsoft.Network`;
  return {
    ARM_ENDPOINT: url,
    ...(caCertFile ? { ARM_CA_CERT_FILE: caCertFile } : {}),
    SSH_ENDPOINT_MAP_URL: `${url}/_emulator/ssh-endpoints`,
    ...(caCertFile ? { SSH_ENDPOINT_MAP_CA_FILE: caCertFile } : {}),
    AZURE_SUBSCRIPTION_ID: seed.subscriptionId,
    FLEET_RESOURCE_GROUP: seed.resourceGroup,
    FLEET_LOCATION: seed.location,
    FLEET_SUBNET_ID: `${net}/virtualNetworks/${seed.vnet.name}/subnets/${seed.vnet.subnet}`,
    FLEET_NSG_ID: `${net}/networkSecurityGroups/${seed.nsg}`,
    GALLERY_RESOURCE_GROUP: seed.gallery.resourceGroup,
    GALLERY_NAME: seed.gallery.name,
    GALLERY_IMAGE_NAME: seed.gallery.image,
  };
}
