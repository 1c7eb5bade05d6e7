/** Registers the health sweep's activities over the saga activities' state and SSH, and the fleet notifier. */
import { appRoot } from "../../core/app";
import {
  createHealthActivities,
  healthParallelFrom,
  type HealthActivities,
  type HealthDeps,
} from "../../core/health/sweep";
import { getActivityDeps } from "./deps";
import { registerActivities } from "./registration";
import { logLine } from "../../core/telemetry";

// Here, not beside the factory: registration reads them at load, the factory's module loads on first call.
export const HEALTH_ACTIVITY_NAMES = [
  "planHealthSweep",
  "checkClawHealth",
  "finishHealthSweep",
] as const satisfies ReadonlyArray<keyof HealthActivities>;

let cached: HealthDeps | undefined;

async function healthDeps(): Promise<HealthDeps> {
  if (!cached) {
    const [a, f] = await Promise.all([getActivityDeps(), appRoot().fleet()]);
    cached = {
      state: a.state,
      guest: a.guest,
      notify: f.notify,
      parallel: healthParallelFrom(appRoot().env),
      log: (level, m) => logLine(level, `[health] ${m}`),
    };
  }
  return cached;
}

registerActivities<HealthDeps, HealthActivities>(HEALTH_ACTIVITY_NAMES, healthDeps, (deps) =>
  createHealthActivities(deps),
);
