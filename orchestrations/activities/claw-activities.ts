/**
 * The saga activities: each one idempotent (safe to run twice), each one a recorded step. Built by
 * a factory over their dependencies so tests and the twin can pass their own.
 */
import { lastSegment } from "../../core/azure/ids";
import type { ClawSpec } from "../../core/domain/spec";
import { clawResourceNames, shortSuffix } from "../../core/domain/naming";
import { ClawError } from "../../core/errors";
import type { VerifySummary } from "../../core/state";
import type { ActivityDeps, ImageVersionInfo } from "./ports";
import { asStep, type StepInput } from "./step";
import { createDeliveryActivities } from "./delivery";

export interface ClawSnapshot {
  name: string;
  spec: ClawSpec;
  imageVersion?: string;
  powerState?: string;
  publicIp?: string;
  hostKeySha256?: string;
  diskId?: string;
  diskName: string;
  nicId?: string;
  publicIpId?: string;
  /** ARM name of the claw's VM (the claw's name until a handoff made a standby the claw). */
  vmName: string;
  upgradeStrategy: "handoff" | "replace";
}

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

export interface VerifyOutcome {
  ok: boolean;
  failed: string[];
  imageVersion?: string;
  updateVersion?: string;
  runtimeVersion?: string;
}

const BOOT_STATUS_COMMAND = `cat "\${CLAW_STATE:-/var/lib/openclawps}/boot-status" 2>/dev/null || true`;
/** Tolerated clock difference between the control plane and a claw when comparing boot times. */
const BOOT_CLOCK_SKEW_MS = 5_000;

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

/** ARM name of the claw's VM. */
export function vmNameOf(c: { name: string; observed: { vmName?: string } }): string {
  return c.observed.vmName ?? c.name;
}

export function parseKv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const i = line.indexOf("=");
    if (i > 0) out[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return out;
}

/** Builds every saga activity over `deps`. */
export function createClawActivities(deps: ActivityDeps) {
  const ops = deps.state.operations;
  const claws = deps.state.claws;

  async function loadClaw(input: StepInput): Promise<ClawSnapshot> {
    const c = await claws.require(input.claw);
    const names = clawResourceNames(c.name);
    return {
      name: c.name,
      spec: c.spec,
      imageVersion: c.observed.imageVersion,
      powerState: c.observed.powerState,
      publicIp: c.observed.publicIp,
      hostKeySha256: c.observed.hostKeySha256,
      diskId: c.observed.diskId,
      diskName: c.observed.diskId ? (c.observed.diskId.split("/").pop() ?? names.dataDisk) : names.dataDisk,
      nicId: c.observed.nicId,
      publicIpId: c.observed.publicIpId,
      vmName: vmNameOf(c),
      upgradeStrategy: deps.upgradeStrategy,
    };
  }

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

  async function ensureDisk(input: StepInput & { region: string; sizeGb?: number; diskName: string }) {
    return asStep(deps, input, "ensure-data-disk", async () => {
      const d = await deps.azure.ensureDataDisk({
        claw: input.claw,
        location: input.region,
        sizeGb: input.sizeGb ?? 64,
        diskName: input.diskName,
      });
      await claws.updateObserved(input.claw, { diskId: d.id });
      return {
        result: d,
        detail: d.created ? `created ${input.diskName}` : `${input.diskName} exists (kept as is)`,
      };
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

  /**
   * SSH answering is not enough: sshd starts before cloud-init and boot.sh have mounted the data
   * disk and started the agent. Wait until boot.sh reports success for a boot that began after
   * `since` (the time the saga created or started the VM), or fail with the step it reported.
   */
  async function waitForSsh(input: StepInput & { since?: string }) {
    return asStep(deps, input, "wait-for-boot", async () => {
      const c = await claws.require(input.claw);
      if (!c.observed.publicIp)
        throw new ClawError("SSH_ERROR", `Claw ${input.claw} has no public IP recorded.`);
      const target = {
        claw: input.claw,
        address: c.observed.publicIp,
        hostKeySha256: c.observed.hostKeySha256,
      };
      const r = await deps.guest.waitForSsh(target);
      if (!c.observed.hostKeySha256)
        await claws.updateObserved(input.claw, { hostKeySha256: r.hostKeySha256 });
      const pinned = { ...target, hostKeySha256: r.hostKeySha256 };
      const since = input.since ? Date.parse(input.since) - BOOT_CLOCK_SKEW_MS : 0;
      const deadline = Date.now() + deps.bootTimeoutMs;
      let last = "";
      const pause = () => new Promise((res) => setTimeout(res, deps.bootPollMs));
      // Polls over one connection (a handshake per poll cost both ends more than the poll); a
      // dropped connection is opened again until the deadline.
      const poll = async (exec: (command: string, timeoutMs?: number) => Promise<{ stdout: string }>) => {
        for (;;) {
          const s = await exec(BOOT_STATUS_COMMAND, 30_000);
          const status = parseKv(s.stdout);
          last = status.status ?? "not started";
          const at = Date.parse(status.at ?? "");
          if (status.status === "ok" && (!since || at >= since)) return;
          if (status.status === "failed" && (!since || at >= since)) {
            throw new ClawError(
              "VERIFY_FAILED",
              `boot.sh failed at step ${status.step ?? "?"} (exit ${status.exit ?? "?"})`,
            );
          }
          if (Date.now() > deadline) {
            throw new ClawError(
              "SSH_ERROR",
              `boot did not finish within ${Math.round(deps.bootTimeoutMs / 1000)} s (last status: ${last})`,
              { retryable: true },
            );
          }
          await pause();
        }
      };
      for (;;) {
        try {
          await deps.guest.session(pinned, poll);
          break;
        } catch (e) {
          const again = e instanceof ClawError && e.code === "SSH_ERROR" && e.retryable;
          if (!again || Date.now() >= deadline) throw e;
          await pause();
        }
      }
      return {
        result: r.hostKeySha256,
        detail: `${c.observed.hostKeySha256 ? "host key matches the pinned one" : `pinned ${r.hostKeySha256}`}; boot.sh done`,
      };
    });
  }

  async function stopAgent(input: StepInput) {
    return asStep(deps, input, "stop-agent", async () => {
      const c = await claws.require(input.claw);
      if (!c.observed.publicIp) return { result: false, detail: "no address; nothing to stop" };
      const r = await deps.guest.exec({
        claw: input.claw,
        address: c.observed.publicIp,
        hostKeySha256: c.observed.hostKeySha256,
        command: "sudo systemctl stop openclaw-gateway && sync",
        timeoutMs: 60_000,
      });
      if (r.code !== 0)
        throw new ClawError(
          "SSH_ERROR",
          `stopping the agent failed (exit ${r.code}): ${r.stderr.slice(0, 200)}`,
        );
      return { result: true, detail: "gateway stopped, disk synced" };
    });
  }

  async function startAgent(input: StepInput) {
    return asStep(deps, input, "start-agent", async () => {
      const c = await claws.require(input.claw);
      const r = await deps.guest.exec({
        claw: input.claw,
        address: c.observed.publicIp ?? "",
        hostKeySha256: c.observed.hostKeySha256,
        command: "sudo systemctl start openclaw-gateway",
        timeoutMs: 60_000,
      });
      if (r.code !== 0) throw new ClawError("SSH_ERROR", `starting the agent failed (exit ${r.code})`);
      return { result: true, detail: "gateway started" };
    });
  }

  async function verify(input: StepInput & { expectVersion?: string }): Promise<VerifyOutcome> {
    return asStep(deps, input, "verify", async () => {
      const c = await claws.require(input.claw);
      const r = await deps.guest.verify({
        claw: input.claw,
        address: c.observed.publicIp ?? "",
        hostKeySha256: c.observed.hostKeySha256,
      });
      const failed = r.checks.filter((k) => !k.ok).map((k) => (k.optional ? `optional:${k.name}` : k.name));
      let ok = r.ok;
      if (input.expectVersion && r.imageVersion && r.imageVersion !== input.expectVersion) {
        ok = false;
        failed.push(`image-version (runs ${r.imageVersion}, expected ${input.expectVersion})`);
      }
      const summary: VerifySummary = {
        at: new Date().toISOString(),
        ok,
        total: r.checks.length,
        failed,
        imageVersion: r.imageVersion,
        runtimeVersion: r.runtimeVersion,
        updateVersion: r.updateVersion,
      };
      await claws.updateObserved(input.claw, { lastVerify: summary });
      const outcome: VerifyOutcome = {
        ok,
        failed,
        imageVersion: r.imageVersion,
        updateVersion: r.updateVersion,
        runtimeVersion: r.runtimeVersion,
      };
      if (!ok)
        throw new ClawError("VERIFY_FAILED", `verify failed: ${failed.join(", ") || "not ok"}`, {
          details: { ...outcome },
        });
      return { result: outcome, detail: `${r.checks.length} checks passed` };
    });
  }

  /** verify that never throws on a failed check: for the verify saga, which only reports. */
  async function verifyReport(input: StepInput): Promise<VerifyOutcome> {
    try {
      return await verify(input);
    } catch (e) {
      if (e instanceof ClawError && e.code === "VERIFY_FAILED") return e.details as unknown as VerifyOutcome;
      throw e;
    }
  }

  async function snapshotDisk(input: StepInput & { diskName: string; region: string }) {
    return asStep(deps, input, "snapshot-data-disk", async () => {
      const name = clawResourceNames(input.claw).dataSnapshot(shortSuffix(input.op, 8));
      const id = await deps.azure.snapshotDisk({
        diskName: input.diskName,
        snapshotName: name,
        location: input.region,
      });
      return { result: { id, name }, detail: `incremental snapshot ${name}` };
    });
  }

  async function restoreDisk(input: StepInput & { snapshotId: string; region: string }) {
    return asStep(deps, input, "restore-data-disk", async () => {
      const name = `${clawResourceNames(input.claw).dataDisk}-r${shortSuffix(input.op, 8)}`;
      const id = await deps.azure.createDiskFromSnapshot({
        name,
        snapshotId: input.snapshotId,
        location: input.region,
      });
      await claws.updateObserved(input.claw, { diskId: id });
      return {
        result: { id, name },
        detail: `restored ${name} from the pre-upgrade snapshot; the migrated disk is kept, unattached`,
      };
    });
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

  /** Ends the operation and frees the claw's slot; safe to repeat. */
  async function finishOperation(
    input: StepInput & {
      status: "succeeded" | "failed" | "compensated";
      error?: { code: string; message: string; step?: string };
      compensation?: { summary: string; restored?: Record<string, string> };
      details?: Record<string, unknown>;
    },
  ) {
    const current = await ops.get(input.op);
    if (current && current.status === "running") {
      await ops.finish(input.op, {
        status: input.status,
        error: input.error,
        compensation: input.compensation ? { ...input.compensation, steps: [] } : undefined,
        details: input.details,
      });
    }
    await claws.releaseOperation(input.claw, input.op).catch((e) => {
      if (!(e instanceof ClawError && e.code === "CLAW_NOT_FOUND")) throw e;
    });
    return null;
  }

  return {
    loadClaw,
    preflightImage,
    ensureDisk,
    ensureNetwork,
    createVm,
    deleteVm,
    deallocateVm,
    startVm,
    getPowerState,
    waitForSsh,
    stopAgent,
    startAgent,
    ...createDeliveryActivities(deps),
    verify,
    verifyReport,
    snapshotDisk,
    restoreDisk,
    destroyResources,
    finishOperation,
  };
}

export type ClawActivities = ReturnType<typeof createClawActivities>;
