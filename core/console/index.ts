export * from "./fleet-hours";
export * from "./prices";
