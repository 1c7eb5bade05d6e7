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
import { appRoot } from "../core/app";
import { useTraceLinks } from "../core/telemetry";

// Saga spans are stored in the app's own account, under its table prefix.
useTraceLinks(() => appRoot().storage.traceLinks);
