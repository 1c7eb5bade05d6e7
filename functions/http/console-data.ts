/**
 * Reads the operator's console needs beyond the claws and operations:
 * GET /api/v1/audit?days=&limit= (who did what, from which channel, newest first) and
 * GET /api/v1/stats/fleet-hours?days= (running vs parked hours per day, cost saved by parking) and
 * GET /api/v1/fleet (every claw with its schedule, next park/wake, pin and live operation step).
 */
import { app, type HttpRequest, type InvocationContext } from "@azure/functions";
import { fleetHours, fleetView, priceTableFrom } from "../../core/console";
import { appRoot } from "../../core/app";
import { fleetSettingsFrom } from "../../core/fleet/settings";
import { conditionalJson } from "./conditional";
import { productionDeps, route, type DepsProvider } from "./deps";
import { limitQuery } from "./request";

/** Operation records read for the hours chart (newest first): ample for 300 claws over two weeks. */
const HOURS_OPERATIONS_LIMIT = 20_000;

/** Pins live in the fleet's state; a fleet not configured (or not reachable) shows no pins. */
async function readPins(context: InvocationContext): Promise<Map<string, Date> | undefined> {
  try {
    return await appRoot().storage.fleet.pins();
  } catch (e) {
    context.warn("reading the pins failed; the fleet view shows none", e);
    return undefined;
  }
}

export function createConsoleDataHandlers(deps: DepsProvider, now: () => Date = () => new Date()) {
  const auditList = route("auditList", async (req: HttpRequest, context: InvocationContext) => {
    const entries = await deps(context).state.audit.recent({
      days: limitQuery(req, "days", 31) ?? 7,
      limit: limitQuery(req, "limit", 1000) ?? 200,
    });
    return conditionalJson(req, { entries });
  });

  const fleetHoursStats = route("fleetHoursStats", async (req: HttpRequest, context: InvocationContext) => {
    const state = deps(context).state;
    const [claws, operations] = await Promise.all([
      state.claws.list(),
      state.operations.list({ limit: HOURS_OPERATIONS_LIMIT }),
    ]);
    const days = limitQuery(req, "days", 62) ?? 14;
    return conditionalJson(req, fleetHours(claws, operations, priceTableFrom(), { days, now: now() }));
  });

  const fleetList = route("fleetList", async (req: HttpRequest, context: InvocationContext) => {
    const d = deps(context);
    const [claws, running, pins] = await Promise.all([
      d.state.claws.list(),
      d.state.operations.list({ status: "running", limit: 1000 }),
      readPins(context),
    ]);
    const view = fleetView(claws, running, {
      now: now(),
      fleetDefault: fleetSettingsFrom().fleetDefault,
      pins,
    });
    return conditionalJson(req, view);
  });

  return { auditList, fleetHoursStats, fleetList };
}

const handlers = createConsoleDataHandlers(productionDeps);

app.http("auditList", {
  route: "v1/audit",
  methods: ["GET"],
  authLevel: "function",
  handler: handlers.auditList,
});
app.http("fleetHoursStats", {
  route: "v1/stats/fleet-hours",
  methods: ["GET"],
  authLevel: "function",
  handler: handlers.fleetHoursStats,
});
app.http("fleetList", {
  route: "v1/fleet",
  methods: ["GET"],
  authLevel: "function",
  handler: handlers.fleetList,
});
