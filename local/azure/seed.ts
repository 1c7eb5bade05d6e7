/**
 * The shared infrastructure a fleet needs before the control plane can deploy a claw (what bicep
 * provisions on Azure): resource groups, VNet + subnet, NSG, gallery, image definition and
 * published image versions. Seeding writes the state directly, already Succeeded.
 */
import type { EmulatorContext } from "./context";
import { normalizeLocation, resourceGroupId } from "./arm/ids";
import { ensureResourceGroup } from "./resources/simple";
import type { StoredResource } from "./store";
import { GALLERY_IMAGE_VERSION_TYPE } from "./compute/constants";
import type { ImageVersionMeta } from "./gallery";

export interface ImageVersionSeed {
  name: string;
  excludeFromLatest?: boolean;
}

export interface FleetSeed {
  subscriptionId: string;
  location: string;
  resourceGroup: string;
  vnet: { name: string; addressPrefix: string; subnet: string; subnetPrefix: string };
  nsg: string;
  gallery: { resourceGroup: string; name: string; image: string; versions: (string | ImageVersionSeed)[] };
}

/** The twin's default fleet; the dev host's settings name the same resources. */
export const DEFAULT_SEED: FleetSeed = {
  subscriptionId: "00000000-0000-0000-0000-000000000000",
  location: "westus",
  resourceGroup: "rg-claw-fleet",
  vnet: {
    name: "vnet-claw",
    addressPrefix: "10.42.0.0/16",
    subnet: "snet-claws",
    subnetPrefix: "10.42.1.0/24",
  },
  nsg: "nsg-claws",
  gallery: {
    resourceGroup: "rg-claw-images",
    name: "clawGallery",
    image: "claw-desktop",
    versions: ["1.0.0"],
  },
};

export interface SeededIds {
  resourceGroupId: string;
  subnetId: string;
  nsgId: string;
  galleryImageId: string;
}

function put(
  ctx: EmulatorContext,
  id: string,
  type: string,
  body: Record<string, unknown>,
  meta: Record<string, unknown> = {},
): void {
  const name = id.split("/").pop()!;
  const existing = ctx.store.get(id);
  ctx.store.put({
    id,
    type,
    meta: existing?.meta ?? meta,
    body: { id, name, type, properties: {}, ...body },
  } as StoredResource);
}

export function seedFleet(ctx: EmulatorContext, seed: FleetSeed): SeededIds {
  const location = normalizeLocation(seed.location);
  const sub = seed.subscriptionId;
  ensureResourceGroup(ctx, sub, seed.resourceGroup, location);
  ensureResourceGroup(ctx, sub, seed.gallery.resourceGroup, location);
  const net = `${resourceGroupId(sub, seed.resourceGroup)}/providers/Microsoft.Network`;
  const vnetId = `${net}/virtualNetworks/${seed.vnet.name}`;
  const subnetId = `${vnetId}/subnets/${seed.vnet.subnet}`;
  const nsgId = `${net}/networkSecurityGroups/${seed.nsg}`;
  put(ctx, vnetId, "Microsoft.Network/virtualNetworks", {
    location,
    properties: {
      addressSpace: { addressPrefixes: [seed.vnet.addressPrefix] },
      provisioningState: "Succeeded",
    },
  });
  put(ctx, subnetId, "Microsoft.Network/virtualNetworks/subnets", {
    properties: {
      addressPrefix: seed.vnet.subnetPrefix,
      networkSecurityGroup: { id: nsgId },
      provisioningState: "Succeeded",
    },
  });
  put(ctx, nsgId, "Microsoft.Network/networkSecurityGroups", {
    location,
    properties: { securityRules: [], provisioningState: "Succeeded" },
  });
  const galleryId = `${resourceGroupId(sub, seed.gallery.resourceGroup)}/providers/Microsoft.Compute/galleries/${seed.gallery.name}`;
  const imageId = `${galleryId}/images/${seed.gallery.image}`;
  put(ctx, galleryId, "Microsoft.Compute/galleries", {
    location,
    properties: { provisioningState: "Succeeded" },
  });
  put(ctx, imageId, "Microsoft.Compute/galleries/images", {
    location,
    properties: {
      osType: "Linux",
      osState: "Generalized",
      hyperVGeneration: "V2",
      identifier: { publisher: "openclawps", offer: "claw", sku: seed.gallery.image },
      provisioningState: "Succeeded",
    },
  });
  for (const v of seed.gallery.versions)
    publishImageVersion(ctx, imageId, location, typeof v === "string" ? { name: v } : v);
  return {
    resourceGroupId: resourceGroupId(sub, seed.resourceGroup),
    subnetId,
    nsgId,
    galleryImageId: imageId,
  };
}

/** Publishes (or republishes) an image version in `location`, Succeeded at once. */
export function publishImageVersion(
  ctx: EmulatorContext,
  imageId: string,
  location: string,
  v: ImageVersionSeed,
): string {
  const id = `${imageId}/versions/${v.name}`;
  const meta: ImageVersionMeta = {};
  ctx.store.put({
    id,
    type: GALLERY_IMAGE_VERSION_TYPE,
    meta,
    body: {
      id,
      name: v.name,
      type: GALLERY_IMAGE_VERSION_TYPE,
      location: normalizeLocation(location),
      properties: {
        publishingProfile: {
          targetRegions: [
            {
              name: normalizeLocation(location),
              regionalReplicaCount: 1,
              storageAccountType: "Standard_LRS",
              excludeFromLatest: false,
            },
          ],
          replicaCount: 1,
          excludeFromLatest: v.excludeFromLatest ?? false,
          publishedDate: new Date(ctx.clock.now()).toISOString(),
          storageAccountType: "Standard_LRS",
        },
        storageProfile: { osDiskImage: { sizeInGB: 30, hostCaching: "ReadWrite" } },
        provisioningState: "Succeeded",
      },
    },
  });
  return id;
}
