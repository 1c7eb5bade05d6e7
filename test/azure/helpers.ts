/**
 * Shared set-up for the emulator suites: an emulator on an ephemeral port with the default fleet
 * seeded, the real SDK clients pointed at it, and an SSH key pair for the VMs' admin.
 */
import { ComputeManagementClient } from "@azure/arm-compute";
import { NetworkManagementClient } from "@azure/arm-network";
import {
  DEFAULT_SEED,
  startAzureEmulator,
  type AzureEmulator,
  type AzureEmulatorOptions,
} from "../../local/azure";
import { emulatorClientOptions, emulatorCredential, useEmulator } from "../../local/azure/sdk";
import type { SeededIds } from "../../local/azure/seed";
import { generateSshKeyPair } from "../../core/guest/keys";
import { renderCloudInit } from "../../core/cloud-init";

export const SUB = DEFAULT_SEED.subscriptionId;
export const RG = DEFAULT_SEED.resourceGroup;
export const LOCATION = DEFAULT_SEED.location;

export interface Twin {
  emulator: AzureEmulator;
  compute: ComputeManagementClient;
  network: NetworkManagementClient;
  ids: SeededIds;
  key: { private: string; public: string };
}

export async function startTwin(options: AzureEmulatorOptions = {}): Promise<Twin> {
  // Plain HTTP: these suites use the bearer-less client setup of local/azure/sdk.ts and raw fetches.
  const emulator = await startAzureEmulator({
    guests: { enabled: false },
    log: () => undefined,
    tls: false,
    ...options,
  });
  const ids = emulator.seed(DEFAULT_SEED);
  const opts = emulatorClientOptions(emulator.url);
  const compute = useEmulator(new ComputeManagementClient(emulatorCredential, SUB, opts));
  const network = useEmulator(new NetworkManagementClient(emulatorCredential, SUB, opts));
  const key = generateSshKeyPair();
  return { emulator, compute, network, ids, key };
}

/** Creates a public IP + NIC for a claw, as the gateway would. */
export async function createNic(t: Twin, name: string): Promise<string> {
  const pip = await t.network.publicIPAddresses.beginCreateOrUpdateAndWait(RG, `${name}-ip`, {
    location: LOCATION,
    sku: { name: "Standard" },
    publicIPAllocationMethod: "Static",
  });
  const nic = await t.network.networkInterfaces.beginCreateOrUpdateAndWait(RG, `${name}-nic`, {
    location: LOCATION,
    ipConfigurations: [
      { name: "ipconfig1", subnet: { id: t.ids.subnetId }, publicIPAddress: { id: pip.id } },
    ],
  });
  return nic.id!;
}

/** Creates an empty data disk. */
export async function createDataDisk(t: Twin, name: string, sizeGB = 64): Promise<string> {
  const disk = await t.compute.disks.createOrUpdate(RG, name, {
    location: LOCATION,
    sku: { name: "Premium_LRS" },
    creationData: { createOption: "Empty" },
    diskSizeGB: sizeGB,
  });
  return disk.id!;
}

/** The control plane's real custom data for a claw: cloud-init brings /opt/claw from it. */
export function clawCustomData(claw: string, version = "1.0.0"): string {
  return renderCloudInit({ clawName: claw, imageVersion: version, adminUser: "clawadmin" }).base64;
}

/** The VM model the control plane sends for a claw. */
export function clawVm(t: Twin, opts: { nicId: string; diskId?: string; version?: string; claw?: string }) {
  return {
    location: LOCATION,
    hardwareProfile: { vmSize: "Standard_D4s_v5" },
    storageProfile: {
      imageReference: { id: `${t.ids.galleryImageId}/versions/${opts.version ?? "1.0.0"}` },
      osDisk: {
        createOption: "FromImage",
        deleteOption: "Delete",
        managedDisk: { storageAccountType: "Premium_LRS" },
      },
      dataDisks: opts.diskId
        ? [{ lun: 0, createOption: "Attach", managedDisk: { id: opts.diskId }, deleteOption: "Detach" }]
        : [],
    },
    osProfile: {
      computerName: "claw",
      adminUsername: "clawadmin",
      customData: clawCustomData(opts.claw ?? "claw", opts.version),
      linuxConfiguration: {
        disablePasswordAuthentication: true,
        ssh: { publicKeys: [{ path: "/home/clawadmin/.ssh/authorized_keys", keyData: t.key.public }] },
      },
    },
    networkProfile: {
      networkInterfaces: [{ id: opts.nicId, properties: { primary: true, deleteOption: "Detach" } }],
    },
  };
}
