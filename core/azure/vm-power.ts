/**
 * Power actions on the claw's VM. start, powerOff and restart read the power state first and do
 * nothing when the VM is already there, so a repeated saga step costs one GET and no long-running
 * operation; startVm answers whether it acted, so callers need no read of their own. A caller that
 * has just seen the VM in the state the action starts from passes `readFirst: false`: Azure
 * answers a start of a running VM and a power-off of a stopped one with a quick no-op, so a
 * repeated step stays safe without the read. deallocate reads nothing: Azure answers a deallocate
 * of a deallocated VM with a quick no-op operation, and parking is the fleet-wide action whose
 * reads (one status poll and the final Location GET are the SDK's) come out of ARM's subscription
 * read bucket.
 */
import type { VirtualMachine } from "@azure/arm-compute";
import { ClawError } from "../errors";
import { powerStateOf } from "./vm-model";
import type { GatewayContext, PowerState } from "./types";

type Action = "deallocate" | "start" | "powerOff" | "restart";

export function powerOperations(
  g: GatewayContext,
  readVm: (claw: string) => Promise<VirtualMachine | undefined>,
) {
  async function current(claw: string, operation: string): Promise<PowerState> {
    const vm = await readVm(claw);
    if (!vm)
      throw new ClawError("NOT_FOUND", `Claw ${claw} has no VM.`, { details: { operation, resource: claw } });
    return powerStateOf(vm);
  }

  function act(claw: string, action: Action): Promise<void> {
    const operation = `${action}Vm`;
    return g.run.lro({ operation, resource: claw }, (signal) =>
      g.compute.virtualMachines[action](g.rg, claw, g.lroOptions(signal)).pollUntilDone({
        abortSignal: signal,
      }),
    );
  }

  /** Stops the VM and releases its compute (park). No-op when deallocated. */
  function deallocateVm(claw: string): Promise<void> {
    return act(claw, "deallocate");
  }

  /** Starts the VM (wake). No-op when running. */
  async function startVm(claw: string, o: { readFirst?: boolean } = {}): Promise<boolean> {
    if (o.readFirst !== false && (await current(claw, "startVm")) === "running") return false;
    await act(claw, "start");
    return true;
  }

  /** Stops the VM keeping its compute allocated. No-op when stopped or deallocated. */
  async function powerOffVm(claw: string, o: { readFirst?: boolean } = {}): Promise<void> {
    if (o.readFirst !== false) {
      const state = await current(claw, "powerOffVm");
      if (state === "stopped" || state === "deallocated") return;
    }
    await act(claw, "powerOff");
  }

  /** Restarts a running VM; a VM that is not running is started instead (Azure refuses to restart it). */
  async function restartVm(claw: string): Promise<void> {
    const state = await current(claw, "restartVm");
    await act(claw, state === "running" ? "restart" : "start");
  }

  return { deallocateVm, startVm, powerOffVm, restartVm };
}
