export * from "./client";
export { hostKeyFingerprint, HOST_KEY_CHANGED, type ExecResult } from "./connection";
export * from "./endpoints";
export * from "./secrets-file";
export * from "./verify-result";
export * from "./from-config";
export * from "./protocol";
