/**
 * What the Compute Gallery holds, read through the Azure gateway (core/azure) by the command
 * handler: a claw is created (or its spec changed) only with an image version the gallery has,
 * Succeeded, in the claw's region; GET /images lists the gallery's versions in the regions claws
 * use, marking those the bake webhook registered. Triggers only hand the reader in.
 */
import { compareImageVersions } from "../domain/names";
import { ClawError } from "../errors";
import type { ImageRecord, StateStore } from "../state";

/** One gallery image version as the gateway reports it. */
export interface GalleryVersion {
  version: string;
  provisioningState: string;
  /** Target regions, ARM-style ("westus"). */
  regions: string[];
}

/** The part of the gateway the command handler reads the gallery with. */
export interface GalleryReader {
  listImageVersions(): Promise<GalleryVersion[]>;
}

const usable = (v: GalleryVersion, region: string) =>
  v.provisioningState === "Succeeded" && v.regions.includes(region);

const newestFirst = (a: string, b: string) => compareImageVersions(b, a);

/**
 * Refuses (IMAGE_NOT_FOUND, 400) an image version the gallery does not have Succeeded in `region`,
 * naming the versions it has there. Without a gallery reader it checks nothing.
 */
export async function requireImageInGallery(
  gallery: GalleryReader | undefined,
  version: string,
  region: string,
): Promise<void> {
  if (!gallery) return;
  const versions = await gallery.listImageVersions();
  if (versions.some((v) => v.version === version && usable(v, region))) return;
  const there = versions
    .filter((v) => usable(v, region))
    .map((v) => v.version)
    .sort(newestFirst);
  const found = versions.find((v) => v.version === version);
  const why = !found
    ? `image version ${version} is not in the gallery`
    : found.provisioningState !== "Succeeded"
      ? `image version ${version} is ${found.provisioningState} in the gallery, not Succeeded`
      : `image version ${version} is not replicated to ${region} (only ${found.regions.join(", ") || "no region"})`;
  throw new ClawError(
    "IMAGE_NOT_FOUND",
    `${why}; the gallery has ${there.length ? there.join(", ") : "no version"} in ${region}`,
    { details: { versions: there } },
  );
}

/** One entry of GET /images. */
export interface GalleryImageView {
  version: string;
  /**
   * In the gallery (with its state and regions there), or only known from a bake registration
   * (false); absent when no gallery is configured to ask.
   */
  inGallery?: boolean;
  provisioningState?: string;
  regions: string[];
  /** The regions of claws (and the fleet's default) this version is usable in. */
  clawRegions: string[];
  /** Registered by the bake webhook (the Images table has a row, with the bake's metadata). */
  registered: boolean;
  registeredAt?: string;
  bake?: ImageRecord["bake"];
}

/**
 * The gallery's versions usable in the regions claws use (plus `defaultRegion`, where new claws
 * go), newest first, each marked with whether the bake webhook registered it; versions registered
 * but not (or no longer) in those regions of the gallery are listed too, with inGallery false.
 * Without a gallery reader, only the registered versions.
 */
export async function listGalleryImages(
  deps: { state: StateStore; gallery?: GalleryReader },
  defaultRegion?: string,
): Promise<GalleryImageView[]> {
  const [claws, registered, versions] = await Promise.all([
    deps.state.claws.list(),
    deps.state.images.list(),
    deps.gallery ? deps.gallery.listImageVersions() : Promise.resolve([] as GalleryVersion[]),
  ]);
  const regions = new Set(claws.map((c) => c.spec.region));
  if (defaultRegion) regions.add(defaultRegion);
  const byVersion = new Map(registered.map((r) => [r.version, r]));
  const out = new Map<string, GalleryImageView>();
  for (const v of versions) {
    const clawRegions = [...regions].filter((r) => usable(v, r)).sort();
    if (clawRegions.length === 0) continue;
    const reg = byVersion.get(v.version);
    out.set(v.version, {
      version: v.version,
      inGallery: true,
      provisioningState: v.provisioningState,
      regions: v.regions,
      clawRegions,
      registered: reg !== undefined,
      ...(reg ? { registeredAt: reg.registeredAt, ...(reg.bake ? { bake: reg.bake } : {}) } : {}),
    });
  }
  for (const r of registered) {
    if (out.has(r.version)) continue;
    out.set(r.version, {
      version: r.version,
      ...(deps.gallery ? { inGallery: false } : {}),
      regions: r.regions,
      clawRegions: [],
      registered: true,
      registeredAt: r.registeredAt,
      ...(r.bake ? { bake: r.bake } : {}),
    });
  }
  return [...out.values()].sort((a, b) => newestFirst(a.version, b.version));
}
