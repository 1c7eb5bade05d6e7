/**
 * Resources the control plane only references, never changes at run time (resource groups,
 * virtual networks, subnets, NSGs, galleries, image definitions): synchronous PUT/GET/DELETE/list
 * with ARM's status codes, so seeding and references behave as on Azure.
 */
import { randomUUID } from "node:crypto";
import type { EmulatorContext } from "../context";
import { conflict, resourceNotFound } from "../arm/errors";
import { objectBody, type ArmRequest } from "../arm/http";
import { key, parseId, resourceGroupId } from "../arm/ids";
import type { Route } from "../arm/router";
import type { StoredResource } from "../store";
import {
  RESOURCE_GROUP_TYPE,
  idFromRequest,
  listBody,
  locationMismatch,
  parentNotFound,
  properties,
  readTags,
  requireLocation,
  requireResourceGroup,
} from "./common";

export interface SimpleResourceSpec {
  provider: string;
  /** [type, paramName] pairs after the provider, e.g. [["virtualNetworks","vnet"],["subnets","subnet"]]. */
  segments: [string, string][];
  /** ARM operation id prefix, e.g. "Subnets". */
  operationPrefix: string;
  /** Child resources (subnets) carry no location of their own. */
  locationless?: boolean;
  /** Fills in read-only properties on create. */
  defaults?: (props: Record<string, unknown>, id: string) => Record<string, unknown>;
  /** Runs after a PUT stored the resource (a VNet creates its inline subnets). */
  afterPut?: (ctx: EmulatorContext, resource: StoredResource) => void;
  /** A delete is refused (409) while this says the resource is in use. */
  inUse?: (ctx: EmulatorContext, id: string) => string | undefined;
}

/** Routes for one simple resource type. */
export function simpleResourceRoutes(ctx: EmulatorContext, spec: SimpleResourceSpec): Route[] {
  const base = "/subscriptions/:subscriptionId/resourceGroups/:resourceGroupName/providers/" + spec.provider;
  const path = spec.segments.map(([t, p]) => `${t}/:${p}`).join("/");
  const parentPath = spec.segments
    .slice(0, -1)
    .map(([t, p]) => `${t}/:${p}`)
    .join("/");
  const listTemplate = `${base}/${parentPath ? parentPath + "/" : ""}${spec.segments[spec.segments.length - 1][0]}`;
  const type = [spec.provider, ...spec.segments.map(([t]) => t)].join("/");

  function checkParent(req: ArmRequest): void {
    requireResourceGroup(ctx, req);
    if (spec.segments.length < 2) return;
    const parentId = idFromRequest(req, spec.provider, spec.segments.slice(0, -1));
    if (!ctx.store.get(parentId)) {
      throw parentNotFound(
        spec.segments
          .slice(0, -1)
          .map(([, p]) => req.params[p])
          .join("/"),
      );
    }
  }

  return [
    {
      method: "PUT",
      template: `${base}/${path}`,
      operationId: `${spec.operationPrefix}_CreateOrUpdate`,
      handler: (req) => {
        checkParent(req);
        const body = objectBody(req);
        const id = idFromRequest(req, spec.provider, spec.segments);
        const existing = ctx.store.get(id);
        const name = req.params[spec.segments[spec.segments.length - 1][1]];
        let location: string | undefined;
        if (!spec.locationless) {
          location = requireLocation(body);
          if (existing && existing.body.location !== location) {
            throw locationMismatch(
              name,
              String(existing.body.location),
              location,
              req.params.resourceGroupName,
            );
          }
        }
        const props = { ...properties(body) };
        const merged = spec.defaults ? spec.defaults(props, id) : props;
        const resource: StoredResource = {
          id: existing?.id ?? id,
          type,
          meta: existing?.meta ?? {},
          body: {
            id: existing?.id ?? id,
            name: existing?.body.name ?? name,
            type,
            ...(location ? { location } : {}),
            ...(readTags(body) ? { tags: readTags(body) } : {}),
            ...(body.sku ? { sku: body.sku } : {}),
            properties: { ...merged, provisioningState: "Succeeded" },
          },
        };
        if (!resource.body.properties.resourceGuid && spec.provider === "Microsoft.Network") {
          resource.body.properties.resourceGuid =
            (existing?.body.properties.resourceGuid as string | undefined) ?? randomUUID();
        }
        ctx.store.put(resource);
        spec.afterPut?.(ctx, resource);
        return { status: existing ? 200 : 201, body: resource.body };
      },
    },
    {
      method: "GET",
      template: `${base}/${path}`,
      operationId: `${spec.operationPrefix}_Get`,
      handler: (req) => {
        requireResourceGroup(ctx, req);
        const r = ctx.store.get(idFromRequest(req, spec.provider, spec.segments));
        if (!r) throw resourceNotFound(type, lastName(req, spec), req.params.resourceGroupName);
        return { status: 200, body: r.body };
      },
    },
    {
      method: "DELETE",
      template: `${base}/${path}`,
      operationId: `${spec.operationPrefix}_Delete`,
      handler: (req) => {
        requireResourceGroup(ctx, req);
        const id = idFromRequest(req, spec.provider, spec.segments);
        if (!ctx.store.get(id)) return { status: 204 };
        const user = spec.inUse?.(ctx, id);
        if (user) throw conflict("InUseSubnetCannotBeDeleted", `Resource ${id} is in use by ${user}.`);
        for (const child of ctx.store.list(type))
          if (key(child.id).startsWith(key(id) + "/")) ctx.store.delete(child.id);
        ctx.store.delete(id);
        return { status: 200 };
      },
    },
    {
      method: "GET",
      template: listTemplate,
      operationId: `${spec.operationPrefix}_List`,
      handler: (req) => {
        checkParent(req);
        const scope =
          spec.segments.length > 1
            ? idFromRequest(req, spec.provider, spec.segments.slice(0, -1))
            : undefined;
        const all = ctx.store.list(
          type,
          scope ?? resourceGroupId(req.params.subscriptionId, req.params.resourceGroupName),
        );
        return {
          status: 200,
          body: listBody(all.filter((r) => (parseId(r.id)?.types.length ?? 0) === spec.segments.length)),
        };
      },
    },
  ];
}

function lastName(req: ArmRequest, spec: SimpleResourceSpec): string {
  return spec.segments.map(([, p]) => req.params[p]).join("/");
}

/** Resource group create/get/list (ARM's own resource, synchronous). */
export function resourceGroupRoutes(ctx: EmulatorContext): Route[] {
  const template = "/subscriptions/:subscriptionId/resourcegroups/:resourceGroupName";
  return [
    {
      method: "PUT",
      template,
      operationId: "ResourceGroups_CreateOrUpdate",
      handler: (req) => {
        const body = objectBody(req);
        const location = requireLocation(body);
        const id = resourceGroupId(req.params.subscriptionId, req.params.resourceGroupName);
        const existing = ctx.store.get(id);
        const rg = ensureResourceGroup(
          ctx,
          req.params.subscriptionId,
          req.params.resourceGroupName,
          location,
        );
        rg.body.tags = readTags(body) ?? rg.body.tags;
        ctx.store.save();
        return { status: existing ? 200 : 201, body: rg.body };
      },
    },
    {
      method: "GET",
      template,
      operationId: "ResourceGroups_Get",
      handler: (req) => ({ status: 200, body: requireResourceGroup(ctx, req).body }),
    },
    {
      method: "GET",
      template: "/subscriptions/:subscriptionId/resourcegroups",
      operationId: "ResourceGroups_List",
      handler: (req) => ({
        status: 200,
        body: listBody(ctx.store.list(RESOURCE_GROUP_TYPE, `/subscriptions/${req.params.subscriptionId}`)),
      }),
    },
  ];
}

/** Creates a resource group if absent (seeding and the PUT route share it). */
export function ensureResourceGroup(
  ctx: EmulatorContext,
  subscriptionId: string,
  name: string,
  location: string,
): StoredResource {
  const id = resourceGroupId(subscriptionId, name);
  const existing = ctx.store.get(id);
  if (existing) return existing;
  const rg: StoredResource = {
    id,
    type: RESOURCE_GROUP_TYPE,
    meta: {},
    body: { id, name, type: RESOURCE_GROUP_TYPE, location, properties: { provisioningState: "Succeeded" } },
  };
  ctx.store.put(rg);
  return rg;
}
