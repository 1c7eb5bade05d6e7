import { describe, expect, it } from "vitest";
import { DefaultAzureCredential } from "@azure/identity";
import {
  RestError,
  createHttpHeaders,
  createPipelineRequest,
  type PipelineResponse,
} from "@azure/core-rest-pipeline";
import { ClawError } from "../../core/errors";
import { toClawError, retryAfterMs } from "../../core/azure/errors";
import { armRetryPolicy, backoffMs, type RetryOptions } from "../../core/azure/retry-policy";
import { createArmClients, staticTokenCredential } from "../../core/azure/clients";
import { gatewayOptionsFromConfig } from "../../core/azure/config";

const ctx = { operation: "createVm", resource: "alice" };

function restError(status: number, code: string, headers: Record<string, string> = {}): RestError {
  const request = createPipelineRequest({ url: "https://management.azure.com/x" });
  return new RestError(`${code} happened`, {
    statusCode: status,
    code,
    request,
    response: { status, headers: createHttpHeaders(headers), request },
  });
}

function lroFailure(code?: string, message = "It failed."): Error {
  return new Error(`The long-running operation has failed${code ? `. ${code}. ${message}` : ""}`);
}

describe("azure errors: toClawError", () => {
  it.each([
    [restError(409, "ConflictingUserInput"), "DISK_ATTACHED_ELSEWHERE", false],
    [restError(409, "Conflict"), "CONFLICT", true],
    [restError(409, "OperationNotAllowed"), "CONFLICT", false],
    [restError(409, "AttachDiskWhileBeingDetached"), "CONFLICT", true],
    [restError(429, "OperationNotAllowed", { "retry-after": "17" }), "AZURE_THROTTLED", true],
    [restError(500, "InternalServerError"), "AZURE_ERROR", true],
    [restError(503, "ServiceUnavailable"), "AZURE_ERROR", true],
    [restError(404, "ResourceNotFound"), "NOT_FOUND", false],
    [restError(404, "GalleryImageNotFound"), "IMAGE_NOT_FOUND", false],
    [restError(400, "InvalidParameter"), "AZURE_ERROR", false],
    [restError(400, "NicInUse"), "CONFLICT", false],
    [restError(403, "AuthorizationFailed"), "AZURE_ERROR", false],
  ])("toClawError: RestError %# maps to %s (retryable %s)", (e, code, retryable) => {
    const c = toClawError(e, ctx);
    expect(c.code).toBe(code);
    expect(c.retryable).toBe(retryable);
    expect(c.details).toMatchObject({ operation: "createVm", status: e.statusCode, armCode: e.code });
  });

  it("toClawError: a 429 carries its Retry-After", () => {
    expect(
      toClawError(restError(429, "TooManyRequests", { "retry-after": "17" }), ctx).details?.retryAfterMs,
    ).toBe(17_000);
  });

  it("toClawError: parses the ARM code out of a failed long-running operation's message", () => {
    const attached = toClawError(
      lroFailure("ConflictingUserInput", "Cannot attach the disk d. Really."),
      ctx,
    );
    expect(attached.code).toBe("DISK_ATTACHED_ELSEWHERE");
    expect(attached.retryable).toBe(false);
    expect(attached.details).toMatchObject({ armCode: "ConflictingUserInput", lroFailed: true });
    expect(attached.message).toContain("Cannot attach the disk d. Really.");

    const internal = toClawError(lroFailure("InternalExecutionError"), ctx);
    expect([internal.code, internal.retryable]).toEqual(["AZURE_ERROR", true]);
    const preempted = toClawError(lroFailure("OperationPreempted"), ctx);
    expect([preempted.code, preempted.retryable]).toEqual(["AZURE_ERROR", true]);
    const quota = toClawError(lroFailure("QuotaExceeded"), ctx);
    expect([quota.code, quota.retryable]).toEqual(["AZURE_ERROR", false]);
    const bare = toClawError(lroFailure(), ctx);
    expect([bare.code, bare.retryable]).toEqual(["AZURE_ERROR", false]);
  });

  it("toClawError: transport failures are retryable, an abort is AZURE_TIMEOUT, a bug is not retryable", () => {
    const send = new RestError("socket hang up", { code: "REQUEST_SEND_ERROR" });
    expect(toClawError(send, ctx)).toMatchObject({ code: "AZURE_ERROR", retryable: true });
    const abort = new Error("aborted");
    abort.name = "AbortError";
    expect(toClawError(abort, ctx)).toMatchObject({ code: "AZURE_TIMEOUT", retryable: true });
    expect(toClawError(new TypeError("x is undefined"), ctx)).toMatchObject({
      code: "AZURE_ERROR",
      retryable: false,
    });
    const mine = new ClawError("CONFLICT", "mine");
    expect(toClawError(mine, ctx)).toBe(mine);
  });

  it("retryAfterMs: reads retry-after-ms, x-ms-retry-after-ms, seconds and HTTP dates", () => {
    const h = (o: Record<string, string>) => (n: string) => o[n];
    expect(retryAfterMs(h({ "retry-after-ms": "250", "retry-after": "9" }))).toBe(250);
    expect(retryAfterMs(h({ "x-ms-retry-after-ms": "40" }))).toBe(40);
    expect(retryAfterMs(h({ "retry-after": "3" }))).toBe(3000);
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(retryAfterMs(h({ "retry-after": "Thu, 01 Jan 2026 00:00:05 GMT" }), now)).toBe(5000);
    expect(retryAfterMs(h({}))).toBeUndefined();
    expect(retryAfterMs(h({ "retry-after": "soon" }))).toBeUndefined();
  });
});

describe("azure retry policy", () => {
  const retry: RetryOptions = { attempts: 3, baseDelayMs: 100, maxDelayMs: 1_000 };

  it("backoff: doubles per retry with half of it jittered, capped at maxDelayMs", () => {
    expect([backoffMs(1, retry, () => 0), backoffMs(1, retry, () => 1)]).toEqual([50, 100]);
    expect([backoffMs(2, retry, () => 0), backoffMs(2, retry, () => 1)]).toEqual([100, 200]);
    expect(backoffMs(10, retry, () => 1)).toBe(1_000);
  });

  function responder(statuses: number[], headers: Record<string, string> = {}) {
    let i = 0;
    const request = createPipelineRequest({ url: "https://management.azure.com/subscriptions/s/x" });
    const next = async (): Promise<PipelineResponse> => {
      const status = statuses[Math.min(i++, statuses.length - 1)];
      return { status, headers: createHttpHeaders(headers), request };
    };
    return { request, next, sent: () => i };
  }

  it("retry policy: retries 5xx up to the attempts and hands back the last answer", async () => {
    const sleeps: number[] = [];
    const policy = armRetryPolicy({ retry, sleep: async (ms) => void sleeps.push(ms), log: () => undefined });
    const r = responder([500, 502, 503, 200]);
    const res = await policy.sendRequest(r.request, r.next);
    expect(res.status).toBe(503);
    expect(r.sent()).toBe(3);
    expect(sleeps).toHaveLength(2);
  });

  it("retry policy: does not retry a 4xx other than 408/429", async () => {
    const policy = armRetryPolicy({ retry, sleep: async () => undefined, log: () => undefined });
    const r = responder([409, 200]);
    expect((await policy.sendRequest(r.request, r.next)).status).toBe(409);
    expect(r.sent()).toBe(1);
  });

  it("retry policy: an abort during the wait stops at once", async () => {
    const controller = new AbortController();
    const policy = armRetryPolicy({
      retry,
      sleep: () => new Promise<void>(() => controller.abort()),
      log: () => undefined,
    });
    const r = responder([429, 200], { "retry-after": "1" });
    r.request.abortSignal = controller.signal;
    await expect(policy.sendRequest(r.request, r.next)).rejects.toMatchObject({ name: "AbortError" });
    expect(r.sent()).toBe(1);
  });
});

describe("azure clients and configuration", () => {
  const env = {
    AZURE_SUBSCRIPTION_ID: "00000000-0000-0000-0000-000000000000",
    FLEET_RESOURCE_GROUP: "rg-claw-fleet",
    FLEET_LOCATION: "westus",
    FLEET_SUBNET_ID:
      "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/n",
    GALLERY_RESOURCE_GROUP: "rg-claw-images",
    GALLERY_NAME: "clawGallery",
    GALLERY_IMAGE_NAME: "claw-desktop",
  };

  it("config: the twin (ARM_ENDPOINT) gets the emulator endpoint and a static token", async () => {
    const o = gatewayOptionsFromConfig({ ...env, ARM_ENDPOINT: "http://127.0.0.1:4567" });
    expect(o.endpoint).toBe("http://127.0.0.1:4567");
    expect((await o.credential.getToken("https://management.azure.com/.default"))?.token).toBeTruthy();
    expect(o.gallery).toEqual({
      resourceGroup: "rg-claw-images",
      name: "clawGallery",
      imageName: "claw-desktop",
    });
  });

  it("config: Azure gets management.azure.com (no endpoint override) and DefaultAzureCredential", () => {
    const o = gatewayOptionsFromConfig({ ...env, AZURE_CLIENT_ID: "11111111-1111-1111-1111-111111111111" });
    expect(o.endpoint).toBeUndefined();
    expect(o.credential).toBeInstanceOf(DefaultAzureCredential);
  });

  it("config: accepts the typed configuration too", () => {
    const o = gatewayOptionsFromConfig({
      mode: "twin",
      azure: {
        subscriptionId: env.AZURE_SUBSCRIPTION_ID,
        resourceGroup: "rg",
        location: "westus",
        subnetId: env.FLEET_SUBNET_ID,
        gallery: { resourceGroup: "g", name: "n", imageName: "i" },
        armEndpoint: "http://localhost:9",
      },
    });
    expect([o.endpoint, o.resourceGroup]).toEqual(["http://localhost:9", "rg"]);
  });

  it("config: names every missing setting", () => {
    expect(() => gatewayOptionsFromConfig({ FLEET_LOCATION: "westus" })).toThrow(
      /AZURE_SUBSCRIPTION_ID, FLEET_RESOURCE_GROUP, FLEET_SUBNET_ID, GALLERY_RESOURCE_GROUP/,
    );
  });

  const clientOptions = {
    subscriptionId: env.AZURE_SUBSCRIPTION_ID,
    credential: staticTokenCredential(),
    retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 1 },
    sleep: async () => undefined,
    log: () => undefined,
  };

  it("clients: the SDK's retry policy is replaced by the gateway's on both clients", () => {
    const { compute, network } = createArmClients(clientOptions);
    for (const p of [compute.pipeline, network.pipeline]) {
      const names = p.getOrderedPolicies().map((x) => x.name);
      expect(names).toContain("openclawpsArmRetryPolicy");
      expect(names).not.toContain("defaultRetryPolicy");
      expect(names).toContain("bearerTokenAuthenticationPolicy");
    }
  });

  it("clients: a plain-http emulator gets the static bearer instead of the SDK's; non-loopback http is refused", () => {
    const { compute } = createArmClients({ ...clientOptions, endpoint: "http://127.0.0.1:4567" });
    const names = compute.pipeline.getOrderedPolicies().map((x) => x.name);
    expect(names).not.toContain("bearerTokenAuthenticationPolicy");
    expect(names).toContain("openclawpsStaticBearerPolicy");
    expect(() => createArmClients({ ...clientOptions, endpoint: "http://10.0.0.5:80" })).toThrow(
      /not loopback/,
    );
  });
});
