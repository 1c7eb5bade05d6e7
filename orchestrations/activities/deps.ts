/**
 * Where activities get their dependencies: derived from the composition root (core/app) on first
 * use, once per root.
 */
import { appRoot, type AppRoot } from "../../core/app";
import type { ActivityDeps } from "./ports";
import { activityDepsFrom } from "./wiring";

const built = new WeakMap<AppRoot, ActivityDeps>();

export async function getActivityDeps(): Promise<ActivityDeps> {
  const root = appRoot();
  let deps = built.get(root);
  if (!deps) {
    deps = activityDepsFrom(root);
    built.set(root, deps);
  }
  return deps;
}
