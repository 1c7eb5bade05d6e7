import { odata } from "@azure/data-tables";
import { echo } from "../domain/ids";
import { compareImageVersions } from "../domain/names";
import { ClawError } from "../errors";
import { defined, readJson, str, writeJson } from "./columns";
import { updateWithRetry } from "./retry";
import { getEntity, queryEntities, statusOf, storageError, type Table } from "./tables";

/** The gallery's provisioning state of the version (plus "Unknown" before it has been seen). */
export type ImageState =
  "Creating" | "Updating" | "Succeeded" | "Failed" | "Deleting" | "Migrating" | "Unknown";

export interface ImageRecord {
  /** Gallery image version, x.y.z. */
  version: string;
  state: ImageState;
  /** Regions the version is replicated to, ARM-style lower-case names (eastus). */
  regions: string[];
  registeredAt: string;
  updatedAt: string;
  /** What the bake pipeline reported: commit, workflow run, packer version, ... (no secrets). */
  bake?: Record<string, string | number | boolean>;
  etag: string;
}

export type ImageInput = Omit<ImageRecord, "registeredAt" | "updatedAt" | "etag"> & { registeredAt?: string };

const PK = "image";

/** ARM reports target regions as display names ("West US"); rows keep the short form ("westus"). */
export function normalizeRegion(region: string): string {
  return region.toLowerCase().replace(/\s+/g, "");
}

function toEntity(r: Omit<ImageRecord, "etag">) {
  const e = defined({
    version: r.version,
    state: r.state,
    registeredAt: r.registeredAt,
    updatedAt: r.updatedAt,
  });
  writeJson(e, "regions", r.regions, 1);
  writeJson(e, "bake", r.bake, 1);
  return { partitionKey: PK, rowKey: r.version, ...e };
}

function fromEntity(e: Record<string, unknown> & { etag: string; rowKey?: string }): ImageRecord {
  const r: ImageRecord = {
    version: str(e, "version") ?? String(e.rowKey),
    state: (str(e, "state") ?? "Unknown") as ImageState,
    regions: readJson<string[]>(e, "regions") ?? [],
    registeredAt: str(e, "registeredAt") ?? "",
    updatedAt: str(e, "updatedAt") ?? "",
    etag: e.etag,
  };
  const bake = readJson<ImageRecord["bake"]>(e, "bake");
  if (bake) r.bake = bake;
  return r;
}

export interface ImagesRepository {
  get(version: string): Promise<ImageRecord | undefined>;
  /** Like get, but a missing version is ClawError IMAGE_NOT_FOUND. */
  require(version: string): Promise<ImageRecord>;
  /** Newest version first (numeric order). */
  list(): Promise<ImageRecord[]>;
  /** Inserts or updates a version (keeps the first registeredAt). Retries on concurrent change. */
  upsert(image: ImageInput): Promise<ImageRecord>;
  delete(version: string): Promise<void>;
}

export function createImagesRepository(table: Table, now: () => Date): ImagesRepository {
  async function get(version: string) {
    const e = await getEntity<Record<string, unknown>>(table, PK, version);
    return e ? fromEntity(e) : undefined;
  }
  return {
    get,
    async require(version) {
      const r = await get(version);
      if (!r) throw new ClawError("IMAGE_NOT_FOUND", `image version ${echo(version)} is not known`);
      return r;
    },
    async list() {
      const rows = await queryEntities<Record<string, unknown>>(table, odata`PartitionKey eq ${PK}`);
      return rows.map(fromEntity).sort((a, b) => compareImageVersions(b.version, a.version));
    },
    upsert(image) {
      const regions = [...new Set(image.regions.map(normalizeRegion))].sort();
      return updateWithRetry<ImageRecord | undefined>(
        () => get(image.version),
        (current) => ({
          ...image,
          regions,
          registeredAt: current?.registeredAt ?? image.registeredAt ?? now().toISOString(),
          updatedAt: now().toISOString(),
          etag: current?.etag ?? "",
        }),
        async (next) => {
          const r = next as ImageRecord;
          try {
            const res = r.etag
              ? await table.client.updateEntity(toEntity(r), "Replace", { etag: r.etag })
              : await table.client.createEntity(toEntity(r));
            return { ...r, etag: res.etag ?? "" };
          } catch (e) {
            // Someone inserted it between our read and our insert: read again and merge.
            if (statusOf(e) === 409) {
              throw new ClawError("CONFLICT", `image ${r.version} was registered concurrently`, {
                retryable: true,
              });
            }
            throw storageError(e, `writing image ${r.version}`);
          }
        },
      ) as Promise<ImageRecord>;
    },
    async delete(version) {
      await table.ready();
      try {
        await table.client.deleteEntity(PK, version);
      } catch (e) {
        if (statusOf(e) !== 404) throw storageError(e, `deleting image ${version}`);
      }
    },
  };
}
