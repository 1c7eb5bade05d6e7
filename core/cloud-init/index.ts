export { renderCloudInit, CUSTOM_DATA_MAX_BYTES, CLAW_OPT, DEFAULT_ADMIN_USER } from "./render";
export type { CloudInitSpec, RenderedCloudInit, RenderOptions } from "./render";
export { findRuntimeDir, readPayload, PAYLOAD_ENTRIES } from "./payload";
export type { PayloadFile } from "./payload";
