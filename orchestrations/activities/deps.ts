/**
 * Where activities get their dependencies. Production (Azure or the twin) builds them once from
 * configuration (wiring.ts); tests install their own with setActivityDeps.
 */
import type { ActivityDeps } from "./ports";

let provider: (() => Promise<ActivityDeps>) | undefined;
let cached: Promise<ActivityDeps> | undefined;

export function setActivityDepsProvider(p: () => Promise<ActivityDeps>): void {
  provider = p;
  cached = undefined;
}

export function setActivityDeps(deps: ActivityDeps): void {
  setActivityDepsProvider(async () => deps);
}

export function getActivityDeps(): Promise<ActivityDeps> {
  if (!provider)
    throw new Error("activity dependencies are not configured (call setActivityDepsProvider at startup)");
  cached ??= provider().catch((e) => {
    cached = undefined;
    throw e;
  });
  return cached;
}
