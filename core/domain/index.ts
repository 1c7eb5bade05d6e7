export * from "./names";
export * from "./naming";
export * from "./schedule";
export * from "./spec";
export * from "./commands";
export * from "./validation";
