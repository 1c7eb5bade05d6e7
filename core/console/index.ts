export * from "./fleet-hours";
export * from "./prices";
export * from "./fleet-view";
