/**
 * The Azure emulator of the offline twin: an ARM front door on 127.0.0.1 that the real
 * @azure/arm-compute and @azure/arm-network clients talk to (VMs, disks, snapshots, NICs, public
 * IPs, VNets, NSGs, galleries, async operations), with throttling, a latency model, fault
 * injection, a request log, and a simulated guest (sandbox + SSH) behind every VM.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { AddressInfo } from "node:net";
import { systemClock, type Clock } from "./clock";
import { Faults } from "./arm/faults";
import { createLatencyModel, type LatencyOptions } from "./arm/latency";
import { RequestLog } from "./arm/request-log";
import { Router } from "./arm/router";
import { Throttle, type ThrottleOptions } from "./arm/throttle";
import { Operations } from "./operations";
import { operationRoutes } from "./operations/routes";
import { Store } from "./store";
import { Guests, type GuestOptions } from "./guests";
import type { EmulatorContext } from "./context";
import { resourceGroupRoutes } from "./resources/simple";
import { diskRoutes } from "./compute/disks";
import { vmRoutes } from "./compute/vms";
import { bootGuest } from "./compute/vm-lifecycle";
import type { VmMeta } from "./compute/vm-model";
import { VM_TYPE } from "./compute/constants";
import { galleryRoutes } from "./gallery";
import { networkRoutes } from "./network";
import { createAdmin } from "./admin";
import { createFrontDoor } from "./server";
import {
  publishImageVersion,
  seedFleet,
  type FleetSeed,
  type ImageVersionSeed,
  type SeededIds,
} from "./seed";
import { findRepoRoot } from "./repo";
import { twinSettings } from "./settings";
import { generateEmulatorTls } from "./tls";

export interface AzureEmulatorOptions {
  /** Port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** Keep state here across runs; default is a temp directory removed on close. */
  persistDir?: string;
  clock?: Clock;
  latency?: LatencyOptions;
  throttling?: ThrottleOptions;
  guests?: GuestOptions;
  /**
   * Serve HTTPS with a CA and certificate generated at start (default true): the SDK sends bearer
   * tokens over https only. `false` serves plain HTTP (clients must then drop the bearer policy).
   */
  tls?: boolean;
  /** Require a bearer Authorization header (default true, as ARM). */
  requireAuth?: boolean;
  /** Seed the shared fleet infrastructure on start. */
  seed?: FleetSeed;
  /** Base URL advertised in async-operation headers (default: the Host the client used). */
  advertisedBaseUrl?: string;
  log?: (message: string) => void;
}

export interface AzureEmulator {
  /** https://127.0.0.1:PORT (http:// with `tls: false`) — the ARM endpoint to give the SDK clients. */
  readonly url: string;
  readonly port: number;
  readonly stateDir: string;
  /** PEM of the CA that signed the emulator's certificate (generated at start); undefined without TLS. */
  readonly caCertPem: string | undefined;
  /** The same CA written to `<stateDir>/emulator-ca.pem`, for ARM_CA_CERT_FILE; undefined without TLS. */
  readonly caCertFile: string | undefined;
  readonly clock: Clock;
  readonly faults: Faults;
  readonly requests: RequestLog;
  readonly guests: Guests;
  readonly context: EmulatorContext;
  /**
   * Settings that point the control plane at this emulator and its seeded fleet (ARM_ENDPOINT,
   * ARM_CA_CERT_FILE, SSH_ENDPOINT_MAP_URL, SSH_ENDPOINT_MAP_CA_FILE, AZURE_SUBSCRIPTION_ID, FLEET_*,
   * GALLERY_*); only the endpoint and CA without a seed.
   */
  readonly settings: Record<string, string>;
  /** Loopback SSH endpoint of a running VM (by resource id), as its public IP would be. */
  sshEndpoint(vmId: string): { host: string; port: number } | undefined;
  seed(seed: FleetSeed): SeededIds;
  publishImageVersion(imageId: string, location: string, version: ImageVersionSeed): string;
  close(): Promise<void>;
}

/** Starts the emulator and resolves once it listens. */
export async function startAzureEmulator(options: AzureEmulatorOptions = {}): Promise<AzureEmulator> {
  const log = options.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  const temp = options.persistDir ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), "openclawps-azure-"));
  const stateDir = path.resolve(options.persistDir ?? temp!);
  const clock = options.clock ?? systemClock();
  const latency = createLatencyModel(options.latency);
  const store = new Store(stateDir, { persist: options.persistDir !== undefined });
  const repo = findRepoRoot(__dirname);
  const guestOptions: GuestOptions = {
    imageLayersFile: existing(repo && path.join(repo, "packer/image-layers.json")),
    shimsDir: existing(repo && path.join(repo, "local/guest-shims/bin")),
    ...options.guests,
    // A disk attached at create is there when the guest boots; a VM without one (a standby) stands
    // by after this wait, which the twin keeps short.
    env: { CLAW_DISK_WAIT_SECONDS: "5", ...options.guests?.env },
  };
  const guests = new Guests(clock, latency, guestOptions, log);
  const ops = new Operations(store, clock, latency, (e) =>
    log(`emulator: background operation failed: ${(e as Error).message}`),
  );
  const diskRoot = path.join(stateDir, "disks");
  fs.mkdirSync(diskRoot, { recursive: true });
  const ctx: EmulatorContext = { store, clock, ops, latency, guests, diskRoot, log, busy: new Set() };

  const router = new Router();
  router.add(
    ...resourceGroupRoutes(ctx),
    ...operationRoutes(ctx),
    ...vmRoutes(ctx),
    ...diskRoutes(ctx, "disks"),
    ...diskRoutes(ctx, "snapshots"),
    ...galleryRoutes(ctx),
    ...networkRoutes(ctx),
  );
  const tls = options.tls === false ? undefined : generateEmulatorTls();
  // Rewritten at every start: a persisted state dir must not keep trusting a previous run's CA.
  const caCertFile = tls ? path.join(stateDir, "emulator-ca.pem") : undefined;
  if (tls) fs.writeFileSync(caCertFile!, tls.caCertPem);
  const faults = new Faults();
  const requests = new RequestLog();
  const server = createFrontDoor({
    router,
    admin: createAdmin(ctx, faults, requests),
    throttle: new Throttle(clock, options.throttling),
    faults,
    log: requests,
    clock,
    requireAuth: options.requireAuth ?? true,
    advertisedBaseUrl: options.advertisedBaseUrl,
    onError: log,
    tls,
  });
  if (options.seed) seedFleet(ctx, options.seed);
  await resumeGuests(ctx);
  ops.resumeAll();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `${tls ? "https" : "http"}://127.0.0.1:${port}`;
  return {
    url,
    port,
    stateDir,
    caCertPem: tls?.caCertPem,
    caCertFile,
    clock,
    faults,
    requests,
    guests,
    context: ctx,
    settings: options.seed
      ? twinSettings(url, options.seed, caCertFile)
      : { ARM_ENDPOINT: url, ...(caCertFile ? { ARM_CA_CERT_FILE: caCertFile } : {}) },
    sshEndpoint: (vmId) => guests.endpoint(vmId),
    seed: (seed) => seedFleet(ctx, seed),
    publishImageVersion: (imageId, location, version) => publishImageVersion(ctx, imageId, location, version),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await guests.close();
      store.close();
      if (temp) fs.rmSync(temp, { recursive: true, force: true });
    },
  };
}

/** VMs that were running when a persisted emulator stopped come back up (a host reboot). */
async function resumeGuests(ctx: EmulatorContext): Promise<void> {
  for (const vm of ctx.store.list<VmMeta>(VM_TYPE)) {
    if (vm.meta.power === "running" && !vm.meta.deleting) {
      await bootGuest(ctx, vm, false).catch((e: Error) =>
        ctx.log(`emulator: cannot resume ${vm.id}: ${e.message}`),
      );
    }
  }
}

function existing(p: string | undefined): string | undefined {
  return p && fs.existsSync(p) ? p : undefined;
}

export type { FleetSeed, SeededIds, ImageVersionSeed } from "./seed";
export { DEFAULT_SEED } from "./seed";
export { twinSettings } from "./settings";
export { generateEmulatorTls, type EmulatorTls } from "./tls";
export type { FaultRule, FaultEffect } from "./arm/faults";
export type { RequestLogEntry } from "./arm/request-log";
export { manualClock, systemClock, type Clock, type ManualClock } from "./clock";
