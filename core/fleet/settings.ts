/**
 * Fleet settings from the app settings (core/settings.ts lists them). Defaults suit a small fleet.
 */
import { ClawError } from "../errors";
import { ROLLOUT_POLICIES, type FleetSettings, type RolloutPolicy } from "./deps";
import { parseFleetDefaultSchedule } from "./schedule";

function num(env: Record<string, string | undefined>, name: string, dflt: number, min: number, max: number) {
  const raw = env[name];
  if (raw === undefined || raw === "") return dflt;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max) {
    throw new ClawError(
      "BAD_REQUEST",
      `${name} must be a number from ${min} to ${max}; got '${raw.slice(0, 40)}'`,
    );
  }
  return n;
}

/** Reads the fleet settings; a bad value is an error that names the setting. */
export function fleetSettingsFrom(env: Record<string, string | undefined> = process.env): FleetSettings {
  const policy = (env.ROLLOUT_POLICY ?? "record") as RolloutPolicy;
  if (!ROLLOUT_POLICIES.includes(policy)) {
    throw new ClawError("BAD_REQUEST", `ROLLOUT_POLICY must be one of ${ROLLOUT_POLICIES.join(", ")}`);
  }
  return {
    fleetDefault: parseFleetDefaultSchedule(env.FLEET_DEFAULT_SCHEDULE),
    rolloutPolicy: policy,
    parkWarningMinutes: num(env, "FLEET_PARK_WARNING_MINUTES", 30, 0, 24 * 60),
    tickLookbackMinutes: num(env, "FLEET_TICK_LOOKBACK_MINUTES", 15, 5, 24 * 60),
    maxParallel: num(env, "FLEET_MAX_PARALLEL", 20, 1, 500),
    driftParallel: num(env, "FLEET_DRIFT_PARALLEL", 8, 1, 100),
    // The seed's order (replace) holds no second VM, so only a handoff is bound by the quota.
    upgradeExtraVms:
      env.UPGRADE_STRATEGY === "replace"
        ? Number.MAX_SAFE_INTEGER
        : num(env, "UPGRADE_EXTRA_VMS", 10, 1, 1000),
  };
}
