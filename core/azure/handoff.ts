/**
 * The ARM calls of a data-disk handoff between two running VMs: online detach and attach
 * (POST attachDetachDataDisks, one call each), Run Command (the authenticated channel that tells
 * the control plane a new VM's state and SSH host key), and moving the claw's public IP from one
 * NIC to another. Each is idempotent: it reads first and does nothing when the change is made.
 */
import type { VirtualMachine } from "@azure/arm-compute";
import type { NetworkInterface } from "@azure/arm-network";
import { ClawError } from "../errors";
import { lastSegment, resourceGroupOf, sameId } from "./ids";
import type { GatewayContext } from "./types";

/** Run Command's answer: the script's stdout and stderr, parsed out of Azure's message. */
export interface RunCommandOutput {
  stdout: string;
  stderr: string;
}

/**
 * Azure's RunShellScript answer is one InstanceViewStatus whose message reads
 * "Enable succeeded: \n[stdout]\n...\n[stderr]\n..." (the extension keeps only the output's tail).
 */
export function parseRunCommandMessage(message: string): RunCommandOutput {
  const out = /\[stdout\]\n?([\s\S]*?)(?:\n?\[stderr\]|$)/.exec(message);
  const err = /\[stderr\]\n?([\s\S]*)$/.exec(message);
  return { stdout: (out?.[1] ?? "").replace(/\n$/, ""), stderr: (err?.[1] ?? "").replace(/\n$/, "") };
}

export function handoffOperations(
  g: GatewayContext,
  readVm: (vmName: string) => Promise<VirtualMachine | undefined>,
) {
  async function readDiskOwner(diskId: string, operation: string): Promise<string | undefined> {
    const name = lastSegment(diskId);
    const disk = await g.run.request({ operation, resource: name }, (abortSignal) =>
      g.compute.disks.get(resourceGroupOf(diskId, g.rg), name, { abortSignal }),
    );
    return disk.managedBy ?? undefined;
  }

  /** The disk is in the VM's model (a `toBeDetached` entry counts: its detach has not finished). */
  function listed(vm: VirtualMachine | undefined, diskId: string): boolean {
    return (vm?.storageProfile?.dataDisks ?? []).some((d) => sameId(d.managedDisk?.id, diskId));
  }

  /** Attached for good: listed, not being detached, and the VM's last update did not fail. */
  function attached(vm: VirtualMachine | undefined, diskId: string): boolean {
    const failed = vm?.provisioningState?.toLowerCase() === "failed";
    return (
      !failed &&
      (vm?.storageProfile?.dataDisks ?? []).some((d) => sameId(d.managedDisk?.id, diskId) && !d.toBeDetached)
    );
  }

  async function requireVm(vmName: string, operation: string): Promise<VirtualMachine> {
    const vm = await readVm(vmName);
    if (!vm) {
      throw new ClawError("NOT_FOUND", `VM ${vmName} does not exist.`, {
        details: { operation, resource: vmName },
      });
    }
    return vm;
  }

  /**
   * Detaches the data disk from a VM, online (the guest must have unmounted it). A disk that is not
   * attached to that VM is success; the call returns once ARM reports the disk Unattached.
   */
  async function detachDataDisk(vmName: string, diskId: string): Promise<void> {
    const vm = await readVm(vmName);
    // A detach that did not finish leaves a toBeDetached entry: detach again until it is gone.
    if (!vm || !listed(vm, diskId)) return;
    await g.run.lro({ operation: "detachDataDisk", resource: vmName }, (signal) =>
      g.compute.virtualMachines
        .attachDetachDataDisks(g.rg, vmName, { dataDisksToDetach: [{ diskId }] }, g.lroOptions(signal))
        .pollUntilDone({ abortSignal: signal }),
    );
    const owner = await readDiskOwner(diskId, "detachDataDisk");
    if (owner && lastSegment(owner).toLowerCase() === vmName.toLowerCase()) {
      throw new ClawError("AZURE_ERROR", `Data disk ${lastSegment(diskId)} is still held by ${vmName}.`, {
        retryable: true,
        details: { operation: "detachDataDisk", resource: lastSegment(diskId) },
      });
    }
  }

  /**
   * Attaches the data disk to a running or stopped VM at `lun`. Already attached there is success;
   * attached to any other VM is DISK_ATTACHED_ELSEWHERE (never retried: a disk is never on two VMs).
   */
  async function attachDataDisk(vmName: string, diskId: string, lun = 0): Promise<void> {
    let vm = await requireVm(vmName, "attachDataDisk");
    if (attached(vm, diskId)) return;
    // An attach that failed leaves the disk in the model of a Failed VM whose guest never saw it:
    // take it out and attach it again rather than call it done.
    if (listed(vm, diskId)) {
      await detachDataDisk(vmName, diskId);
      vm = await requireVm(vmName, "attachDataDisk");
    }
    const owner = await readDiskOwner(diskId, "attachDataDisk");
    if (owner && !sameId(owner, vm.id)) {
      throw new ClawError(
        "DISK_ATTACHED_ELSEWHERE",
        `Data disk ${lastSegment(diskId)} is attached to ${lastSegment(owner)}; it cannot be attached to ${vmName}.`,
        { details: { operation: "attachDataDisk", resource: lastSegment(diskId), managedBy: owner } },
      );
    }
    await g.run.lro({ operation: "attachDataDisk", resource: vmName }, (signal) =>
      g.compute.virtualMachines
        .attachDetachDataDisks(
          g.rg,
          vmName,
          { dataDisksToAttach: [{ diskId, lun, caching: "ReadWrite", deleteOption: "Detach" }] },
          g.lroOptions(signal),
        )
        .pollUntilDone({ abortSignal: signal }),
    );
  }

  /** Runs a shell script as root on the VM through Run Command (RunShellScript). */
  async function runCommand(vmName: string, script: string[]): Promise<RunCommandOutput> {
    const r = await g.run.lro({ operation: "runCommand", resource: vmName }, (signal) =>
      g.compute.virtualMachines
        .runCommand(g.rg, vmName, { commandId: "RunShellScript", script }, g.lroOptions(signal))
        .pollUntilDone({ abortSignal: signal }),
    );
    const message = r.value?.[0]?.message ?? "";
    return parseRunCommandMessage(message);
  }

  async function readNic(name: string, operation: string): Promise<NetworkInterface> {
    const nic = await g.run.find({ operation, resource: name }, (abortSignal) =>
      g.network.networkInterfaces.get(g.rg, name, { abortSignal }),
    );
    if (!nic) {
      throw new ClawError("NOT_FOUND", `NIC ${name} does not exist.`, {
        details: { operation, resource: name },
      });
    }
    return nic;
  }

  async function putNic(name: string, nic: NetworkInterface, publicIpId: string | undefined): Promise<void> {
    const configs = (nic.ipConfigurations ?? []).map((c, i) =>
      i === 0 ? { ...c, publicIPAddress: publicIpId ? { id: publicIpId } : undefined } : c,
    );
    await g.run.lro({ operation: "setNicPublicIp", resource: name }, (signal) =>
      g.network.networkInterfaces.beginCreateOrUpdateAndWait(
        g.rg,
        name,
        { ...nic, ipConfigurations: configs },
        g.lroOptions(signal),
      ),
    );
  }

  /**
   * Moves the claw's public IP from NIC `from` to NIC `to`: off the first NIC, then onto the second
   * (Azure refuses an IP that is still on another NIC). Repeating a finished move does nothing.
   */
  async function movePublicIp(a: { publicIpId: string; from: string; to: string }): Promise<void> {
    const to = await readNic(a.to, "movePublicIp");
    if (sameId(to.ipConfigurations?.[0]?.publicIPAddress?.id, a.publicIpId)) return;
    const from = await g.run.find({ operation: "movePublicIp", resource: a.from }, (abortSignal) =>
      g.network.networkInterfaces.get(g.rg, a.from, { abortSignal }),
    );
    if (from && sameId(from.ipConfigurations?.[0]?.publicIPAddress?.id, a.publicIpId)) {
      await putNic(a.from, from, undefined);
    }
    await putNic(a.to, to, a.publicIpId);
  }

  return { detachDataDisk, attachDataDisk, runCommand, movePublicIp };
}
