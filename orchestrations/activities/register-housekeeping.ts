/** Registers runHousekeeping (orchestrations/housekeeping.ts) over the state store and the gateway. */
import { createAzureGatewayFromConfig } from "../../core/azure";
import { retentionPolicyFrom } from "../../core/housekeeping/policy";
import { runHousekeeping, type HousekeepingDeps } from "../../core/housekeeping/run";
import { getActivityDeps } from "./deps";
import { registerActivities } from "./registration";
import { logLine } from "../../core/telemetry";

let cached: HousekeepingDeps | undefined;

/** Tests: run the activity over these dependencies instead of the settings-built ones. */
export function setHousekeepingDeps(deps: HousekeepingDeps | undefined): void {
  cached = deps;
}

async function housekeepingDeps(): Promise<HousekeepingDeps> {
  if (!cached) {
    const { state } = await getActivityDeps();
    cached = {
      state,
      azure: createAzureGatewayFromConfig(process.env),
      policy: retentionPolicyFrom(process.env),
      log: (level, m) => logLine(level, `[housekeeping] ${m}`),
    };
  }
  return cached;
}

registerActivities<
  HousekeepingDeps,
  { runHousekeeping: (i: { at: string }) => ReturnType<typeof runHousekeeping> }
>(["runHousekeeping"], housekeepingDeps, (deps) => ({
  runHousekeeping: (i: { at: string }) => runHousekeeping(deps, i),
}));
