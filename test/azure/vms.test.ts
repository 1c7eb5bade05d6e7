import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RG, clawVm, createDataDisk, createNic, startTwin, type Twin } from "./helpers";

let t: Twin;
beforeEach(async () => {
  t = await startTwin();
});
afterEach(async () => {
  await t.emulator.close();
});

describe("virtualMachines", () => {
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
});
