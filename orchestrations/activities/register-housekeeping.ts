/** Registers runHousekeeping (orchestrations/housekeeping.ts) over the state store and the gateway. */
import { appRoot } from "../../core/app";
import { retentionPolicyFrom } from "../../core/housekeeping/policy";
import { runHousekeeping, type HousekeepingDeps } from "../../core/housekeeping/run";
import { registerActivities } from "./registration";
import { logLine } from "../../core/telemetry";

let cached: HousekeepingDeps | undefined;

/** Tests: run the activity over these dependencies instead of the settings-built ones. */
export function setHousekeepingDeps(deps: HousekeepingDeps | undefined): void {
  cached = deps;
}

async function housekeepingDeps(): Promise<HousekeepingDeps> {
  if (!cached) {
    const root = appRoot();
    cached = {
      state: root.storage.state,
      azure: root.gateway(),
      policy: retentionPolicyFrom(root.env),
      log: (level, m) => logLine(level, `[housekeeping] ${m}`),
    };
  }
  return cached;
}

export type HousekeepingActivities = {
  runHousekeeping(i: { at: string }): ReturnType<typeof runHousekeeping>;
};

registerActivities<HousekeepingDeps, HousekeepingActivities>(
  ["runHousekeeping"],
  housekeepingDeps,
  (deps) => ({
    runHousekeeping: (i: { at: string }) => runHousekeeping(deps, i),
  }),
);
