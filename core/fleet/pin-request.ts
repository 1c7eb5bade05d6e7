/**
 * The pin request's schema, apart from pinning itself so the API document can publish it without
 * loading the command handler.
 */
import { z } from "zod";

export const MAX_PIN_HOURS = 168;

/** Body of POST /api/v1/claws/{name}/pin (the API document publishes this schema). */
export const pinRequestSchema = z.strictObject({
  hours: z
    .number()
    .gt(0, `must be a number of hours more than 0 and at most ${MAX_PIN_HOURS}`)
    .max(MAX_PIN_HOURS, `must be a number of hours more than 0 and at most ${MAX_PIN_HOURS}`)
    .meta({ description: "How long to keep the claw awake" }),
});
