/** GET /api/v1/images: the gallery versions the control plane knows, newest first. */
import { app, type HttpRequest, type InvocationContext } from "@azure/functions";
import { imageView } from "../../core/commands";
import { productionDeps, route, type DepsProvider } from "./deps";
import { conditionalJson } from "./conditional";

export function createImageHandlers(deps: DepsProvider) {
  const imagesList = route("imagesList", async (req: HttpRequest, context: InvocationContext) => {
    const images = await deps(context).state.images.list();
    return conditionalJson(req, { images: images.map(imageView) });
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
