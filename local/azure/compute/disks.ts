/**
 * Managed disks and snapshots. A disk's contents are a directory named after its uniqueId under
 * the emulator's disk root, so a claw's data disk is real files that outlive every VM it rides on,
 * and a snapshot (or a disk copied from one) is a point-in-time copy taken when the request lands.
 */
import { randomUUID } from "node:crypto";
import * as fs from "node:fs/promises";
import * as path from "node:path";
import type { EmulatorContext } from "../context";
import { ArmError, concurrentRequest, invalidParameter, resourceNotFound } from "../arm/errors";
import { objectBody, type ArmRequest, type ArmResponse } from "../arm/http";
import { parseId, resourceGroupId } from "../arm/ids";
import type { Route } from "../arm/router";
import type { OperationRecord, StoredResource } from "../store";
import {
  asObject,
  exclusive,
  idFromRequest,
  listBody,
  locationMismatch,
  properties,
  readTags,
  requireLocation,
  requireResourceGroup,
  requiredParameter,
} from "../resources/common";
import {
  DISK_TYPE,
  MAX_DISK_SIZE_GB,
  PROVIDER,
  SNAPSHOT_TYPE,
  diskAttachedCannotDelete,
  propertyChangeNotAllowed,
} from "./constants";
import { resolveImageVersion, type ImageVersionMeta } from "../gallery";

export interface DiskMeta {
  uniqueId: string;
}

type Kind = "disks" | "snapshots";

/** Directory holding a disk's (or snapshot's) contents. */
export function diskDir(ctx: EmulatorContext, disk: StoredResource<DiskMeta>): string {
  return path.join(ctx.diskRoot, disk.meta.uniqueId);
}

/**
 * Creates a disk record and its directory (used by the disk PUT and by VM create for OS disks).
 * `source` is a directory to copy from; absent means an empty, unformatted disk.
 */
export async function createDiskRecord(
  ctx: EmulatorContext,
  id: string,
  init: {
    type: string;
    location: string;
    sku?: unknown;
    tags?: Record<string, string>;
    creationData: Record<string, unknown>;
    diskSizeGB: number;
    osType?: string;
    source?: string;
    incremental?: boolean;
    provisioningState: string;
  },
): Promise<StoredResource<DiskMeta>> {
  const uniqueId = randomUUID();
  const dir = path.join(ctx.diskRoot, uniqueId);
  if (init.source) await fs.cp(init.source, dir, { recursive: true, verbatimSymlinks: true });
  else await fs.mkdir(dir, { recursive: true });
  const parsed = parseId(id)!;
  const isDisk = init.type === DISK_TYPE;
  const disk: StoredResource<DiskMeta> = {
    id,
    type: init.type,
    meta: { uniqueId },
    body: {
      id,
      name: parsed.names[parsed.names.length - 1],
      type: init.type,
      location: init.location,
      ...(init.tags ? { tags: init.tags } : {}),
      sku: init.sku ?? { name: "Standard_LRS", tier: "Standard" },
      properties: {
        ...(init.osType ? { osType: init.osType } : {}),
        creationData: init.creationData,
        diskSizeGB: init.diskSizeGB,
        diskSizeBytes: init.diskSizeGB * 1024 ** 3,
        uniqueId,
        encryption: { type: "EncryptionAtRestWithPlatformKey" },
        networkAccessPolicy: "AllowAll",
        publicNetworkAccess: "Enabled",
        timeCreated: new Date(ctx.clock.now()).toISOString(),
        provisioningState: init.provisioningState,
        ...(isDisk ? { diskState: "Unattached" } : { incremental: init.incremental === true }),
      },
    },
  };
  ctx.store.put(disk);
  return disk;
}

/** Removes a disk record and its contents. */
export async function destroyDisk(ctx: EmulatorContext, disk: StoredResource<DiskMeta>): Promise<void> {
  ctx.store.delete(disk.id);
  await fs.rm(diskDir(ctx, disk), { recursive: true, force: true });
}

export function diskRoutes(ctx: EmulatorContext, kind: Kind): Route[] {
  const type = kind === "disks" ? DISK_TYPE : SNAPSHOT_TYPE;
  const prefix = kind === "disks" ? "Disks" : "Snapshots";
  const param = kind === "disks" ? "diskName" : "snapshotName";
  const rgBase =
    "/subscriptions/:subscriptionId/resourceGroups/:resourceGroupName/providers/Microsoft.Compute";
  const one = `${rgBase}/${kind}/:${param}`;
  const idOf = (req: ArmRequest) => idFromRequest(req, PROVIDER, [[kind, param]]);
  const writeLimit = (req: ArmRequest) => ({ policy: "CreateUpdateDisks", resourceId: idOf(req) });

  ctx.ops.register(`${kind}.create`, { complete: (op) => finishProvisioning(ctx, op) });
  ctx.ops.register(`${kind}.update`, { complete: (op) => finishProvisioning(ctx, op) });
  ctx.ops.register(`${kind}.delete`, {
    complete: async (op) => {
      const d = ctx.store.get<DiskMeta>(op.resourceId);
      if (d) await destroyDisk(ctx, d);
    },
  });

  function accepted(req: ArmRequest, disk: StoredResource<DiskMeta>, op: string, status = 202): ArmResponse {
    const record = ctx.ops.begin(req, {
      kind: `${kind}.${op}`,
      resourceId: disk.id,
      provider: PROVIDER,
      location: String(disk.body.location),
      collection: "DiskOperations",
      durationKind: `${kind === "disks" ? "disk" : "snapshot"}.${op}`,
      embedOutput: op !== "delete",
      monitorReturnsResource: op !== "delete",
    });
    return {
      status,
      headers: ctx.ops.headers(record, req.baseUrl, true),
      body: op === "delete" ? undefined : disk.body,
    };
  }

  async function put(req: ArmRequest, patch: boolean): Promise<ArmResponse> {
    requireResourceGroup(ctx, req);
    const body = objectBody(req);
    const id = idOf(req);
    const existing = ctx.store.get<DiskMeta>(id);
    if (!existing) {
      if (patch) throw resourceNotFound(type, req.params[param], req.params.resourceGroupName);
      return create(req, id, body);
    }
    if (ctx.ops.running(existing.id)) throw concurrentRequest();
    const props = properties(body);
    if (!patch) {
      const location = requireLocation(body);
      if (location !== existing.body.location) {
        throw locationMismatch(
          existing.body.name,
          String(existing.body.location),
          location,
          req.params.resourceGroupName,
        );
      }
    }
    const creation = asObject(props.creationData);
    const current = asObject(existing.body.properties.creationData) ?? {};
    for (const f of ["createOption", "sourceResourceId"]) {
      if (
        creation?.[f] !== undefined &&
        String(creation[f]).toLowerCase() !== String(current[f] ?? "").toLowerCase()
      ) {
        throw propertyChangeNotAllowed(`creationData.${f}`);
      }
    }
    if (props.diskSizeGB !== undefined) {
      const size = Number(props.diskSizeGB);
      if (size < Number(existing.body.properties.diskSizeGB)) {
        throw invalidParameter("Disk size can only be increased.", "diskSizeGB");
      }
      existing.body.properties.diskSizeGB = size;
      existing.body.properties.diskSizeBytes = size * 1024 ** 3;
    }
    const tags = readTags(body);
    if (tags || !patch) existing.body.tags = tags;
    if (body.sku) existing.body.sku = body.sku;
    existing.body.properties.provisioningState = "Updating";
    ctx.store.save();
    return accepted(req, existing, "update", 200);
  }

  async function create(req: ArmRequest, id: string, body: Record<string, unknown>): Promise<ArmResponse> {
    const location = requireLocation(body);
    const props = properties(body);
    const creation = asObject(props.creationData);
    if (!creation) throw requiredParameter("creationData");
    const option = String(creation.createOption ?? "");
    let size = props.diskSizeGB === undefined ? undefined : Number(props.diskSizeGB);
    let source: string | undefined;
    let image: StoredResource<ImageVersionMeta> | undefined;
    if (option === "FromImage" && kind === "disks") {
      const ref = asObject(creation.galleryImageReference) ?? asObject(creation.imageReference);
      if (typeof ref?.id !== "string") throw requiredParameter("creationData.galleryImageReference.id");
      image = resolveImageVersion(ctx, ref.id, location);
      const imageSize = Number(
        asObject(asObject(image.body.properties.storageProfile)?.osDiskImage)?.sizeInGB ?? 30,
      );
      size = Math.max(size ?? 0, imageSize);
    } else if (option === "Empty" && kind === "disks") {
      if (size === undefined) throw requiredParameter("diskSizeGB");
    } else if (option === "Copy" || option === "Restore") {
      const from = ctx.store.get<DiskMeta>(String(creation.sourceResourceId ?? ""));
      if (!from || (from.type !== DISK_TYPE && from.type !== SNAPSHOT_TYPE)) {
        throw new ArmError(404, "NotFound", `Resource ${String(creation.sourceResourceId)} not found.`, {
          target: "sourceResourceId",
        });
      }
      size = Math.max(size ?? 0, Number(from.body.properties.diskSizeGB));
      source = diskDir(ctx, from);
    } else {
      throw invalidParameter(
        `The value '${option}' of parameter 'creationData.createOption' is not supported by the emulator ` +
          `for ${kind} (supported: ${kind === "disks" ? "Empty, FromImage, " : ""}Copy, Restore).`,
        "creationData.createOption",
      );
    }
    if (!Number.isFinite(size) || size! < 1 || size! > MAX_DISK_SIZE_GB) {
      throw invalidParameter(`Disk size ${String(size)} GB is outside 1..${MAX_DISK_SIZE_GB}.`, "diskSizeGB");
    }
    const disk = await createDiskRecord(ctx, id, {
      type,
      location,
      sku: body.sku,
      tags: readTags(body),
      creationData: creation,
      diskSizeGB: size!,
      osType: image ? "Linux" : typeof props.osType === "string" ? props.osType : undefined,
      incremental: props.incremental === true,
      source,
      provisioningState: "Updating",
    });
    // The image's baked layers only: no provisioning and no app layer, whoever boots it later.
    if (image) await ctx.guests.installImage(diskDir(ctx, disk), image.body.name);
    return accepted(req, disk, "create");
  }

  return [
    {
      method: "PUT",
      template: one,
      operationId: `${prefix}_CreateOrUpdate`,
      limit: writeLimit,
      handler: (r) => exclusive(ctx, idOf(r), () => put(r, false)),
    },
    {
      method: "PATCH",
      template: one,
      operationId: `${prefix}_Update`,
      limit: writeLimit,
      handler: (r) => exclusive(ctx, idOf(r), () => put(r, true)),
    },
    {
      method: "GET",
      template: one,
      operationId: `${prefix}_Get`,
      limit: () => ({ policy: "GetDisks" }),
      handler: (req) => {
        requireResourceGroup(ctx, req);
        const d = ctx.store.get(idOf(req));
        if (!d) throw resourceNotFound(type, req.params[param], req.params.resourceGroupName);
        return { status: 200, body: d.body };
      },
    },
    {
      method: "DELETE",
      template: one,
      operationId: `${prefix}_Delete`,
      limit: (req) => ({ policy: "DeleteDisks", resourceId: idOf(req) }),
      handler: (req) => {
        requireResourceGroup(ctx, req);
        const d = ctx.store.get<DiskMeta>(idOf(req));
        if (!d) return { status: 204 };
        if (typeof d.body.managedBy === "string")
          throw diskAttachedCannotDelete(d.body.name, d.body.managedBy);
        if (ctx.ops.running(d.id)) throw concurrentRequest();
        return accepted(req, d, "delete");
      },
    },
    {
      method: "GET",
      template: `${rgBase}/${kind}`,
      operationId: `${prefix}_ListByResourceGroup`,
      handler: (req) => {
        requireResourceGroup(ctx, req);
        return {
          status: 200,
          body: listBody(
            ctx.store.list(type, resourceGroupId(req.params.subscriptionId, req.params.resourceGroupName)),
          ),
        };
      },
    },
    {
      method: "GET",
      template: `/subscriptions/:subscriptionId/providers/Microsoft.Compute/${kind}`,
      operationId: `${prefix}_List`,
      handler: (req) => ({
        status: 200,
        body: listBody(ctx.store.list(type, `/subscriptions/${req.params.subscriptionId}`)),
      }),
    },
  ];
}

function finishProvisioning(ctx: EmulatorContext, op: OperationRecord): void {
  const d = ctx.store.get(op.resourceId);
  if (!d) throw new ArmError(404, "NotFound", `Resource ${op.resourceId} not found.`);
  d.body.properties.provisioningState = "Succeeded";
  ctx.store.save();
}
