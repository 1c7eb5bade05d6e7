/**
 * What a VM GET shows beyond the stored model: the instance view (power and provisioning
 * statuses, agent, disks), as `$expand=instanceView` and `/instanceView` return it.
 */
import type { EmulatorContext } from "../context";
import type { PowerState } from "./constants";
import type { DataDiskEntry, Vm } from "./vm-model";
import { sub } from "./vm-model";

const POWER_DISPLAY: Record<PowerState, string> = {
  starting: "VM starting",
  running: "VM running",
  stopping: "VM stopping",
  stopped: "VM stopped",
  deallocating: "VM deallocating",
  deallocated: "VM deallocated",
};

export function instanceView(ctx: EmulatorContext, vm: Vm): Record<string, unknown> {
  const now = new Date(ctx.clock.now()).toISOString();
  const provisioning = String(vm.body.properties.provisioningState ?? "Succeeded");
  const provisioningStatus = {
    code: `ProvisioningState/${provisioning.toLowerCase()}`,
    level: provisioning === "Failed" ? "Error" : "Info",
    displayStatus:
      provisioning === "Failed" ? "Provisioning failed" : `Provisioning ${provisioning.toLowerCase()}`,
    time: now,
  };
  const dataDisks = (sub(vm.body.properties, "storageProfile")?.dataDisks ?? []) as DataDiskEntry[];
  const osDiskName = String(sub(vm.body.properties, "storageProfile", "osDisk")?.name ?? "");
  const running = vm.meta.power === "running";
  return {
    computerName: sub(vm.body.properties, "osProfile")?.computerName,
    osName: "ubuntu",
    osVersion: "24.04",
    hyperVGeneration: "V2",
    ...(running
      ? {
          vmAgent: {
            vmAgentVersion: "2.13.1.1",
            statuses: [
              {
                code: "ProvisioningState/succeeded",
                level: "Info",
                displayStatus: "Ready",
                message: "Guest Agent is running",
                time: now,
              },
            ],
          },
        }
      : {}),
    disks: [osDiskName, ...dataDisks.map((d) => d.name)].map((name) => ({
      name,
      statuses: [
        {
          code: "ProvisioningState/succeeded",
          level: "Info",
          displayStatus: "Provisioning succeeded",
          time: now,
        },
      ],
    })),
    statuses: [
      provisioningStatus,
      { code: `PowerState/${vm.meta.power}`, level: "Info", displayStatus: POWER_DISPLAY[vm.meta.power] },
    ],
  };
}

/** The VM body as GET returns it, with the instance view when asked for. */
export function vmBody(ctx: EmulatorContext, vm: Vm, expand: string | null): Record<string, unknown> {
  if (expand?.toLowerCase() !== "instanceview") return vm.body;
  return { ...vm.body, properties: { ...vm.body.properties, instanceView: instanceView(ctx, vm) } };
}
