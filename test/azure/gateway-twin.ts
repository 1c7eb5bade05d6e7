/**
 * Shared set-up for the Azure gateway suites: the emulator on an ephemeral port with the default
 * fleet seeded (instant latency, throttling off unless asked), and the gateway pointed at it with
 * the real SDK clients. The gateway's sleeps are recorded, not waited (or advance the emulator's
 * manual clock, when one is given), so retries cost no wall time.
 */
import { utils } from "ssh2";
import { ComputeManagementClient } from "@azure/arm-compute";
import {
  DEFAULT_SEED,
  startAzureEmulator,
  type AzureEmulator,
  type AzureEmulatorOptions,
} from "../../local/azure";
import type { SeededIds } from "../../local/azure/seed";
import {
  createArmClients,
  createAzureGateway,
  staticTokenCredential,
  type AzureGateway,
} from "../../core/azure";
import type { AzureGatewayOptions, CreateVmInput } from "../../core/azure";
import type { RequestLogEntry } from "../../local/azure";
import { renderCloudInit } from "../../core/cloud-init";

export const SUB = DEFAULT_SEED.subscriptionId;
export const RG = DEFAULT_SEED.resourceGroup;
export const LOCATION = DEFAULT_SEED.location;

export interface GatewayTwin {
  emulator: AzureEmulator;
  ids: SeededIds;
  gateway: AzureGateway;
  /** Another gateway on the same emulator with some options changed (e.g. a short deadline). */
  gatewayWith(o: Partial<AzureGatewayOptions>): AzureGateway;
  /** The real compute client, for setting up situations the gateway would never create. */
  compute: ComputeManagementClient;
  /** Delays the gateway asked to sleep, in order. */
  sleeps: number[];
  logs: string[];
  key: string;
  /** A VM spec for `claw` from gallery version `version`. */
  vmSpec(claw: string, a: { nicId: string; dataDiskId: string; version?: string }): CreateVmInput;
  /** Requests the emulator saw for one ARM operation id. */
  calls(operationId: string): RequestLogEntry[];
  close(): Promise<void>;
}

export interface GatewayTwinOptions {
  emulator?: AzureEmulatorOptions;
  gateway?: Partial<AzureGatewayOptions>;
  /** Extra gallery versions published at start (1.0.0 always is). */
  versions?: string[];
  /** Called by the gateway's sleep (e.g. to advance a manual clock). */
  onSleep?: (ms: number) => void;
}

export async function startGatewayTwin(o: GatewayTwinOptions = {}): Promise<GatewayTwin> {
  const emulator = await startAzureEmulator({
    guests: { enabled: false },
    throttling: { enabled: false },
    latency: { profile: "instant" },
    log: () => undefined,
    ...o.emulator,
  });
  const ids = emulator.seed({
    ...DEFAULT_SEED,
    gallery: { ...DEFAULT_SEED.gallery, versions: ["1.0.0", ...(o.versions ?? [])] },
  });
  const sleeps: number[] = [];
  const logs: string[] = [];
  const sleep = async (ms: number) => {
    sleeps.push(ms);
    o.onSleep?.(ms);
  };
  const options: AzureGatewayOptions = {
    subscriptionId: SUB,
    resourceGroup: RG,
    location: LOCATION,
    subnetId: ids.subnetId,
    nsgId: ids.nsgId,
    gallery: {
      resourceGroup: DEFAULT_SEED.gallery.resourceGroup,
      name: DEFAULT_SEED.gallery.name,
      imageName: DEFAULT_SEED.gallery.image,
    },
    credential: staticTokenCredential(),
    endpoint: emulator.url,
    caCert: emulator.caCertPem,
    retry: { attempts: 4, baseDelayMs: 100, maxDelayMs: 10_000 },
    timeouts: { requestMs: 10_000, lroMs: 10_000 },
    pollIntervalMs: 5,
    // The suites count the retry policy's sleeps; the first-poll hold has its own test.
    firstPollDelayMs: 0,
    sleep,
    log: (m) => logs.push(m),
    ...o.gateway,
  };
  const gateway = createAzureGateway(options);
  const { compute } = createArmClients({
    subscriptionId: SUB,
    credential: staticTokenCredential(),
    endpoint: emulator.url,
    caCert: emulator.caCertPem,
    retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
    sleep,
    log: () => undefined,
  });
  const key = utils.generateKeyPairSync("ed25519").public;
  return {
    emulator,
    ids,
    gateway,
    gatewayWith: (more) => createAzureGateway({ ...options, ...more }),
    compute,
    sleeps,
    logs,
    key,
    vmSpec: (claw, a) => ({
      claw,
      location: LOCATION,
      vmSize: "Standard_D4s_v5",
      imageVersion: a.version ?? "1.0.0",
      nicId: a.nicId,
      dataDiskId: a.dataDiskId,
      adminUsername: "clawadmin",
      sshPublicKey: key,
      // The control plane's real user-data: the twin's cloud-init installs /opt/claw from it.
      customDataBase64: renderCloudInit({
        clawName: claw,
        imageVersion: a.version ?? "1.0.0",
        adminUser: "clawadmin",
      }).base64,
      tags: { owner: "test" },
    }),
    calls: (operationId) =>
      emulator.requests.list().filter((r) => r.operationId.toLowerCase() === operationId.toLowerCase()),
    close: () => emulator.close(),
  };
}

/** Data disk, public IP and NIC for a claw, through the gateway. */
export async function clawNetworkAndDisk(
  t: GatewayTwin,
  claw: string,
): Promise<{ nicId: string; dataDiskId: string }> {
  const disk = await t.gateway.ensureDataDisk({ claw, location: LOCATION, sizeGb: 64 });
  const ip = await t.gateway.ensurePublicIp({ claw, location: LOCATION });
  const nic = await t.gateway.ensureNic({ claw, location: LOCATION, publicIpId: ip.id });
  return { nicId: nic.id, dataDiskId: disk.id };
}
