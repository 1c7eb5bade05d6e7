/** The control plane's command handling: one handler for every channel, plus its read side. */
export { auditRefusal, handleCommand, PENDING_WAIT_MS } from "./handler";
export { parseCommand } from "./parse";
export { createRequestLog, requestLogOn, type RequestLog, type RequestRecord } from "./requests";
export {
  claimMayBeStale,
  commandLeaseMs,
  freeAbandonedClaims,
  OPERATIONS_PATH,
  PENDING_TAKEOVER_MS,
} from "./saga";
export {
  clawView,
  describeOperation,
  imageView,
  listOperations,
  OPERATION_STATUSES,
  type ClawView,
  type ImageView,
  type OperationView,
} from "./queries";
export { sagaClientFrom } from "./durable";
export {
  listGalleryImages,
  requireImageInGallery,
  type GalleryImageView,
  type GalleryReader,
  type GalleryVersion,
} from "./gallery";
export type * from "./types";
