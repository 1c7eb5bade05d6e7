import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ClawError } from "../../core/errors";
import { LOCATION, RG, clawNetworkAndDisk, startGatewayTwin, type GatewayTwin } from "./gateway-twin";

let t: GatewayTwin;
beforeEach(async () => {
  t = await startGatewayTwin({ versions: ["1.1.0"] });
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

describe("azure gateway: VMs", () => {
  it("createVm: creates a running VM from the gallery version with the data disk at LUN 0", async () => {
    const net = await clawNetworkAndDisk(t, "alice");
    const created = await t.gateway.createVm(t.vmSpec("alice", net));
    expect(created.id).toMatch(/\/virtualMachines\/alice$/);
    expect(created.vmId).toBeTruthy();

    const vm = await t.gateway.getVm("alice");
    expect(vm).toMatchObject({
      id: created.id,
      vmId: created.vmId,
      provisioningState: "Succeeded",
      powerState: "running",
      imageVersion: "1.0.0",
      dataDisks: [{ lun: 0, diskId: net.dataDiskId, deleteOption: "Detach" }],
      nicIds: [net.nicId],
    });
    expect(vm?.imageReferenceId).toBe(t.gateway.imageVersionId("1.0.0"));
    expect(vm?.tags).toMatchObject({ owner: "test", "openclawps-image-version": "1.0.0" });

    // The model as ARM stores it: OS disk goes with the VM, data disk and NIC stay.
    const raw = await t.compute.virtualMachines.get(RG, "alice");
    expect(raw.storageProfile?.osDisk?.deleteOption).toBe("Delete");
    expect(raw.storageProfile?.dataDisks?.[0]).toMatchObject({
      createOption: "Attach",
      deleteOption: "Detach",
    });
    expect(raw.networkProfile?.networkInterfaces?.[0]).toMatchObject({
      id: net.nicId,
      deleteOption: "Detach",
    });
    const disk = await t.gateway.getDisk("alice-data");
    expect(disk).toMatchObject({ diskState: "Attached", managedBy: created.id });
  });

  it("createVm: is idempotent for the same spec (no second PUT)", async () => {
    const net = await clawNetworkAndDisk(t, "alice");
    const first = await t.gateway.createVm(t.vmSpec("alice", net));
    const again = await t.gateway.createVm(t.vmSpec("alice", net));
    expect(again).toEqual(first);
    expect(t.calls("VirtualMachines_CreateOrUpdate").filter((r) => r.method === "PUT")).toHaveLength(1);
  });

  it("createVm: refuses a VM that exists from another image version (CONFLICT)", async () => {
    const net = await clawNetworkAndDisk(t, "alice");
    await t.gateway.createVm(t.vmSpec("alice", net));
    const e = await caught(t.gateway.createVm(t.vmSpec("alice", { ...net, version: "1.1.0" })));
    expect(e.code).toBe("CONFLICT");
    expect(e.retryable).toBe(false);
    expect(e.message).toContain("1.0.0");
  });

  it("createVm: a missing image version is IMAGE_NOT_FOUND", async () => {
    const net = await clawNetworkAndDisk(t, "alice");
    const e = await caught(t.gateway.createVm(t.vmSpec("alice", { ...net, version: "9.9.9" })));
    expect(e.code).toBe("IMAGE_NOT_FOUND");
    expect(e.retryable).toBe(false);
    expect(await t.gateway.getVm("alice")).toBeUndefined();
  });

  it("deallocate/start: park and wake, the disk Reserved while parked; repeats change nothing", async () => {
    const net = await clawNetworkAndDisk(t, "alice");
    await t.gateway.createVm(t.vmSpec("alice", net));
    await t.gateway.deallocateVm("alice");
    expect((await t.gateway.getVm("alice"))?.powerState).toBe("deallocated");
    expect((await t.gateway.getDisk("alice-data"))?.diskState).toBe("Reserved");
    // A repeated park sends the POST again (no read first): Azure answers it with a quick no-op.
    await t.gateway.deallocateVm("alice");
    expect(t.calls("VirtualMachines_Deallocate")).toHaveLength(2);
    expect((await t.gateway.getVm("alice"))?.powerState).toBe("deallocated");

    await t.gateway.startVm("alice");
    expect((await t.gateway.getVm("alice"))?.powerState).toBe("running");
    expect((await t.gateway.getDisk("alice-data"))?.diskState).toBe("Attached");
    await t.gateway.startVm("alice");
    expect(t.calls("VirtualMachines_Start")).toHaveLength(1);
  });

  it("powerOff/restart: stop keeps the VM allocated; restart of a stopped VM starts it", async () => {
    const net = await clawNetworkAndDisk(t, "alice");
    await t.gateway.createVm(t.vmSpec("alice", net));
    await t.gateway.powerOffVm("alice");
    expect((await t.gateway.getVm("alice"))?.powerState).toBe("stopped");
    await t.gateway.powerOffVm("alice");
    expect(t.calls("VirtualMachines_PowerOff")).toHaveLength(1);
    await t.gateway.restartVm("alice");
    expect((await t.gateway.getVm("alice"))?.powerState).toBe("running");
    expect(t.calls("VirtualMachines_Restart")).toHaveLength(0);
    await t.gateway.restartVm("alice");
    expect(t.calls("VirtualMachines_Restart")).toHaveLength(1);
  });

  it("readFirst: false (the caller has just seen the state): the action without a read, still a no-op when repeated", async () => {
    const net = await clawNetworkAndDisk(t, "alice");
    await t.gateway.createVm(t.vmSpec("alice", net));
    t.emulator.requests.clear();
    await t.gateway.powerOffVm("alice", { readFirst: false });
    expect(t.calls("VirtualMachines_Get")).toHaveLength(0);
    expect(await t.gateway.startVm("alice", { readFirst: false })).toBe(true);
    expect(t.calls("VirtualMachines_Get")).toHaveLength(0);
    expect(t.calls("VirtualMachines_PowerOff")).toHaveLength(1);
    expect(t.calls("VirtualMachines_Start")).toHaveLength(1);
    // A retried step meets the VM already there: Azure answers with a quick no-op.
    await t.gateway.startVm("alice", { readFirst: false });
    expect((await t.gateway.getVm("alice"))?.powerState).toBe("running");
    await t.gateway.powerOffVm("alice", { readFirst: false });
    await t.gateway.powerOffVm("alice", { readFirst: false });
    expect((await t.gateway.getVm("alice"))?.powerState).toBe("stopped");
  });

  it("deleteVm: deletes the VM and its OS disk, keeps the data disk Unattached, NIC and IP", async () => {
    const net = await clawNetworkAndDisk(t, "alice");
    await t.gateway.createVm(t.vmSpec("alice", net));
    const osDisk = (await t.compute.virtualMachines.get(RG, "alice")).storageProfile?.osDisk?.name;
    await t.gateway.deleteVm("alice");
    expect(await t.gateway.getVm("alice")).toBeUndefined();
    const disk = await t.gateway.getDisk("alice-data");
    expect(disk?.diskState).toBe("Unattached");
    expect(disk?.managedBy).toBeUndefined();
    expect(await t.gateway.getDisk(osDisk!)).toBeUndefined();
    expect(
      await t.gateway.ensureNic({
        claw: "alice",
        location: LOCATION,
        publicIpId: net.nicId.replace(/networkInterfaces\/alice-nic$/, "publicIPAddresses/alice-ip"),
      }),
    ).toEqual({ id: net.nicId });
  });

  it("deleteVm: sets deleteOption Detach on a data disk marked Delete before deleting", async () => {
    const net = await clawNetworkAndDisk(t, "alice");
    await t.gateway.createVm(t.vmSpec("alice", net));
    const vm = await t.compute.virtualMachines.get(RG, "alice");
    const dataDisks = vm.storageProfile!.dataDisks!.map((d) => ({ ...d, deleteOption: "Delete" }));
    await t.compute.virtualMachines.update(RG, "alice", { storageProfile: { dataDisks } });
    expect((await t.gateway.getVm("alice"))?.dataDisks[0].deleteOption).toBe("Delete");

    await t.gateway.deleteVm("alice");
    expect((await t.gateway.getDisk("alice-data"))?.diskState).toBe("Unattached");
    expect(t.calls("VirtualMachines_Update").filter((r) => r.method === "PATCH")).toHaveLength(2);
  });

  it("deleteVm: a claw without a VM is success", async () => {
    await t.gateway.deleteVm("nobody");
    expect(t.calls("VirtualMachines_Delete")).toHaveLength(0);
  });

  it("createVm: a recreated VM (new version) attaches the same data disk", async () => {
    const net = await clawNetworkAndDisk(t, "alice");
    const first = await t.gateway.createVm(t.vmSpec("alice", net));
    await t.gateway.deleteVm("alice");
    const second = await t.gateway.createVm(t.vmSpec("alice", { ...net, version: "1.1.0" }));
    expect(second.vmId).not.toBe(first.vmId);
    const vm = await t.gateway.getVm("alice");
    expect(vm).toMatchObject({ imageVersion: "1.1.0", dataDisks: [{ lun: 0, diskId: net.dataDiskId }] });
    expect((await t.gateway.getDisk("alice-data"))?.managedBy).toBe(second.id);
  });

  it("createVm: a data disk attached to another VM is DISK_ATTACHED_ELSEWHERE, not retried", async () => {
    const alice = await clawNetworkAndDisk(t, "alice");
    await t.gateway.createVm(t.vmSpec("alice", alice));
    const bob = await clawNetworkAndDisk(t, "bob");
    const e = await caught(t.gateway.createVm(t.vmSpec("bob", { ...bob, dataDiskId: alice.dataDiskId })));
    expect(e.code).toBe("DISK_ATTACHED_ELSEWHERE");
    expect(e.retryable).toBe(false);
    expect(await t.gateway.getVm("bob")).toBeUndefined();
  });

  it("getVm / power actions: a claw without a VM is undefined / NOT_FOUND", async () => {
    expect(await t.gateway.getVm("nobody")).toBeUndefined();
    const e = await caught(t.gateway.deallocateVm("nobody"));
    expect(e.code).toBe("NOT_FOUND");
  });
});
