/**
 * ARM resource ids. ARM compares ids and names case-insensitively but echoes the casing the
 * resource was created with, so the store keys on `key(id)` and keeps the original for display.
 */
export interface ResourceId {
  subscriptionId: string;
  resourceGroup: string;
  provider: string;
  /** Type segments after the provider, e.g. ["galleries", "images", "versions"]. */
  types: string[];
  /** Names matching `types`, e.g. ["g1", "claw-base", "1.2.0"]. */
  names: string[];
}

/** Lower-cased form used as a map key. */
export function key(id: string): string {
  return id.toLowerCase().replace(/\/+$/, "");
}

export function formatId(r: ResourceId): string {
  const parts = r.types.map((t, i) => `${t}/${r.names[i]}`).join("/");
  return `/subscriptions/${r.subscriptionId}/resourceGroups/${r.resourceGroup}/providers/${r.provider}/${parts}`;
}

/** The ARM `type` string, e.g. "Microsoft.Compute/galleries/images/versions". */
export function typeOf(r: ResourceId): string {
  return [r.provider, ...r.types].join("/");
}

/** Parses a full resource id; undefined when it is not one. */
export function parseId(id: string): ResourceId | undefined {
  const m = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/([^/]+)\/(.+)$/i.exec(
    id.replace(/\/+$/, ""),
  );
  if (!m) return undefined;
  const rest = m[4].split("/");
  if (rest.length % 2 !== 0) return undefined;
  const types: string[] = [];
  const names: string[] = [];
  for (let i = 0; i < rest.length; i += 2) {
    types.push(rest[i]);
    names.push(decodeURIComponent(rest[i + 1]));
  }
  return { subscriptionId: m[1], resourceGroup: m[2], provider: m[3], types, names };
}

export function resourceGroupId(subscriptionId: string, resourceGroup: string): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}`;
}

/** Azure's canonical region form: "West US" and "westus" are the same region. */
export function normalizeLocation(location: string): string {
  return location.replace(/\s+/g, "").toLowerCase();
}
