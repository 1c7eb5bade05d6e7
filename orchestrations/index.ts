/** Registers every saga and activity with the function app (imported by functions/index.ts). */
import "./activities/register";
import "./activities/register-busy";
import "./activities/notify-activities";
import "./deploy-claw";
import "./upgrade-claw";
import "./simple-sagas";
import "./activities/register-fleet";
import "./rollout-fleet";
import "./schedule-tick";
import "./image-baked";
import "./reconcile-drift";
import "./activities/register-housekeeping";
import "./housekeeping";
import "./activities/register-health";
import "./health-sweep";
