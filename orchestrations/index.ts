/** Registers every saga and activity with the function app (imported by functions/index.ts). */
export {};
