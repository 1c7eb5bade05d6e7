/**
 * Building the real @azure/arm-compute and @azure/arm-network clients, for Azure or for the twin's
 * emulator, with the gateway's retry policy in place of the SDK's, requests paced by ARM's remaining
 * budget (request-budget.ts) and LRO polls paced by Retry-After (poll-pacing.ts). Everything that
 * differs between Azure and the twin at the HTTP level is in this file:
 * - Azure: management.azure.com over TLS with the given credential (DefaultAzureCredential).
 * - Emulator over https:// (no process-wide setting needed): the emulator's CA is trusted through
 *   an https.Agent given to the SDK's pipeline (`agent` option); the bearer policy works unchanged
 *   with a static token.
 * - Emulator over http://: the SDK refuses to send a bearer token over plain HTTP even
 *   with allowInsecureConnection, so the bearer policy is removed and a policy that sends the
 *   static token is added. Never used for anything but a loopback emulator.
 */
import * as https from "node:https";
import type { ComputeManagementClient } from "@azure/arm-compute";
import type { NetworkManagementClient } from "@azure/arm-network";
import type { TokenCredential } from "@azure/core-auth";
import type { Pipeline, PipelinePolicy } from "@azure/core-rest-pipeline";
import { armPollPacingPolicy } from "./poll-pacing";
import { armRequestBudgetPolicy } from "./request-budget";
import { armRetryPolicy, type RetryOptions, type Sleep } from "./retry-policy";
import { armAttemptTracingPolicy, armTracingPolicy } from "./tracing-policy";

export const AZURE_ARM_ENDPOINT = "https://management.azure.com";

/** Token the twin's emulator accepts (it checks only that a bearer token is present). */
export const EMULATOR_TOKEN = "openclawps-twin-token";

/** A credential that never leaves the machine, for the twin. */
export function staticTokenCredential(token = EMULATOR_TOKEN): TokenCredential {
  return {
    getToken: () => Promise.resolve({ token, expiresOnTimestamp: Date.now() + 3_600_000 }),
  };
}

export interface ArmClientsOptions {
  subscriptionId: string;
  credential: TokenCredential;
  /** ARM endpoint; default management.azure.com. */
  endpoint?: string;
  /** PEM CA certificate(s) to trust for an https:// endpoint (the emulator's own CA). */
  caCert?: string | Buffer;
  retry: RetryOptions;
  sleep: Sleep;
  log: (message: string) => void;
  /** First-poll hold of an LRO whose answer has no Retry-After (the poll interval); default none. */
  firstPollDelayMs?: number;
  /** Extra SDK client options (user agent, logging, ...), merged over ours. */
  clientOptions?: Record<string, unknown>;
  /** Pace requests by ARM's remaining-request headers (request-budget.ts); default true. */
  requestBudget?: boolean;
}

export interface ArmClients {
  compute: ComputeManagementClient;
  network: NetworkManagementClient;
}

function isLoopback(url: URL): boolean {
  return ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
}

function staticBearer(credential: TokenCredential): PipelinePolicy {
  return {
    name: "openclawpsStaticBearerPolicy",
    async sendRequest(request, next) {
      const token = await credential.getToken(`${AZURE_ARM_ENDPOINT}/.default`);
      if (token) request.headers.set("authorization", `Bearer ${token.token}`);
      return next(request);
    },
  };
}

/**
 * Replaces the SDK's retry policy (and, for http://, its bearer policy) on a built client, and adds
 * the request budget (shared by both clients: ARM's buckets are per subscription) and poll pacing.
 */
function adapt(pipeline: Pipeline, o: ArmClientsOptions, plainHttp: boolean, budget?: PipelinePolicy): void {
  pipeline.removePolicy({ name: "defaultRetryPolicy" });
  pipeline.addPolicy(armRetryPolicy({ retry: o.retry, sleep: o.sleep, log: o.log }), { phase: "Retry" });
  // After the Retry phase: every attempt is a request that costs a token.
  if (budget) pipeline.addPolicy(budget, { afterPhase: "Retry" });
  // One span per call around the retries; attempts and 429s are counted inside them.
  pipeline.addPolicy(armTracingPolicy());
  pipeline.addPolicy(armAttemptTracingPolicy(), { afterPhase: "Retry" });
  // No phase: it runs before the Retry phase, so a held first poll waits once, not per attempt.
  pipeline.addPolicy(
    armPollPacingPolicy({
      sleep: o.sleep,
      maxDelayMs: o.retry.maxDelayMs,
      defaultDelayMs: o.firstPollDelayMs,
    }),
  );
  if (plainHttp) {
    pipeline.removePolicy({ name: "bearerTokenAuthenticationPolicy" });
    pipeline.addPolicy(staticBearer(o.credential), { phase: "Sign" });
  }
}

/** The two SDK clients, pointed at Azure or at the emulator. */
export function createArmClients(o: ArmClientsOptions): ArmClients {
  const endpoint = (o.endpoint ?? AZURE_ARM_ENDPOINT).replace(/\/+$/, "");
  const url = new URL(endpoint);
  const plainHttp = url.protocol === "http:";
  if (plainHttp && !isLoopback(url)) {
    throw new Error(`ARM endpoint ${endpoint} is plain http and not loopback; only a local emulator may be`);
  }
  const options: Record<string, unknown> = {
    endpoint,
    // The SDK's scope follows management.azure.com; the emulator ignores it.
    credentials: { scopes: [`${AZURE_ARM_ENDPOINT}/.default`] },
    // Retries are ours (see retry-policy.ts); the SDK's policy is removed after construction.
    retryOptions: { maxRetries: 0 },
    ...(plainHttp ? { allowInsecureConnection: true } : {}),
    ...(o.caCert ? { agent: new https.Agent({ ca: o.caCert, keepAlive: true }) } : {}),
    ...o.clientOptions,
  };
  // Loaded on first use, not when the app loads: the two SDKs are the largest part of a cold start
  // (bench/cold-load.ts), and most invocations (HTTP reads, queue parsing) never touch ARM.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { ComputeManagementClient: Compute } =
    require("@azure/arm-compute") as typeof import("@azure/arm-compute");
  const { NetworkManagementClient: Network } =
    require("@azure/arm-network") as typeof import("@azure/arm-network");
  /* eslint-enable @typescript-eslint/no-require-imports */
  const compute = new Compute(o.credential, o.subscriptionId, options);
  const network = new Network(o.credential, o.subscriptionId, {
    ...options,
    credentialScopes: [`${AZURE_ARM_ENDPOINT}/.default`],
  });
  const budget = o.requestBudget === false ? undefined : armRequestBudgetPolicy({ sleep: o.sleep });
  adapt(compute.pipeline, o, plainHttp, budget);
  adapt(network.pipeline, o, plainHttp, budget);
  return { compute, network };
}
