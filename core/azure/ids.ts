/** Small helpers for ARM resource ids (case-insensitive, as ARM treats them). */

export function sameId(a: string | undefined, b: string | undefined): boolean {
  return !!a && !!b && a.toLowerCase() === b.toLowerCase();
}

/** The resource's name: the last segment of its id. */
export function lastSegment(id: string): string {
  return id.split("/").pop() ?? id;
}

/** Resource group of a resource id (a disk restored elsewhere may live outside the fleet's). */
export function resourceGroupOf(id: string, fallback: string): string {
  return /\/resourceGroups\/([^/]+)\//i.exec(id)?.[1] ?? fallback;
}
