/**
 * Checks and shapes shared by every resource provider: resource group existence, location,
 * tags, parent resources, list envelopes.
 */
import type { EmulatorContext } from "../context";
import { ArmError, badRequest, concurrentRequest, resourceGroupNotFound } from "../arm/errors";
import type { ArmRequest } from "../arm/http";
import { normalizeLocation, resourceGroupId } from "../arm/ids";
import type { StoredResource } from "../store";

export const RESOURCE_GROUP_TYPE = "Microsoft.Resources/resourceGroups";

/** The resource group named in the request, or ARM's 404. */
export function requireResourceGroup(ctx: EmulatorContext, req: ArmRequest): StoredResource {
  const rg = ctx.store.get(resourceGroupId(req.params.subscriptionId, req.params.resourceGroupName));
  if (!rg) throw resourceGroupNotFound(req.params.resourceGroupName);
  return rg;
}

/** The full id of the resource the request addresses: `segments` are [type, paramName] pairs. */
export function idFromRequest(req: ArmRequest, provider: string, segments: [string, string][]): string {
  const tail = segments.map(([type, param]) => `${type}/${req.params[param]}`).join("/");
  return `${resourceGroupId(req.params.subscriptionId, req.params.resourceGroupName)}/providers/${provider}/${tail}`;
}

export function requireLocation(body: Record<string, unknown>): string {
  if (typeof body.location !== "string" || body.location.trim() === "") {
    throw badRequest("LocationRequired", "The location property is required for this definition.");
  }
  return normalizeLocation(body.location);
}

/** ARM's tag rules that a real caller can trip over: at most 50, names ≤ 512, values ≤ 256. */
export function readTags(body: Record<string, unknown>): Record<string, string> | undefined {
  if (body.tags === undefined || body.tags === null) return undefined;
  if (typeof body.tags !== "object" || Array.isArray(body.tags)) {
    throw badRequest("InvalidRequestContent", "The request content was invalid: 'tags' must be an object.");
  }
  const tags = body.tags as Record<string, unknown>;
  if (Object.keys(tags).length > 50) {
    throw badRequest("InvalidTagCount", "The number of tags on a resource cannot exceed 50.");
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(tags)) {
    if (k.length > 512 || String(v).length > 256 || /[<>%&\\?/]/.test(k)) {
      throw badRequest("InvalidTagNameCharacters", `The tag name '${k}' has invalid characters or length.`);
    }
    out[k] = String(v);
  }
  return out;
}

export function properties(body: Record<string, unknown>): Record<string, unknown> {
  const p = body.properties;
  if (p === undefined || p === null) return {};
  if (typeof p !== "object" || Array.isArray(p)) {
    throw badRequest(
      "InvalidRequestContent",
      "The request content was invalid: 'properties' must be an object.",
    );
  }
  return p as Record<string, unknown>;
}

/** ARM's answer when a nested resource's parent is missing. */
export function parentNotFound(parentPath: string): ArmError {
  return new ArmError(
    404,
    "ParentResourceNotFound",
    `Can not perform requested operation on nested resource. Parent resource '${parentPath}' not found.`,
    { headers: { "x-ms-failure-cause": "gateway" } },
  );
}

/** ARM's 409 when a resource is re-PUT in another region. */
export function locationMismatch(name: string, existing: string, requested: string, rg: string): ArmError {
  return new ArmError(
    409,
    "InvalidResourceLocation",
    `The resource '${name}' already exists in location '${existing}' in resource group '${rg}'. ` +
      `A resource with the same name cannot be created in location '${requested}'. Please select a new resource name.`,
  );
}

export function listBody(items: StoredResource[]): { value: unknown[] } {
  return { value: items.map((i) => i.body) };
}

export function requiredParameter(name: string): ArmError {
  return new ArmError(400, "InvalidParameter", `Required parameter '${name}' is missing (null).`, {
    target: name,
  });
}

/** Plain-object check used while walking request bodies. */
export function asObject(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === "object" && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}

/**
 * Runs a mutating handler alone for its resource: a second write that lands while the first is
 * still being handled (the emulator awaits file work mid-request) gets ARM's 409, as a concurrent
 * write does on Azure, instead of interleaving.
 */
export async function exclusive<T>(ctx: EmulatorContext, id: string, fn: () => Promise<T> | T): Promise<T> {
  const k = id.toLowerCase();
  if (ctx.busy.has(k)) throw concurrentRequest();
  ctx.busy.add(k);
  try {
    return await fn();
  } finally {
    ctx.busy.delete(k);
  }
}
