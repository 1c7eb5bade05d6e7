/**
 * Power actions on the claw's VM. Each reads the power state first and does nothing when the VM is
 * already there, so a repeated saga step costs one GET and no long-running operation. deallocate
 * and start answer whether they acted (false: it was already so), so callers need no read of their own.
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
  async function deallocateVm(claw: string): Promise<boolean> {
    if ((await current(claw, "deallocateVm")) === "deallocated") return false;
    await act(claw, "deallocate");
    return true;
  }

  /** Starts the VM (wake). No-op when running. */
  async function startVm(claw: string): Promise<boolean> {
    if ((await current(claw, "startVm")) === "running") return false;
    await act(claw, "start");
    return true;
  }

  /** Stops the VM keeping its compute allocated. No-op when stopped or deallocated. */
  async function powerOffVm(claw: string): Promise<void> {
    const state = await current(claw, "powerOffVm");
    if (state !== "stopped" && state !== "deallocated") await act(claw, "powerOff");
  }

  /** Restarts a running VM; a VM that is not running is started instead (Azure refuses to restart it). */
  async function restartVm(claw: string): Promise<void> {
    const state = await current(claw, "restartVm");
    await act(claw, state === "running" ? "restart" : "start");
  }

  return { deallocateVm, startVm, powerOffVm, restartVm };
}
