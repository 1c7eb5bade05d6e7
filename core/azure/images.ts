/**
 * Gallery image versions of the claw baseline image (read only: the bake pipeline publishes them).
 */
import type { GalleryImageVersion } from "@azure/arm-compute";
import type { GatewayContext, ImageVersionInfo } from "./types";

/** "West US" and "westus" are the same region to ARM. */
export function normalizeRegion(name: string): string {
  return name.toLowerCase().replace(/\s+/g, "");
}

function toInfo(v: GalleryImageVersion): ImageVersionInfo {
  const profile = v.publishingProfile;
  const regions = (profile?.targetRegions ?? []).map((r) => normalizeRegion(r.name));
  return {
    version: v.name ?? "",
    provisioningState: String(v.provisioningState ?? "Unknown"),
    regions: regions.length > 0 ? regions : v.location ? [normalizeRegion(v.location)] : [],
    excludeFromLatest: profile?.excludeFromLatest === true,
    id: v.id ?? "",
  };
}

export function imageOperations(
  g: GatewayContext,
  gallery: { resourceGroup: string; name: string; imageName: string },
) {
  /** The image version, or undefined when the gallery does not have it. */
  async function getImageVersion(version: string): Promise<ImageVersionInfo | undefined> {
    const v = await g.run.find({ operation: "getImageVersion", resource: version }, (abortSignal) =>
      g.compute.galleryImageVersions.get(gallery.resourceGroup, gallery.name, gallery.imageName, version, {
        abortSignal,
      }),
    );
    return v && toInfo(v);
  }

  /** Every version of the image definition. */
  async function listImageVersions(): Promise<ImageVersionInfo[]> {
    return g.run.request({ operation: "listImageVersions" }, async (abortSignal) => {
      const out: ImageVersionInfo[] = [];
      const pages = g.compute.galleryImageVersions.listByGalleryImage(
        gallery.resourceGroup,
        gallery.name,
        gallery.imageName,
        { abortSignal },
      );
      for await (const v of pages) out.push(toInfo(v));
      return out;
    });
  }

  return { getImageVersion, listImageVersions };
}
