/**
 * Entry point of the function app ("main" in package.json). Importing a module registers its
 * functions with the Azure Functions v4 programming model; the Azure worker and the dev host
 * both load exactly this file.
 */
import "./http/health";
import "./http";
import "./queue";
import "../orchestrations";
import "./http/rollouts";
import "./http/pins";
import "./hooks/image-baked";
import "./timers/schedule-tick";
import "./timers/drift-reconcile";
import "./timers/housekeeping";
import "./timers/health-sweep";
import "./telegram";
