export * from "./claw-logs";
export * from "./redact-tokens";
