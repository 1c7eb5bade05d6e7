/**
 * The Azure gateway: the only code that talks to Azure Resource Manager. It wraps the real
 * @azure/arm-compute and @azure/arm-network clients (on Azure, or on the twin's emulator) and offers
 * the claw-shaped, idempotent operations the saga activities call. Every call is retried on
 * 408/429/5xx with Retry-After honoured (retry-policy.ts), bounded by a deadline (calls.ts), and
 * fails with a ClawError that says whether trying again may help (errors.ts).
 */
import { createArmClients } from "./clients";
import { createCallRunner, DEFAULT_TIMEOUTS } from "./calls";
import { diskOperations } from "./disks";
import { handoffOperations } from "./handoff";
import { imageOperations } from "./images";
import { networkOperations } from "./network";
import { DEFAULT_RETRY, realSleep } from "./retry-policy";
import type { AzureGateway, AzureGatewayOptions, GatewayContext } from "./types";
import { powerOperations } from "./vm-power";
import { vmOperations } from "./vms";

const DEFAULT_POLL_INTERVAL_MS = 2_000;

/** Creates the gateway; see AzureGateway for what it offers. */
export function createAzureGateway(opts: AzureGatewayOptions): AzureGateway {
  const retry = { ...DEFAULT_RETRY, ...opts.retry };
  const timeouts = { ...DEFAULT_TIMEOUTS, ...opts.timeouts };
  const sleep = opts.sleep ?? realSleep;
  const log = opts.log ?? (() => undefined);
  const { compute, network } = createArmClients({
    subscriptionId: opts.subscriptionId,
    credential: opts.credential,
    endpoint: opts.endpoint,
    caCert: opts.caCert,
    retry,
    sleep,
    log,
    clientOptions: opts.clientOptions,
    firstPollDelayMs: opts.firstPollDelayMs ?? opts.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
    requestBudget: opts.requestBudget,
  });
  const g = opts.gallery;
  const ctx: GatewayContext = {
    compute,
    network,
    rg: opts.resourceGroup,
    subscriptionId: opts.subscriptionId,
    subnetId: opts.subnetId,
    nsgId: opts.nsgId,
    galleryImageId:
      `/subscriptions/${opts.subscriptionId}/resourceGroups/${g.resourceGroup}` +
      `/providers/Microsoft.Compute/galleries/${g.name}/images/${g.imageName}`,
    run: createCallRunner({ retry, timeouts, sleep, log }),
    lroOptions: (abortSignal) => ({
      abortSignal,
      ...(opts.pollIntervalMs !== undefined ? { updateIntervalInMs: opts.pollIntervalMs } : {}),
    }),
    sleep,
    log,
  };
  const vms = vmOperations(ctx, timeouts, opts.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS);
  const { readVm: _readVm, ...vmApi } = vms;
  return {
    ...imageOperations(ctx, g),
    ...diskOperations(ctx),
    ...networkOperations(ctx),
    ...vmApi,
    ...powerOperations(ctx, vms.readVm),
    ...handoffOperations(ctx, vms.readVm),
    imageVersionId: (version: string) => `${ctx.galleryImageId}/versions/${version}`,
  };
}

export type { AzureGateway } from "./types";
