/** The bake webhook's body, apart from its verification so the API document can publish it cheaply. */
import { z } from "zod";
import { imageVersionSchema } from "../domain/names";

export const bakeDeliverySchema = z.object({
  imageVersion: imageVersionSchema,
  galleryImageId: z.string().max(1000).optional(),
  gitSha: z
    .string()
    .regex(/^[0-9a-f]{7,40}$/i, "must be a git commit sha")
    .optional(),
  bakedAt: z.string().max(64).optional(),
  runUrl: z.string().max(500).optional(),
});
