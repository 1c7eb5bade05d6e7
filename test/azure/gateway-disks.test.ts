import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ClawError } from "../../core/errors";
import { DELETE_DATA_DISK, createAzureGatewayFromConfig } from "../../core/azure";
import { DEFAULT_SEED, twinSettings } from "../../local/azure";
import { LOCATION, RG, clawNetworkAndDisk, startGatewayTwin, type GatewayTwin } from "./gateway-twin";

let t: GatewayTwin;
beforeEach(async () => {
  t = await startGatewayTwin();
});
afterEach(async () => {
  await t.close();
});

async function caught(p: Promise<unknown>): Promise<ClawError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ClawError);
  return e as ClawError;
}

describe("azure gateway: disks, snapshots, images", () => {
  it("ensureDataDisk: creates the disk once, then returns it untouched", async () => {
    const first = await t.gateway.ensureDataDisk({
      claw: "alice",
      location: LOCATION,
      sizeGb: 64,
      sku: "Premium_LRS",
    });
    expect(first).toMatchObject({ name: "alice-data", created: true, diskState: "Unattached", sizeGb: 64 });
    const again = await t.gateway.ensureDataDisk({
      claw: "alice",
      location: LOCATION,
      sizeGb: 128,
      sku: "Standard_LRS",
    });
    expect(again).toMatchObject({ id: first.id, created: false, sizeGb: 64 });
    expect(t.calls("Disks_CreateOrUpdate")).toHaveLength(1);
    const raw = await t.compute.disks.get(RG, "alice-data");
    expect(raw.sku?.name).toBe("Premium_LRS");
  });

  it("ensureDataDisk: reports an attached disk with its owner", async () => {
    const net = await clawNetworkAndDisk(t, "alice");
    const vm = await t.gateway.createVm(t.vmSpec("alice", net));
    const d = await t.gateway.ensureDataDisk({ claw: "alice", location: LOCATION, sizeGb: 64 });
    expect(d).toMatchObject({ created: false, diskState: "Attached", managedBy: vm.id });
  });

  it("ensureDataDisk: a disk of that name in another region is a CONFLICT", async () => {
    await t.gateway.ensureDataDisk({ claw: "alice", location: LOCATION, sizeGb: 64 });
    const e = await caught(t.gateway.ensureDataDisk({ claw: "alice", location: "eastus", sizeGb: 64 }));
    expect(e.code).toBe("CONFLICT");
  });

  it("getDisk: a missing disk is undefined", async () => {
    expect(await t.gateway.getDisk("nobody-data")).toBeUndefined();
  });

  it("snapshotDisk / createDiskFromSnapshot / deleteSnapshot: restore a disk from an incremental snapshot", async () => {
    await t.gateway.ensureDataDisk({ claw: "alice", location: LOCATION, sizeGb: 64 });
    const snap = await t.gateway.snapshotDisk({
      diskName: "alice-data",
      snapshotName: "alice-data-snap-1",
      incremental: true,
    });
    expect(snap).toMatch(/\/snapshots\/alice-data-snap-1$/);
    expect(await t.gateway.snapshotDisk({ diskName: "alice-data", snapshotName: "alice-data-snap-1" })).toBe(
      snap,
    );
    expect(t.calls("Snapshots_CreateOrUpdate")).toHaveLength(1);

    const restored = await t.gateway.createDiskFromSnapshot({
      name: "alice-data-r1",
      snapshotId: snap,
      location: LOCATION,
    });
    expect(
      await t.gateway.createDiskFromSnapshot({ name: "alice-data-r1", snapshotId: snap, location: LOCATION }),
    ).toBe(restored);
    const raw = await t.compute.disks.get(RG, "alice-data-r1");
    expect(raw.creationData).toMatchObject({ createOption: "Copy", sourceResourceId: snap });
    expect(raw.diskSizeGB).toBe(64);

    await t.gateway.deleteSnapshot("alice-data-snap-1");
    await t.gateway.deleteSnapshot("alice-data-snap-1");
    await expect(t.compute.snapshots.get(RG, "alice-data-snap-1")).rejects.toMatchObject({ statusCode: 404 });
  });

  it("snapshotDisk: a missing disk is NOT_FOUND", async () => {
    const e = await caught(t.gateway.snapshotDisk({ diskName: "nobody-data", snapshotName: "s1" }));
    expect(e.code).toBe("NOT_FOUND");
  });

  it("deleteDisk: refuses without the confirmation, refuses an attached or reserved disk", async () => {
    const net = await clawNetworkAndDisk(t, "alice");
    await t.gateway.createVm(t.vmSpec("alice", net));
    const noConfirm = await caught(
      t.gateway.deleteDisk("alice-data", {} as { confirm: typeof DELETE_DATA_DISK }),
    );
    expect(noConfirm.code).toBe("BAD_REQUEST");
    const attached = await caught(t.gateway.deleteDisk("alice-data", { confirm: DELETE_DATA_DISK }));
    expect(attached.code).toBe("DISK_ATTACHED_ELSEWHERE");
    await t.gateway.deallocateVm("alice");
    const reserved = await caught(t.gateway.deleteDisk("alice-data", { confirm: DELETE_DATA_DISK }));
    expect(reserved.code).toBe("DISK_ATTACHED_ELSEWHERE");
    expect(t.calls("Disks_Delete")).toHaveLength(0);
  });

  it("deleteDisk: deletes an unattached disk; a missing one is success", async () => {
    await t.gateway.ensureDataDisk({ claw: "alice", location: LOCATION, sizeGb: 64 });
    await t.gateway.deleteDisk("alice-data", { confirm: DELETE_DATA_DISK });
    expect(await t.gateway.getDisk("alice-data")).toBeUndefined();
    await t.gateway.deleteDisk("alice-data", { confirm: DELETE_DATA_DISK });
  });

  it("getImageVersion / listImageVersions: reads the gallery; a missing version is undefined", async () => {
    t.emulator.publishImageVersion(t.ids.galleryImageId, LOCATION, {
      name: "1.2.0",
      excludeFromLatest: true,
    });
    expect(await t.gateway.getImageVersion("1.2.0")).toEqual({
      version: "1.2.0",
      provisioningState: "Succeeded",
      regions: [LOCATION],
      excludeFromLatest: true,
      id: t.gateway.imageVersionId("1.2.0"),
    });
    expect(await t.gateway.getImageVersion("9.9.9")).toBeUndefined();
    const all = await t.gateway.listImageVersions();
    expect(all.map((v) => v.version).sort()).toEqual(["1.0.0", "1.2.0"]);
  });

  it("createAzureGatewayFromConfig: the twin's settings (https ARM_ENDPOINT, ARM_CA_CERT_FILE) reach the emulator", async () => {
    const g = createAzureGatewayFromConfig(
      twinSettings(t.emulator.url, DEFAULT_SEED, t.emulator.caCertFile),
      {
        sleep: async () => undefined,
      },
    );
    expect((await g.getImageVersion("1.0.0"))?.id).toBe(t.gateway.imageVersionId("1.0.0"));
    const d = await g.ensureDataDisk({ claw: "carol", location: LOCATION, sizeGb: 8 });
    expect(d.created).toBe(true);
  });
});

describe("azure gateway: network", () => {
  it("ensurePublicIp / ensureNic: create once, then return the same resources", async () => {
    const ip = await t.gateway.ensurePublicIp({ claw: "alice", location: LOCATION });
    expect(ip.id).toMatch(/\/publicIPAddresses\/alice-ip$/);
    expect(ip.ipAddress).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const nic = await t.gateway.ensureNic({ claw: "alice", location: LOCATION, publicIpId: ip.id });
    expect(nic.id).toMatch(/\/networkInterfaces\/alice-nic$/);
    expect(await t.gateway.ensurePublicIp({ claw: "alice", location: LOCATION })).toEqual(ip);
    expect(await t.gateway.ensureNic({ claw: "alice", location: LOCATION, publicIpId: ip.id })).toEqual(nic);
    expect(t.calls("PublicIPAddresses_CreateOrUpdate")).toHaveLength(1);
    expect(t.calls("NetworkInterfaces_CreateOrUpdate")).toHaveLength(1);
  });

  it("deleteNic / deletePublicIp: refused while in use (CONFLICT), then deleted; missing is success", async () => {
    const net = await clawNetworkAndDisk(t, "alice");
    await t.gateway.createVm(t.vmSpec("alice", net));
    const inUse = await caught(t.gateway.deleteNic("alice-nic"));
    expect(inUse.code).toBe("CONFLICT");
    expect(inUse.retryable).toBe(false);
    await t.gateway.deleteVm("alice");
    await t.gateway.deleteNic("alice-nic");
    await t.gateway.deletePublicIp("alice");
    await t.gateway.deleteNic("alice-nic");
    await t.gateway.deletePublicIp("alice");
    await expect(t.compute.disks.get(RG, "alice-data")).resolves.toMatchObject({ diskState: "Unattached" });
  });
});
