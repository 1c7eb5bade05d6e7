/**
 * Benchmark: the Azure emulator through the real SDK clients.
 * - instant profile: latency of a VM GET (p50/p95 over 300) and of a full claw create
 *   (public IP, NIC, data disk, VM) with guests off, i.e. the emulator's own overhead;
 * - azure profile at speed 60: the same claw create plus deallocate/start/delete, wall time
 *   against the simulated Azure time it stands for (durations drawn from measured ranges);
 * - guest boot: VM create to boot.sh finished with the real runtime/ payload.
 * Prints the figures and appends them to bench/results/azure-emulator.json.
 * Run: npm run build && node dist/bench/azure-emulator.js
 */
import { ComputeManagementClient } from "@azure/arm-compute";
import { NetworkManagementClient } from "@azure/arm-network";
import { utils } from "ssh2";
import { DEFAULT_SEED, startAzureEmulator, type AzureEmulatorOptions } from "../local/azure";
import { emulatorClientOptions, emulatorCredential, useEmulator } from "../local/azure/sdk";
import { percentile, recordResult } from "./record";

const RG = DEFAULT_SEED.resourceGroup;
const LOCATION = DEFAULT_SEED.location;
const SPEED = 60;

async function withTwin<T>(
  options: AzureEmulatorOptions,
  fn: (t: Awaited<ReturnType<typeof setUp>>) => Promise<T>,
): Promise<T> {
  const t = await setUp(options);
  try {
    return await fn(t);
  } finally {
    await t.emulator.close();
  }
}

async function setUp(options: AzureEmulatorOptions) {
  // Plain HTTP: the bench uses the bearer-less client setup of local/azure/sdk.ts.
  const emulator = await startAzureEmulator({
    seed: DEFAULT_SEED,
    log: () => undefined,
    tls: false,
    ...options,
  });
  const opts = { ...emulatorClientOptions(emulator.url) };
  const compute = useEmulator(
    new ComputeManagementClient(emulatorCredential, DEFAULT_SEED.subscriptionId, opts),
  );
  const network = useEmulator(
    new NetworkManagementClient(emulatorCredential, DEFAULT_SEED.subscriptionId, opts),
  );
  const subnetId = emulator.settings.FLEET_SUBNET_ID;
  const imageId = `/subscriptions/${DEFAULT_SEED.subscriptionId}/resourceGroups/${DEFAULT_SEED.gallery.resourceGroup}/providers/Microsoft.Compute/galleries/${DEFAULT_SEED.gallery.name}/images/${DEFAULT_SEED.gallery.image}/versions/1.0.0`;
  const key = utils.generateKeyPairSync("ed25519").public;
  // Poll often: at speed 60 operations finish in about a second.
  const poll = { updateIntervalInMs: 100 };
  async function createClaw(name: string): Promise<string> {
    const pip = await network.publicIPAddresses.beginCreateOrUpdateAndWait(
      RG,
      `${name}-ip`,
      { location: LOCATION, sku: { name: "Standard" } },
      poll,
    );
    const nic = await network.networkInterfaces.beginCreateOrUpdateAndWait(
      RG,
      `${name}-nic`,
      {
        location: LOCATION,
        ipConfigurations: [{ name: "c", subnet: { id: subnetId }, publicIPAddress: { id: pip.id } }],
      },
      poll,
    );
    const disk = await compute.disks.createOrUpdate(
      RG,
      `${name}-data`,
      { location: LOCATION, creationData: { createOption: "Empty" }, diskSizeGB: 64 },
      poll,
    );
    const vm = await compute.virtualMachines.createOrUpdate(
      RG,
      name,
      {
        location: LOCATION,
        hardwareProfile: { vmSize: "Standard_D4s_v5" },
        storageProfile: {
          imageReference: { id: imageId },
          osDisk: { createOption: "FromImage", deleteOption: "Delete" },
          dataDisks: [
            { lun: 0, createOption: "Attach", managedDisk: { id: disk.id }, deleteOption: "Detach" },
          ],
        },
        osProfile: {
          computerName: name,
          adminUsername: "clawadmin",
          linuxConfiguration: { ssh: { publicKeys: [{ keyData: key }] } },
        },
        networkProfile: { networkInterfaces: [{ id: nic.id, primary: true }] },
      },
      poll,
    );
    return vm.id!;
  }
  return { emulator, compute, createClaw, poll };
}

async function main(): Promise<void> {
  const instant = await withTwin(
    { guests: { enabled: false }, throttling: { enabled: false } },
    async (t) => {
      const t0 = performance.now();
      await t.createClaw("bench");
      const createMs = performance.now() - t0;
      const gets: number[] = [];
      for (let i = 0; i < 300; i++) {
        const s = performance.now();
        await t.compute.virtualMachines.get(RG, "bench", { expand: "instanceView" });
        gets.push(performance.now() - s);
      }
      return {
        clawCreateMs: Math.round(createMs),
        vmGetP50Ms: +percentile(gets, 50).toFixed(2),
        vmGetP95Ms: +percentile(gets, 95).toFixed(2),
      };
    },
  );
  console.log("instant profile:", instant);

  const azure = await withTwin(
    { guests: { enabled: false }, latency: { profile: "azure", speed: SPEED, seed: 42 } },
    async (t) => {
      const steps: Record<string, number> = {};
      const time = async (name: string, fn: () => Promise<unknown>) => {
        const s = performance.now();
        await fn();
        steps[name] = Math.round(performance.now() - s);
      };
      await time("createClaw", () => t.createClaw("slow"));
      await time("deallocate", () => t.compute.virtualMachines.deallocate(RG, "slow", t.poll));
      await time("start", () => t.compute.virtualMachines.start(RG, "slow", t.poll));
      await time("delete", () => t.compute.virtualMachines.delete(RG, "slow", t.poll));
      const total = Object.values(steps).reduce((a, b) => a + b, 0);
      return {
        speed: SPEED,
        wallMsPerStep: steps,
        wallMs: total,
        standsForAzureSeconds: Math.round((total * SPEED) / 1000),
      };
    },
  );
  console.log("azure profile:", azure);

  const boot = await withTwin({ guests: { env: { CLAW_DISK_WAIT_SECONDS: "5" } } }, async (t) => {
    const s = performance.now();
    const id = await t.createClaw("booty");
    const result = await t.emulator.guests.whenBooted(id);
    return { createToBootedMs: Math.round(performance.now() - s), bootState: result.state };
  });
  console.log("guest boot:", boot);
  recordResult("azure-emulator", { instant, azure, boot });
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
