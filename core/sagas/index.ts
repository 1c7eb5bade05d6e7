/** Saga names, inputs, instance ids and control events: what triggers and sagas agree on. */
export * from "./claw";
export * from "./fleet";
