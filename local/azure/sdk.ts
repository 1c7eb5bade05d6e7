/**
 * Pointing the real Azure SDK clients at the emulator. The SDK refuses to send a bearer token
 * over plain HTTP, so for the emulator the bearer policy is replaced by one that sends a fixed
 * token (setup 2 of the ARM facts notes). Production code builds its clients as usual and
 * calls `useEmulator` only when ARM_ENDPOINT names an http:// emulator.
 */
import type { TokenCredential } from "@azure/core-auth";
import type { Pipeline, PipelinePolicy } from "@azure/core-rest-pipeline";

/** A credential that never leaves the machine; the emulator only checks that a token is present. */
export const emulatorCredential: TokenCredential = {
  getToken: () => Promise.resolve({ token: "emulator-token", expiresOnTimestamp: Date.now() + 3_600_000 }),
};

const fixedBearer: PipelinePolicy = {
  name: "emulatorBearerPolicy",
  sendRequest(request, next) {
    request.headers.set("authorization", "Bearer emulator-token");
    return next(request);
  },
};

/** Client options for an emulator at `endpoint` (http://127.0.0.1:PORT). */
export function emulatorClientOptions(endpoint: string): {
  endpoint: string;
  allowInsecureConnection: true;
  additionalPolicies: { policy: PipelinePolicy; position: "perCall" }[];
} {
  return {
    endpoint,
    allowInsecureConnection: true,
    additionalPolicies: [{ policy: fixedBearer, position: "perCall" }],
  };
}

/** Removes the bearer-token policy (which refuses http://) from a client built with emulatorClientOptions. */
export function useEmulator<T extends { pipeline: Pipeline }>(client: T): T {
  client.pipeline.removePolicy({ name: "bearerTokenAuthenticationPolicy" });
  return client;
}
