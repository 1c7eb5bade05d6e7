/**
 * The claw's VM and network in Azure: image preflight, NIC and IP, create, start, deallocate, delete,
 * and destroy (the data disk only when asked, after a final snapshot). Each idempotent.
 */
import { lastSegment } from "../../core/azure/ids";
import { clawResourceNames, shortSuffix } from "../../core/domain/naming";
import { ClawError } from "../../core/errors";
import type { ActivityDeps, ImageVersionInfo } from "./ports";
import { vmNameOf } from "./record-activities";
import { asStep, type StepInput } from "./step";

export interface PreflightInput extends StepInput {
  version: string;
  region: string;
  /** upgrade: refuse when the claw already runs this version. */
  currentVersion?: string;
  /** The newest version that ran on the claw's data disk: going below it needs allowDowngrade. */
  lastVersion?: string;
  allowDowngrade?: boolean;
}

export interface VmCreateInput extends StepInput {
  version: string;
  /** The data disk at LUN 0; omitted for a VM that gets the disk handed over later. */
  diskId?: string;
  nicId: string;
  /** ARM name of the VM; default the claw's recorded VM name. */
  vmName?: string;
}

/** Compares x.y.z versions numerically (negative when a < b). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export function createVmActivities(deps: ActivityDeps) {
  const claws = deps.state.claws;

  async function preflightImage(input: PreflightInput): Promise<ImageVersionInfo> {
    return asStep(deps, input, "preflight", async () => {
      const v = await deps.azure.getImageVersion(input.version);
      if (!v)
        throw new ClawError(
          "IMAGE_NOT_FOUND",
          `Image version ${input.version} does not exist in the gallery.`,
        );
      if (v.provisioningState !== "Succeeded") {
        throw new ClawError(
          "IMAGE_NOT_READY",
          `Image version ${input.version} is ${v.provisioningState}, not Succeeded.`,
        );
      }
      const norm = (r: string) => r.toLowerCase().replace(/\s+/g, "");
      if (!v.regions.map(norm).includes(norm(input.region))) {
        throw new ClawError(
          "IMAGE_NOT_READY",
          `Image version ${input.version} is not replicated to ${input.region} (only ${v.regions.join(", ")}).`,
        );
      }
      if (input.currentVersion === input.version) {
        throw new ClawError(
          "ALREADY_ON_VERSION",
          `Claw ${input.claw} already runs image version ${input.version}.`,
        );
      }
      if (
        input.lastVersion &&
        compareVersions(input.version, input.lastVersion) < 0 &&
        !input.allowDowngrade
      ) {
        throw new ClawError(
          "DOWNGRADE_REFUSED",
          `Image version ${input.version} is older than ${input.lastVersion}, which already ran on ${input.claw}'s data disk ` +
            `and may have migrated it forward; an older image may refuse that data. Send allowDowngrade: true to do it anyway.`,
        );
      }
      return { result: v, detail: `${input.version} Succeeded in ${input.region}` };
    });
  }

  async function ensureNetwork(input: StepInput & { region: string }) {
    return asStep(deps, input, "ensure-network", async () => {
      const ip = await deps.azure.ensurePublicIp({ claw: input.claw, location: input.region });
      const nic = await deps.azure.ensureNic({ claw: input.claw, location: input.region, publicIpId: ip.id });
      await claws.updateObserved(input.claw, { nicId: nic.id, publicIpId: ip.id, publicIp: ip.ipAddress });
      return {
        result: { nicId: nic.id, publicIp: ip.ipAddress },
        detail: `nic ${nic.id.split("/").pop()}, ip ${ip.ipAddress}`,
      };
    });
  }

  async function createVm(input: VmCreateInput) {
    return asStep(deps, input, `create-vm ${input.version}`, async () => {
      const c = await claws.require(input.claw);
      const vmName = input.vmName ?? vmNameOf(c);
      const existing = await deps.azure.getVm(vmName);
      if (existing && existing.imageVersion && existing.imageVersion !== input.version) {
        throw new ClawError(
          "CONFLICT",
          `VM ${vmName} already exists from image ${existing.imageVersion}; delete it first.`,
        );
      }
      const custom = deps.renderCustomData({ claw: input.claw, imageVersion: input.version });
      const vm = await deps.azure.createVm({
        claw: input.claw,
        vmName,
        location: c.spec.region,
        vmSize: c.spec.vmSize,
        imageVersion: input.version,
        nicId: input.nicId,
        ...(input.diskId ? { dataDiskId: input.diskId } : {}),
        adminUsername: deps.adminUsername,
        sshPublicKey: await deps.secrets.controlPlaneSshPublicKey(),
        customDataBase64: custom.base64,
        tags: { ...c.spec.tags, "openclawps-claw": input.claw, "openclawps-runtime": custom.runtimeVersion },
      });
      await claws.updateObserved(input.claw, {
        vmId: vm.id,
        vmName,
        imageVersion: input.version,
        powerState: "running",
      });
      return { result: vm, detail: `${vmName} from ${input.version}` };
    });
  }

  async function deleteVm(input: StepInput) {
    return asStep(deps, input, "delete-vm", async () => {
      const vmName = vmNameOf(await claws.require(input.claw));
      await deps.azure.deleteVm(vmName);
      await claws.updateObserved(input.claw, { vmId: null, powerState: "absent" });
      return { result: null, detail: `VM ${vmName} deleted; data disk, NIC and IP kept` };
    });
  }

  /** The gateway's NOT_FOUND ("no VM") in words that say what to do. */
  const noVm = (what: string) => (e: unknown) => {
    if (e instanceof ClawError && e.code === "NOT_FOUND") throw new ClawError("NOT_FOUND", what);
    throw e;
  };

  async function deallocateVm(input: StepInput) {
    return asStep(deps, input, "deallocate", async () => {
      // No read first: ARM's read bucket is what a fleet-wide park runs short of (vm-power.ts).
      const vmName = vmNameOf(await claws.require(input.claw));
      await deps.azure.deallocateVm(vmName).catch(noVm(`Claw ${input.claw} has no VM to park.`));
      await claws.updateObserved(input.claw, { powerState: "deallocated" });
      return { result: null, detail: "deallocated" };
    });
  }

  /**
   * `seenStopped`: the saga has just stopped the VM itself (no power-state read first). Answers
   * whether the VM was started: a VM that already ran boots no more, so a caller waiting for a boot
   * must not wait for one newer than its own start.
   */
  async function startVm(input: StepInput & { seenStopped?: boolean }): Promise<{ started: boolean }> {
    return asStep(deps, input, "start", async () => {
      const vmName = vmNameOf(await claws.require(input.claw));
      const acted = await deps.azure
        .startVm(vmName, { readFirst: !input.seenStopped })
        .catch(noVm(`Claw ${input.claw} has no VM to wake; deploy it first.`));
      await claws.updateObserved(input.claw, { powerState: "running" });
      return { result: { started: acted }, detail: acted ? "started" : "already running" };
    });
  }

  async function getPowerState(
    input: StepInput,
  ): Promise<{ exists: boolean; powerState?: string; imageVersion?: string }> {
    const vm = await deps.azure.getVm(vmNameOf(await claws.require(input.claw)));
    return vm
      ? { exists: true, powerState: vm.powerState, imageVersion: vm.imageVersion }
      : { exists: false };
  }

  async function destroyResources(
    input: StepInput & { deleteDisk: boolean; diskName: string; region: string },
  ) {
    return asStep(deps, input, "destroy", async () => {
      const c = await claws.require(input.claw);
      await deps.azure.deleteVm(vmNameOf(c));
      await deps.azure.deleteNic(
        c.observed.nicId ? lastSegment(c.observed.nicId) : clawResourceNames(input.claw).nic,
      );
      await deps.azure.deletePublicIp(input.claw);
      let detail = "VM, NIC and IP deleted; data disk kept";
      if (input.deleteDisk) {
        const snap = clawResourceNames(input.claw).dataSnapshot(shortSuffix(input.op, 8));
        const disk = await deps.azure.getDiskState(input.diskName);
        if (disk) {
          await deps.azure.snapshotDisk({
            diskName: input.diskName,
            snapshotName: snap,
            location: input.region,
          });
          await deps.azure.deleteDisk(input.diskName);
        }
        detail = `VM, NIC, IP deleted; data disk deleted after final snapshot ${snap}`;
      }
      await claws.updateObserved(input.claw, {
        vmId: null,
        vmName: null,
        nicId: null,
        publicIpId: null,
        publicIp: null,
        powerState: "absent",
        ...(input.deleteDisk ? { diskId: null } : {}),
      });
      return { result: null, detail };
    });
  }

  return {
    preflightImage,
    ensureNetwork,
    createVm,
    deleteVm,
    deallocateVm,
    startVm,
    getPowerState,
    destroyResources,
  };
}
