/**
 * GET /api/v1/images: the gallery's image versions usable in the regions claws use (and the
 * fleet's default region), newest first, marked with whether the bake webhook registered them.
 */
import { app, type HttpRequest, type InvocationContext } from "@azure/functions";
import { listGalleryImages } from "../../core/commands";
import { productionDeps, route, type DepsProvider } from "./deps";
import { conditionalJson } from "./conditional";

export function createImageHandlers(deps: DepsProvider) {
  const imagesList = route("imagesList", async (req: HttpRequest, context: InvocationContext) => {
    const images = await listGalleryImages(deps(context), process.env.FLEET_LOCATION);
    return conditionalJson(req, { images });
  });
  return { imagesList };
}

const handlers = createImageHandlers(productionDeps);

app.http("imagesList", {
  route: "v1/images",
  methods: ["GET"],
  authLevel: "function",
  handler: handlers.imagesList,
});
