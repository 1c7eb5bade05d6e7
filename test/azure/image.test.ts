/**
 * What an image holds and when provisioning runs, as strict as Azure: a gallery version holds what
 * Packer bakes (the layers both read from packer/image-layers.json), the app layer comes only from
 * the custom data of a VM create, and a swapped-in OS disk gets no provisioning.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RG, LOCATION, clawVm, createDataDisk, createNic, startTwin, type Twin } from "./helpers";
import { connect } from "./ssh";
import { diskDir, type DiskMeta } from "../../local/azure/compute/disks";
import { readImageLayers } from "../../local/azure/guests/image";
import { findRepoRoot } from "../../local/azure/repo";

const repo = findRepoRoot(__dirname)!;
let t: Twin;
beforeAll(async () => {
  t = await startTwin({ guests: { env: { CLAW_DISK_WAIT_SECONDS: "1" } } });
});
afterAll(async () => {
  await t.emulator.close();
});

function rootOf(diskId: string): string {
  const disk = t.emulator.context.store.get<DiskMeta>(diskId);
  expect(disk).toBeDefined();
  return diskDir(t.emulator.context, disk!);
}

describe("image layers", () => {
  it("image layers: the Packer template bakes exactly image-layers.json's scripts, and every desktop script is listed", () => {
    const layers = readImageLayers(path.join(repo, "packer/image-layers.json")).layers.map((l) => l.script);
    const template = fs.readFileSync(path.join(repo, "packer/claw-baseline.pkr.hcl"), "utf8");
    expect(template).toContain('jsondecode(file("${path.root}/image-layers.json")).layers');
    expect(template).toMatch(/scripts\s+= local\.desktop_scripts/);
    // No script named in the template itself: the list has one home.
    expect(template).not.toMatch(/\d\d-[\w-]+\.sh/);
    const onDisk = fs
      .readdirSync(path.join(repo, "runtime/install/desktop"))
      .filter((f) => f.endsWith(".sh"))
      .sort();
    expect(layers).toEqual(onDisk);
  });

  it("disk FromImage: holds the baked layers only (no /opt/claw, no host or admin keys, no user-data)", async () => {
    const disk = await t.compute.disks.createOrUpdate(RG, "img-only", {
      location: LOCATION,
      creationData: {
        createOption: "FromImage",
        galleryImageReference: { id: `${t.ids.galleryImageId}/versions/1.0.0` },
      },
    });
    const root = rootOf(disk.id!);
    expect(fs.readFileSync(path.join(root, "etc/openclawps/image-version"), "utf8")).toBe("1.0.0\n");
    expect(fs.existsSync(path.join(root, "home/claw"))).toBe(true);
    for (const absent of [
      "opt/claw",
      "etc/ssh/ssh_host_ed25519_key",
      "home/clawadmin",
      "var/lib/cloud/instance",
    ]) {
      expect(fs.existsSync(path.join(root, absent)), absent).toBe(false);
    }
  });
});

describe("provisioning", () => {
  it("create: cloud-init writes /opt/claw and deploy.conf from the custom data, and boot.sh runs", async () => {
    const diskId = await createDataDisk(t, "nora-data");
    const nicId = await createNic(t, "nora");
    const vm = await t.compute.virtualMachines.createOrUpdate(
      RG,
      "nora",
      clawVm(t, { nicId, diskId, claw: "nora" }),
    );
    expect((await t.emulator.guests.whenBooted(vm.id!)).state).toBe("succeeded");
    const root = rootOf(vm.storageProfile!.osDisk!.managedDisk!.id!);
    expect(fs.readFileSync(path.join(root, "opt/claw/VERSION"), "utf8")).toBe(
      fs.readFileSync(path.join(repo, "runtime/VERSION"), "utf8"),
    );
    expect(fs.statSync(path.join(root, "opt/claw/lifecycle/boot.sh")).mode & 0o111).not.toBe(0);
    expect(fs.readFileSync(path.join(root, "etc/openclawps/deploy.conf"), "utf8")).toContain(
      "CLAW_NAME=nora",
    );
  });

  it("create: custom data without the app layer gives a VM with no /opt/claw and no boot script", async () => {
    const nicId = await createNic(t, "otto");
    const spec = clawVm(t, { nicId, claw: "otto" });
    spec.osProfile.customData = Buffer.from("#cloud-config\n").toString("base64");
    const vm = await t.compute.virtualMachines.createOrUpdate(RG, "otto", spec);
    expect((await t.emulator.guests.whenBooted(vm.id!)).state).toBe("no-boot-script");
    expect(fs.existsSync(path.join(rootOf(vm.storageProfile!.osDisk!.managedDisk!.id!), "opt/claw"))).toBe(
      false,
    );
  });

  it("OS-disk swap: ARM accepts it, but the swapped-in disk gets no provisioning: no boot script, no host key, SSH refused", async () => {
    const diskId = await createDataDisk(t, "pia-data");
    const nicId = await createNic(t, "pia");
    const vm = await t.compute.virtualMachines.createOrUpdate(
      RG,
      "pia",
      clawVm(t, { nicId, diskId, claw: "pia" }),
    );
    expect((await t.emulator.guests.whenBooted(vm.id!)).state).toBe("succeeded");
    const next = await t.compute.disks.createOrUpdate(RG, "pia-os-next", {
      location: LOCATION,
      creationData: {
        createOption: "FromImage",
        galleryImageReference: { id: `${t.ids.galleryImageId}/versions/1.0.0` },
      },
    });
    await t.compute.virtualMachines.beginPowerOffAndWait(RG, "pia");
    const model = await t.compute.virtualMachines.get(RG, "pia");
    await t.compute.virtualMachines.createOrUpdate(RG, "pia", {
      ...model,
      storageProfile: {
        ...model.storageProfile,
        osDisk: { ...model.storageProfile!.osDisk!, name: "pia-os-next", managedDisk: { id: next.id } },
      },
    });
    await t.compute.virtualMachines.beginStartAndWait(RG, "pia");
    expect((await t.emulator.guests.whenBooted(vm.id!)).state).toBe("no-boot-script");
    const root = rootOf(next.id!);
    expect(fs.existsSync(path.join(root, "opt/claw"))).toBe(false);
    expect(fs.existsSync(path.join(root, "etc/ssh/ssh_host_ed25519_key"))).toBe(false);
    expect(fs.existsSync(path.join(root, "home/clawadmin/.ssh/authorized_keys"))).toBe(false);
    const endpoint = t.emulator.sshEndpoint(vm.id!)!;
    await expect(
      connect({ ...endpoint, username: "clawadmin", privateKey: t.key.private }).then(({ client }) =>
        client.end(),
      ),
    ).rejects.toThrow();
  });
});
