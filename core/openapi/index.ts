export { openApiDocument } from "./document";
export { COMPONENT_SCHEMAS, componentJsonSchemas } from "./schemas";
