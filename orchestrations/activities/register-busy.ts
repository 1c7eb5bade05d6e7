/** Registers askAgentBusy and recordDeferral (orchestrations/defer-while-busy.ts calls them). */
import {
  BUSY_ACTIVITY_NAMES,
  busySettingsFrom,
  createBusyActivities,
  type BusyActivities,
} from "./busy-activities";
import { getActivityDeps } from "./deps";
import type { ActivityDeps } from "./ports";
import { registerActivities } from "./registration";

interface BusyDeps {
  deps: ActivityDeps;
  settings: ReturnType<typeof busySettingsFrom>;
}
const built = new WeakMap<ActivityDeps, BusyDeps>();

registerActivities<BusyDeps, BusyActivities>(
  BUSY_ACTIVITY_NAMES,
  async () => {
    const deps = await getActivityDeps();
    let b = built.get(deps);
    if (!b) {
      b = { deps, settings: busySettingsFrom(process.env) };
      built.set(deps, b);
    }
    return b;
  },
  (b) => createBusyActivities(b.deps, b.settings),
);
