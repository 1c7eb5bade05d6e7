import * as fs from "node:fs";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LOCATION, RG, clawVm, createDataDisk, createNic, startTwin, type Twin } from "./helpers";

let t: Twin;
beforeEach(async () => {
  t = await startTwin();
});
afterEach(async () => {
  await t.emulator.close();
});

function contentsDir(diskUniqueId: string): string {
  return path.join(t.emulator.context.diskRoot, diskUniqueId);
}

async function power(name: string): Promise<string | undefined> {
  const view = await t.compute.virtualMachines.instanceView(RG, name);
  return view.statuses?.find((s) => s.code?.startsWith("PowerState/"))?.code;
}

describe("VM lifecycle", () => {
  it("createOrUpdate: creates a running VM from a gallery version with the data disk attached", async () => {
    const nicId = await createNic(t, "alice");
    const diskId = await createDataDisk(t, "alice-data");
    const vm = await t.compute.virtualMachines.createOrUpdate(RG, "alice", clawVm(t, { nicId, diskId }));
    expect(vm.provisioningState).toBe("Succeeded");
    expect(vm.storageProfile?.dataDisks?.[0]?.managedDisk?.id).toBe(diskId);
    const view = await t.compute.virtualMachines.instanceView(RG, "alice");
    expect(view.statuses?.map((s) => s.code)).toContain("PowerState/running");
    const disk = await t.compute.disks.get(RG, "alice-data");
    expect(disk.managedBy).toBe(vm.id);
    expect(disk.diskState).toBe("Attached");
  });
  it("deallocate: is a no-op on a deallocated VM", async () => {
    await t.compute.virtualMachines.createOrUpdate(RG, "p", clawVm(t, { nicId: await createNic(t, "p") }));
    await t.compute.virtualMachines.deallocate(RG, "p");
    await t.compute.virtualMachines.deallocate(RG, "p");
    expect(await power("p")).toBe("PowerState/deallocated");
  });

  it("powerOff then start: the VM runs again and its disks go Attached", async () => {
    const diskId = await createDataDisk(t, "p2-data");
    await t.compute.virtualMachines.createOrUpdate(
      RG,
      "p2",
      clawVm(t, { nicId: await createNic(t, "p2"), diskId }),
    );
    await t.compute.virtualMachines.powerOff(RG, "p2");
    expect(await power("p2")).toBe("PowerState/stopped");
    expect((await t.compute.disks.get(RG, "p2-data")).diskState).toBe("Attached");
    await t.compute.virtualMachines.start(RG, "p2");
    expect(await power("p2")).toBe("PowerState/running");
  });

  it("delete: the data disk (deleteOption Detach) survives, the OS disk (Delete) goes, the NIC is freed", async () => {
    const diskId = await createDataDisk(t, "keep-data");
    const vm = await t.compute.virtualMachines.createOrUpdate(
      RG,
      "gone",
      clawVm(t, { nicId: await createNic(t, "gone"), diskId }),
    );
    const osDiskName = vm.storageProfile!.osDisk!.name!;
    await t.compute.virtualMachines.delete(RG, "gone");
    const disk = await t.compute.disks.get(RG, "keep-data");
    expect([disk.diskState, disk.managedBy]).toEqual(["Unattached", undefined]);
    await expect(t.compute.disks.get(RG, osDiskName)).rejects.toMatchObject({ statusCode: 404 });
    const nic = await t.network.networkInterfaces.get(RG, "gone-nic");
    expect(nic.virtualMachine).toBeUndefined();
  });

  it("update: attaches a disk with PATCH and detaches it with toBeDetached", async () => {
    await t.compute.virtualMachines.createOrUpdate(
      RG,
      "hot",
      clawVm(t, { nicId: await createNic(t, "hot") }),
    );
    const diskId = await createDataDisk(t, "hot-data");
    await t.compute.virtualMachines.update(RG, "hot", {
      storageProfile: { dataDisks: [{ lun: 0, createOption: "Attach", managedDisk: { id: diskId } }] },
    });
    expect((await t.compute.disks.get(RG, "hot-data")).managedBy).toMatch(/virtualMachines\/hot$/);
    await t.compute.virtualMachines.update(RG, "hot", {
      storageProfile: {
        dataDisks: [{ lun: 0, createOption: "Attach", managedDisk: { id: diskId }, toBeDetached: true }],
      },
    });
    const disk = await t.compute.disks.get(RG, "hot-data");
    expect([disk.diskState, disk.managedBy]).toEqual(["Unattached", undefined]);
    expect((await t.compute.virtualMachines.get(RG, "hot")).storageProfile?.dataDisks).toEqual([]);
  });

  it("createOrUpdate: an image definition id resolves to its newest version not excluded from latest", async () => {
    t.emulator.publishImageVersion(t.ids.galleryImageId, LOCATION, { name: "1.2.0" });
    t.emulator.publishImageVersion(t.ids.galleryImageId, LOCATION, {
      name: "1.10.0",
      excludeFromLatest: true,
    });
    const model = clawVm(t, { nicId: await createNic(t, "latest") });
    model.storageProfile.imageReference = { id: t.ids.galleryImageId };
    const vm = await t.compute.virtualMachines.createOrUpdate(RG, "latest", model);
    expect(vm.storageProfile?.imageReference?.exactVersion).toBe("1.2.0");
  });
});

describe("gallery", () => {
  it("galleryImageVersions.createOrUpdate: a baked version is listed and usable by a VM once Succeeded", async () => {
    const [, , , , rg, , , , gallery, , image] = t.ids.galleryImageId.split("/");
    const v = await t.compute.galleryImageVersions.createOrUpdate(rg, gallery, image, "1.1.0", {
      location: LOCATION,
      publishingProfile: { targetRegions: [{ name: "West US" }] },
      storageProfile: {
        source: { id: "/subscriptions/x/resourceGroups/y/providers/Microsoft.Compute/images/bake" },
      },
    });
    expect(v.provisioningState).toBe("Succeeded");
    const names = [];
    for await (const item of t.compute.galleryImageVersions.listByGalleryImage(rg, gallery, image))
      names.push(item.name);
    expect(names.sort()).toEqual(["1.0.0", "1.1.0"]);
    const vm = await t.compute.virtualMachines.createOrUpdate(
      RG,
      "baked",
      clawVm(t, { nicId: await createNic(t, "baked"), version: "1.1.0" }),
    );
    expect(vm.storageProfile?.imageReference?.exactVersion).toBe("1.1.0");
  });

  it("galleryImageVersions.createOrUpdate: a version not replicated to the VM's region cannot be used", async () => {
    const [, , , , rg, , , , gallery, , image] = t.ids.galleryImageId.split("/");
    await t.compute.galleryImageVersions.createOrUpdate(rg, gallery, image, "1.3.0", {
      location: LOCATION,
      publishingProfile: { targetRegions: [{ name: "eastus" }] },
    });
    await expect(
      t.compute.virtualMachines.createOrUpdate(
        RG,
        "far",
        clawVm(t, { nicId: await createNic(t, "far"), version: "1.3.0" }),
      ),
    ).rejects.toMatchObject({ statusCode: 404, code: "GalleryImageNotFound" });
  });
});

describe("disks and snapshots", () => {
  it("snapshot: copies the disk's contents at request time; a disk restored from it has them", async () => {
    await createDataDisk(t, "src");
    const src = await t.compute.disks.get(RG, "src");
    fs.writeFileSync(path.join(contentsDir(src.uniqueId!), "state.txt"), "before");
    const snap = await t.compute.snapshots.createOrUpdate(RG, "src-snap", {
      location: LOCATION,
      creationData: { createOption: "Copy", sourceResourceId: src.id },
    });
    fs.writeFileSync(path.join(contentsDir(src.uniqueId!), "state.txt"), "after");
    const restored = await t.compute.disks.createOrUpdate(RG, "restored", {
      location: LOCATION,
      creationData: { createOption: "Copy", sourceResourceId: snap.id },
    });
    expect(restored.diskSizeGB).toBe(64);
    expect(fs.readFileSync(path.join(contentsDir(restored.uniqueId!), "state.txt"), "utf8")).toBe("before");
    await t.compute.snapshots.delete(RG, "src-snap");
    expect(fs.existsSync(contentsDir(snap.uniqueId!))).toBe(false);
  });

  it("createOrUpdate: shrinking a disk is refused", async () => {
    await createDataDisk(t, "big", 64);
    await expect(
      t.compute.disks.createOrUpdate(RG, "big", {
        location: LOCATION,
        creationData: { createOption: "Empty" },
        diskSizeGB: 32,
      }),
    ).rejects.toMatchObject({ statusCode: 400 });
  });
});
