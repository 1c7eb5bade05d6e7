/**
 * The secret value's body schema and size bound, apart from the catalogue (which loads the SSH
 * library) so the API document can publish it cheaply.
 */
import { z } from "zod";

/** Longest secret value accepted. */
export const MAX_SECRET_LENGTH = 8192;

/**
 * Body of PUT /api/v1/claws/{name}/secrets/{key} (the API document publishes this schema); the
 * key's own rules (format, one bot per claw) are checked on top by checkSecretValue.
 */
export const secretPutBodySchema = z.strictObject({
  value: z.string().min(1).max(MAX_SECRET_LENGTH).meta({
    description: "The secret's value, bare: no line breaks, no surrounding spaces",
    writeOnly: true,
  }),
});
