/** GET /api/v1/openapi.json: the API's OpenAPI 3.1 document, generated from the command schemas. */
import { app, type HttpRequest, type InvocationContext } from "@azure/functions";
import { openApiDocument } from "../../core/openapi";
import { route } from "./deps";
import { json } from "./respond";

export const openApi = route("openApi", async (req: HttpRequest, _context: InvocationContext) => {
  const base = new URL("/api/v1", req.url).href;
  return json(200, openApiDocument(base));
});

app.http("openApi", { route: "v1/openapi.json", methods: ["GET"], authLevel: "function", handler: openApi });
