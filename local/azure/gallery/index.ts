/**
 * Azure Compute Gallery: galleries and image definitions (synchronous), image versions (async:
 * replication takes tens of minutes on Azure) and how a VM's imageReference resolves to a version.
 */
import type { EmulatorContext } from "../context";
import { ArmError, concurrentRequest, invalidParameter, resourceNotFound } from "../arm/errors";
import { objectBody, type ArmRequest, type ArmResponse } from "../arm/http";
import { formatId, key, normalizeLocation, parseId } from "../arm/ids";
import type { Route } from "../arm/router";
import type { StoredResource } from "../store";
import {
  asObject,
  idFromRequest,
  listBody,
  parentNotFound,
  properties,
  readTags,
  requireLocation,
  requireResourceGroup,
} from "../resources/common";
import { simpleResourceRoutes } from "../resources/simple";
import { GALLERY_IMAGE_VERSION_TYPE, PROVIDER, galleryImageNotAvailable } from "../compute/constants";

/**
 * Nothing twin-only: an image version holds what packer/image-layers.json bakes, the same for
 * every version (the app layer comes from the VM's custom data).
 */
export type ImageVersionMeta = Record<string, never>;

const VERSION_SEGMENTS: [string, string][] = [
  ["galleries", "galleryName"],
  ["images", "galleryImageName"],
  ["versions", "galleryImageVersionName"],
];

export function galleryRoutes(ctx: EmulatorContext): Route[] {
  ctx.ops.register("galleryImageVersion.create", {
    complete: (op) => setState(ctx, op.resourceId, "Succeeded"),
    fail: (op) => setState(ctx, op.resourceId, "Failed"),
  });
  ctx.ops.register("galleryImageVersion.delete", { complete: (op) => void ctx.store.delete(op.resourceId) });
  const base = "/subscriptions/:subscriptionId/resourceGroups/:resourceGroupName/providers/Microsoft.Compute";
  const one = `${base}/galleries/:galleryName/images/:galleryImageName/versions/:galleryImageVersionName`;
  const idOf = (req: ArmRequest) => idFromRequest(req, PROVIDER, VERSION_SEGMENTS);
  const imageIdOf = (req: ArmRequest) => idFromRequest(req, PROVIDER, VERSION_SEGMENTS.slice(0, 2));

  function requireImage(req: ArmRequest): StoredResource {
    requireResourceGroup(ctx, req);
    const image = ctx.store.get(imageIdOf(req));
    if (!image) throw parentNotFound(`${req.params.galleryName}/${req.params.galleryImageName}`);
    return image;
  }

  function put(req: ArmRequest): ArmResponse {
    requireImage(req);
    const body = objectBody(req);
    const name = req.params.galleryImageVersionName;
    if (!/^\d+\.\d+\.\d+$/.test(name) || name.split(".").some((p) => Number(p) > 2147483647)) {
      throw invalidParameter(
        `The gallery image version name '${name}' is invalid. It must be in the format Major(int32).Minor(int32).Patch(int32).`,
        "galleryImageVersionName",
      );
    }
    const location = requireLocation(body);
    const id = idOf(req);
    const existing = ctx.store.get<ImageVersionMeta>(id);
    if (existing && ctx.ops.running(id)) throw concurrentRequest();
    const props = properties(body);
    const publishing = asObject(props.publishingProfile) ?? {};
    const regions =
      Array.isArray(publishing.targetRegions) && publishing.targetRegions.length > 0
        ? (publishing.targetRegions as Record<string, unknown>[])
        : [{ name: location, regionalReplicaCount: 1, storageAccountType: "Standard_LRS" }];
    const version: StoredResource<ImageVersionMeta> = {
      id,
      type: GALLERY_IMAGE_VERSION_TYPE,
      meta: existing?.meta ?? {},
      body: {
        id,
        name,
        type: GALLERY_IMAGE_VERSION_TYPE,
        location,
        ...(readTags(body) ? { tags: readTags(body) } : {}),
        properties: {
          ...props,
          publishingProfile: {
            replicaCount: 1,
            excludeFromLatest: false,
            storageAccountType: "Standard_LRS",
            ...publishing,
            targetRegions: regions.map((r) => ({
              regionalReplicaCount: 1,
              storageAccountType: "Standard_LRS",
              excludeFromLatest: false,
              ...r,
            })),
            publishedDate: new Date(ctx.clock.now()).toISOString(),
          },
          storageProfile: props.storageProfile ?? { osDiskImage: { sizeInGB: 30, hostCaching: "ReadWrite" } },
          provisioningState: existing ? "Updating" : "Creating",
        },
      },
    };
    ctx.store.put(version);
    const op = ctx.ops.begin(req, {
      kind: "galleryImageVersion.create",
      resourceId: id,
      provider: PROVIDER,
      location,
      durationKind: "galleryImageVersion.create",
    });
    return {
      status: existing ? 200 : 201,
      headers: ctx.ops.headers(op, req.baseUrl, false),
      body: version.body,
    };
  }

  return [
    ...simpleResourceRoutes(ctx, {
      provider: PROVIDER,
      segments: [["galleries", "galleryName"]],
      operationPrefix: "Galleries",
    }),
    ...simpleResourceRoutes(ctx, {
      provider: PROVIDER,
      segments: VERSION_SEGMENTS.slice(0, 2),
      operationPrefix: "GalleryImages",
      defaults: (p) => ({ osType: "Linux", osState: "Generalized", hyperVGeneration: "V2", ...p }),
    }),
    { method: "PUT", template: one, operationId: "GalleryImageVersions_CreateOrUpdate", handler: put },
    {
      method: "GET",
      template: one,
      operationId: "GalleryImageVersions_Get",
      handler: (req) => {
        requireImage(req);
        const v = ctx.store.get(idOf(req));
        if (!v)
          throw resourceNotFound(
            GALLERY_IMAGE_VERSION_TYPE,
            req.params.galleryImageVersionName,
            req.params.resourceGroupName,
          );
        return { status: 200, body: v.body };
      },
    },
    {
      method: "GET",
      template: `${base}/galleries/:galleryName/images/:galleryImageName/versions`,
      operationId: "GalleryImageVersions_ListByGalleryImage",
      handler: (req) => {
        requireImage(req);
        return { status: 200, body: listBody(ctx.store.list(GALLERY_IMAGE_VERSION_TYPE, imageIdOf(req))) };
      },
    },
    {
      method: "DELETE",
      template: one,
      operationId: "GalleryImageVersions_Delete",
      handler: (req) => {
        requireImage(req);
        const v = ctx.store.get(idOf(req));
        if (!v) return { status: 204 };
        if (ctx.ops.running(v.id)) throw concurrentRequest();
        v.body.properties.provisioningState = "Deleting";
        ctx.store.save();
        const op = ctx.ops.begin(req, {
          kind: "galleryImageVersion.delete",
          resourceId: v.id,
          provider: PROVIDER,
          location: String(v.body.location),
          durationKind: "galleryImageVersion.delete",
        });
        return { status: 202, headers: ctx.ops.headers(op, req.baseUrl, true) };
      },
    },
  ];
}

function setState(ctx: EmulatorContext, id: string, state: string): void {
  const v = ctx.store.get(id);
  if (!v) return;
  v.body.properties.provisioningState = state;
  ctx.store.save();
}

function semverKey(v: string): number[] {
  return v.split(".").map(Number);
}

function newer(a: string, b: string): boolean {
  const [x, y] = [semverKey(a), semverKey(b)];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] > y[i];
  return false;
}

function replicatedTo(version: { body: StoredResource["body"] }, location: string): boolean {
  const regions = (asObject(version.body.properties.publishingProfile)?.targetRegions ?? []) as {
    name?: string;
  }[];
  return regions.some((r) => normalizeLocation(String(r.name ?? "")) === location);
}

/**
 * The image version an imageReference id names in `location`: a version id, or an image
 * definition id (or ".../versions/latest") meaning its newest version not excluded from latest.
 */
export function resolveImageVersion(
  ctx: EmulatorContext,
  imageId: string,
  location: string,
): StoredResource<ImageVersionMeta> {
  const parsed = parseId(imageId);
  const types = parsed?.types.map((t) => t.toLowerCase()).join("/");
  if (!parsed || (types !== "galleries/images" && types !== "galleries/images/versions")) {
    throw new ArmError(
      400,
      "InvalidParameter",
      `The value of parameter imageReference.id '${imageId}' is invalid.`,
      {
        target: "imageReference.id",
      },
    );
  }
  if (types === "galleries/images/versions" && parsed.names[2].toLowerCase() !== "latest") {
    const v = ctx.store.get<ImageVersionMeta>(imageId);
    if (!v || v.body.properties.provisioningState !== "Succeeded" || !replicatedTo(v, location)) {
      throw galleryImageNotAvailable(imageId, location);
    }
    return v;
  }
  const imageDefId = formatId({
    ...parsed,
    types: parsed.types.slice(0, 2),
    names: parsed.names.slice(0, 2),
  });
  let best: StoredResource<ImageVersionMeta> | undefined;
  for (const v of ctx.store.list<ImageVersionMeta>(GALLERY_IMAGE_VERSION_TYPE, imageDefId)) {
    const pp = asObject(v.body.properties.publishingProfile) ?? {};
    if (v.body.properties.provisioningState !== "Succeeded" || pp.excludeFromLatest === true) continue;
    if (!replicatedTo(v, location)) continue;
    if (!best || newer(v.body.name, best.body.name)) best = v;
  }
  if (!best || !ctx.store.get(imageDefId) || key(best.id).indexOf(key(imageDefId)) !== 0) {
    throw galleryImageNotAvailable(imageId, location);
  }
  return best;
}
