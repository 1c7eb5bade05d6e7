/**
 * Fleet settings from the app settings (core/settings.ts lists them). Defaults suit a small fleet.
 */
import { ClawError } from "../errors";
import { ROLLOUT_POLICIES, type FleetSettings, type RolloutPolicy } from "./deps";
import { parseFleetDefaultSchedule } from "./schedule";
import { numberSetting } from "../settings";

/** Reads the fleet settings; a bad value is an error that names the setting. */
export function fleetSettingsFrom(env: Record<string, string | undefined> = process.env): FleetSettings {
  const policy = (env.ROLLOUT_POLICY ?? "record") as RolloutPolicy;
  if (!ROLLOUT_POLICIES.includes(policy)) {
    throw new ClawError("BAD_REQUEST", `ROLLOUT_POLICY must be one of ${ROLLOUT_POLICIES.join(", ")}`);
  }
  return {
    fleetDefault: parseFleetDefaultSchedule(env.FLEET_DEFAULT_SCHEDULE),
    rolloutPolicy: policy,
    parkWarningMinutes: numberSetting(env, "FLEET_PARK_WARNING_MINUTES", 30, 0, 24 * 60),
    tickLookbackMinutes: numberSetting(env, "FLEET_TICK_LOOKBACK_MINUTES", 15, 5, 24 * 60),
    maxParallel: numberSetting(env, "FLEET_MAX_PARALLEL", 20, 1, 500),
    driftParallel: numberSetting(env, "FLEET_DRIFT_PARALLEL", 8, 1, 100),
    // The seed's order (replace) holds no second VM, so only a handoff is bound by the quota.
    upgradeExtraVms:
      env.UPGRADE_STRATEGY === "replace"
        ? Number.MAX_SAFE_INTEGER
        : numberSetting(env, "UPGRADE_EXTRA_VMS", 10, 1, 1000),
  };
}
