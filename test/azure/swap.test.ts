import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ClawError } from "../../core/errors";
import { LOCATION, RG, clawNetworkAndDisk, startGatewayTwin, type GatewayTwin } from "./gateway-twin";
import { exec, hostKeyOf, type SshTarget } from "./ssh";
import { generateSshKeyPair } from "../../core/guest/keys";

// One emulator with real guests for the suite; each test uses its own claw.
let t: GatewayTwin;
const admin = generateSshKeyPair();
beforeAll(async () => {
  t = await startGatewayTwin({
    versions: ["1.1.0"],
    emulator: { guests: { env: { CLAW_DISK_WAIT_SECONDS: "5" } } },
  });
});
afterAll(async () => {
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

/** A running claw VM on 1.0.0 whose boot.sh has finished. */
async function deploy(claw: string): Promise<{ vmId: string; dataDiskId: string; target: SshTarget }> {
  const net = await clawNetworkAndDisk(t, claw);
  const vm = await t.gateway.createVm({ ...t.vmSpec(claw, net), sshPublicKey: admin.public });
  expect((await t.emulator.guests.whenBooted(vm.id)).state).toBe("succeeded");
  return { vmId: vm.id, dataDiskId: net.dataDiskId, target: sshTarget(vm.id) };
}

function sshTarget(vmId: string): SshTarget {
  const endpoint = t.emulator.sshEndpoint(vmId);
  expect(endpoint).toBeDefined();
  return { ...endpoint!, username: "clawadmin", privateKey: admin.private };
}

/** Starts the VM and waits for its boot; returns what verify.sh reports. */
async function startAndVerify(claw: string, vmId: string): Promise<{ imageVersion: string }> {
  await t.gateway.startVm(claw);
  expect((await t.emulator.guests.whenBooted(vmId)).state).toBe("succeeded");
  const r = await exec(sshTarget(vmId), "bash -c '\"${CLAW_OPT:-/opt/claw}/lifecycle/verify.sh\"'");
  return JSON.parse(r.stdout) as { imageVersion: string };
}

describe("OS-disk swap", () => {
  it("createOsDiskFromImage: makes an Unattached Linux OS disk from the version; a second call reuses it", async () => {
    const first = await t.gateway.createOsDiskFromImage({
      claw: "olga",
      imageVersion: "1.1.0",
      location: LOCATION,
    });
    expect(first.name).toBe("olga-os-1-1-0-swap");
    const again = await t.gateway.createOsDiskFromImage({
      claw: "olga",
      imageVersion: "1.1.0",
      location: LOCATION,
    });
    expect(again).toEqual(first);
    expect(
      t.calls("Disks_CreateOrUpdate").filter((r) => r.method === "PUT" && r.path.endsWith(`/${first.name}`)),
    ).toHaveLength(1);
    const disk = await t.compute.disks.get(RG, first.name);
    expect(disk).toMatchObject({ osType: "Linux", diskState: "Unattached", provisioningState: "Succeeded" });
    expect(disk.creationData?.galleryImageReference?.id).toBe(t.gateway.imageVersionId("1.1.0"));
  });

  it("createOsDiskFromImage: a missing image version is IMAGE_NOT_FOUND (ARM 404 GalleryImageNotFound)", async () => {
    const e = await caught(
      t.gateway.createOsDiskFromImage({ claw: "olga", imageVersion: "9.9.9", location: LOCATION }),
    );
    expect(e.code).toBe("IMAGE_NOT_FOUND");
    expect(e.details).toMatchObject({ status: 404, armCode: "GalleryImageNotFound" });
    expect(await t.gateway.getDisk("olga-os-9-9-9-swap")).toBeUndefined();
  });

  it("swap: refused while running; after powerOff the VM boots the new OS disk with the same data disk, and swaps back", async () => {
    const { vmId, target } = await deploy("sam");
    await exec(target, 'echo kept > "$CLAW_DATA/workspace/note.txt"');
    const hostKey = await hostKeyOf(target);
    const oldOsDiskId = (await t.compute.virtualMachines.get(RG, "sam")).storageProfile!.osDisk!.managedDisk!
      .id!;
    const next = await t.gateway.createOsDiskFromImage({
      claw: "sam",
      imageVersion: "1.1.0",
      location: LOCATION,
    });

    // Running: the gateway refuses, and so does ARM when asked directly.
    const refused = await caught(
      t.gateway.swapOsDisk({ claw: "sam", osDiskId: next.id, imageVersion: "1.1.0" }),
    );
    expect(refused.code).toBe("CONFLICT");
    const model = await t.compute.virtualMachines.get(RG, "sam");
    const direct = await t.compute.virtualMachines
      .createOrUpdate(RG, "sam", {
        ...model,
        storageProfile: {
          ...model.storageProfile,
          osDisk: { ...model.storageProfile!.osDisk!, name: next.name, managedDisk: { id: next.id } },
        },
      })
      .then(
        () => undefined,
        (e: unknown) => e as { statusCode?: number; code?: string },
      );
    expect(direct).toMatchObject({ statusCode: 409, code: "OperationNotAllowed" });

    await t.gateway.powerOffVm("sam");
    const swapped = await t.gateway.swapOsDisk({ claw: "sam", osDiskId: next.id, imageVersion: "1.1.0" });
    expect(swapped.previousOsDiskId.toLowerCase()).toBe(oldOsDiskId.toLowerCase());
    const put = t
      .calls("VirtualMachines_CreateOrUpdate")
      .filter((r) => r.method === "PUT")
      .pop();
    expect(put?.status).toBe(200);
    const after = await t.compute.virtualMachines.get(RG, "sam");
    expect(after.storageProfile?.osDisk).toMatchObject({ name: next.name, managedDisk: { id: next.id } });
    // As on Azure, the model keeps the image it was created from; the tag says what runs.
    expect(after.storageProfile?.imageReference?.id).toBe(t.gateway.imageVersionId("1.0.0"));
    expect((await t.gateway.getVm("sam"))?.imageVersion).toBe("1.1.0");
    expect(await t.gateway.getDisk(next.name)).toMatchObject({ diskState: "Attached", managedBy: vmId });
    const oldName = oldOsDiskId.split("/").pop()!;
    expect(await t.gateway.getDisk(oldName)).toMatchObject({ diskState: "Unattached" });
    expect((await t.gateway.getDisk(oldName))?.managedBy).toBeUndefined();
    // Repeating the step is a no-op.
    const repeat = await t.gateway.swapOsDisk({ claw: "sam", osDiskId: next.id, imageVersion: "1.1.0" });
    expect(repeat.previousOsDiskId.toLowerCase()).toBe(oldOsDiskId.toLowerCase());

    const v2 = await startAndVerify("sam", vmId);
    expect(v2.imageVersion).toBe("1.1.0");
    const t2 = sshTarget(vmId);
    expect((await exec(t2, 'cat "$CLAW_DATA/workspace/note.txt"')).stdout.trim()).toBe("kept");
    expect((await hostKeyOf(t2)).equals(hostKey)).toBe(true);
    // First boot of the swapped-in disk: the VM's custom data was handed to it again.
    const userData = await exec(t2, 'cat "$CLAW_ROOT/var/lib/cloud/instance/user-data.txt"');
    expect(userData.stdout).toBe("#cloud-config\n");

    // The old disk is free to delete only once unused; rollback swaps it back instead.
    expect((await caught(t.gateway.deleteOsDisk(next.name))).code).toBe("DISK_ATTACHED_ELSEWHERE");
    await t.gateway.powerOffVm("sam");
    const back = await t.gateway.swapOsDisk({ claw: "sam", osDiskId: oldOsDiskId, imageVersion: "1.0.0" });
    expect(back.previousOsDiskId).toBe(next.id);
    const v1 = await startAndVerify("sam", vmId);
    expect(v1.imageVersion).toBe("1.0.0");
    expect((await exec(sshTarget(vmId), 'cat "$CLAW_DATA/workspace/note.txt"')).stdout.trim()).toBe("kept");
    await t.gateway.deleteOsDisk(next.name);
    expect(await t.gateway.getDisk(next.name)).toBeUndefined();
    await t.gateway.deleteOsDisk(next.name);
  });

  it("swap: a disk attached elsewhere is refused (gateway and ARM), a data disk is no OS disk (ARM 400, deleteOsDisk BAD_REQUEST)", async () => {
    await deploy("una");
    const other = await deploy("vic");
    await t.gateway.powerOffVm("una");
    const vicOs = (await t.compute.virtualMachines.get(RG, "vic")).storageProfile!.osDisk!.managedDisk!.id!;
    const elsewhere = await caught(
      t.gateway.swapOsDisk({ claw: "una", osDiskId: vicOs, imageVersion: "1.0.0" }),
    );
    expect(elsewhere.code).toBe("DISK_ATTACHED_ELSEWHERE");
    const model = await t.compute.virtualMachines.get(RG, "una");
    const putOsDisk = (id: string) =>
      t.compute.virtualMachines
        .createOrUpdate(RG, "una", {
          ...model,
          storageProfile: {
            ...model.storageProfile,
            osDisk: { ...model.storageProfile!.osDisk!, managedDisk: { id } },
          },
        })
        .then(
          () => undefined,
          (e: unknown) => e as { statusCode?: number; code?: string },
        );
    expect(await putOsDisk(vicOs)).toMatchObject({ statusCode: 409, code: "ConflictingUserInput" });
    expect(await putOsDisk(other.dataDiskId)).toMatchObject({ statusCode: 400, code: "InvalidParameter" });
    await t.gateway.powerOffVm("vic");
    await t.gateway.deleteVm("vic");
    expect((await caught(t.gateway.deleteOsDisk("vic-data"))).code).toBe("BAD_REQUEST");
  });

  it("swap: on a deallocated VM the new disk is Reserved, and start boots it", async () => {
    const { vmId } = await deploy("wes");
    const next = await t.gateway.createOsDiskFromImage({
      claw: "wes",
      imageVersion: "1.1.0",
      location: LOCATION,
    });
    await t.gateway.deallocateVm("wes");
    await t.gateway.swapOsDisk({ claw: "wes", osDiskId: next.id, imageVersion: "1.1.0" });
    expect(await t.gateway.getDisk(next.name)).toMatchObject({ diskState: "Reserved", managedBy: vmId });
    expect((await startAndVerify("wes", vmId)).imageVersion).toBe("1.1.0");
    expect(await t.gateway.getDisk(next.name)).toMatchObject({ diskState: "Attached" });
  });
});
