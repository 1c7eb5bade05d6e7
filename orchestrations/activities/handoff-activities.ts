/**
 * The activities of a data-disk handoff (the upgrade's default strategy, and the seed's order
 * which reuses them): a standby VM made while the claw runs, learned through Run Command, then the
 * disk released on one VM, detached, attached to the other, booted there, and the claw's row
 * pointed at the VM that now holds it. Each is idempotent.
 */
import { lastSegment } from "../../core/azure/ids";
import { clawResourceNames, shortSuffix } from "../../core/domain/naming";
import { ClawError } from "../../core/errors";
import { HOST_KEY_CHANGED, hostKeyFingerprint } from "../../core/guest/connection";
import { lifecycleCommand, parseKv } from "../../core/guest/protocol";
import { vmNameOf } from "./record-activities";
import type { ActivityDeps } from "./ports";
import { asStep, type StepInput } from "./step";

/** A VM of the handoff, as the saga carries it. */
export interface HandoffVm {
  vmName: string;
  nicName: string;
  nicId: string;
  vmId?: string;
}

export interface StandbyReady {
  /** The standby's own SSH host key (from Run Command), until boot.sh restores the claw's. */
  hostKeySha256: string;
  /** What boot.sh reported on the standby: "standby". */
  status: string;
}

/**
 * Run Command script that waits (within Run Command's own limit) until the first boot.sh has
 * reported, then prints the status and the VM's host key.
 */
export function standbyProbeScript(waitSeconds: number, pollSeconds: number): string[] {
  const polls = Math.max(1, Math.ceil(waitSeconds / pollSeconds));
  return [
    'state="${CLAW_STATE:-/var/lib/openclawps}"',
    'etc="${CLAW_ETC:-/etc}"',
    `for _ in $(seq 1 ${polls}); do`,
    '  if grep -Eq "^status=(standby|ok|failed)" "$state/boot-status" 2>/dev/null; then break; fi',
    `  sleep ${pollSeconds}`,
    "done",
    'cat "$state/boot-status" 2>/dev/null || echo "status=not-started"',
    "echo ---",
    'cat "$etc/ssh/ssh_host_ed25519_key.pub"',
  ];
}

/** "SHA256:…" of an OpenSSH public key line ("ssh-ed25519 AAAA… comment"). */
export function fingerprintOfPublicKeyLine(line: string): string | undefined {
  const blob = line.trim().split(/\s+/)[1];
  if (!blob) return undefined;
  return hostKeyFingerprint(Buffer.from(blob, "base64"));
}

export function createHandoffActivities(deps: ActivityDeps) {
  const claws = deps.state.claws;

  /** The standby's names come from the operation id, so a repeated step finds what it made. */
  function standbyNames(claw: string, op: string) {
    const n = clawResourceNames(claw);
    const s = shortSuffix(op, 8);
    return { vmName: n.standbyVm(s), nicName: n.standbyNic(s) };
  }

  /** A VM from `version` with its own NIC (no public IP) and no data disk; cloud-init runs as usual. */
  async function createStandbyVm(input: StepInput & { version: string; region: string; vmSize?: string }) {
    return asStep(deps, input, `create-standby ${input.version}`, async () => {
      const c = await claws.require(input.claw);
      const { vmName, nicName } = standbyNames(input.claw, input.op);
      const nic = await deps.azure.ensureNic({ claw: input.claw, location: input.region, name: nicName });
      const custom = deps.renderCustomData({ claw: input.claw, imageVersion: input.version });
      const vm = await deps.azure.createVm({
        claw: input.claw,
        vmName,
        location: input.region,
        vmSize: input.vmSize ?? c.spec.vmSize,
        imageVersion: input.version,
        nicId: nic.id,
        adminUsername: deps.adminUsername,
        sshPublicKey: await deps.secrets.controlPlaneSshPublicKey(),
        customDataBase64: custom.base64,
        tags: {
          ...c.spec.tags,
          "openclawps-claw": input.claw,
          "openclawps-runtime": custom.runtimeVersion,
          "openclawps-role": "standby",
        },
      });
      const result: HandoffVm = { vmName, nicName, nicId: nic.id, vmId: vm.id };
      return { result, detail: `${vmName} from ${input.version} (no data disk yet)` };
    });
  }

  /**
   * Waits until the standby's first boot has reported (cloud-init installed the app layer and
   * boot.sh found no data disk), and learns its SSH host key — both through Run Command, which ARM
   * authenticates, so the key is never trusted on first use.
   */
  async function awaitStandby(input: StepInput & { vmName: string }): Promise<StandbyReady> {
    return asStep(deps, input, "await-standby", async () => {
      const pollSeconds = Math.max(0.05, deps.bootPollMs / 1000);
      const out = await deps.azure.runCommand(
        input.vmName,
        standbyProbeScript(deps.bootTimeoutMs / 1000, pollSeconds),
      );
      const [statusText, keyText = ""] = out.stdout.split(/^---$/m);
      const status = parseKv(statusText ?? "");
      if (status.status !== "standby") {
        const why =
          status.status === "failed"
            ? `boot.sh failed at step ${status.step ?? "?"} (exit ${status.exit ?? "?"})`
            : `boot.sh reported '${status.status ?? "nothing"}' within ${Math.round(deps.bootTimeoutMs / 1000)} s`;
        throw new ClawError("VERIFY_FAILED", `standby ${input.vmName} is not ready: ${why}`);
      }
      const key = fingerprintOfPublicKeyLine(keyText.trim().split("\n")[0] ?? "");
      if (!key) throw new ClawError("VERIFY_FAILED", `standby ${input.vmName} reported no SSH host key`);
      return { result: { hostKeySha256: key, status: status.status }, detail: `ready; host key ${key}` };
    });
  }

  /**
   * Runs a command on whichever VM answers at the claw's address, which may present any of
   * `hostKeys` (a standby's own key until boot.sh restores the claw's): tried in order, the next
   * only when the host key differs.
   */
  async function execOnClaw(claw: string, hostKeys: string[], command: string, timeoutMs: number) {
    const c = await claws.require(claw);
    if (!c.observed.publicIp) throw new ClawError("SSH_ERROR", `Claw ${claw} has no public IP recorded.`);
    const keys = hostKeys.filter(Boolean);
    for (let i = 0; ; i++) {
      try {
        return await deps.guest.exec({
          claw,
          address: c.observed.publicIp,
          hostKeySha256: keys[i],
          command,
          timeoutMs,
        });
      } catch (e) {
        const otherKey = e instanceof ClawError && e.details?.reason === HOST_KEY_CHANGED;
        if (!otherKey || i + 1 >= keys.length) throw e;
      }
    }
  }

  /** Stops the agent and unmounts the data disk (release.sh, idempotent). */
  async function releaseDisk(input: StepInput & { hostKeys: string[]; where: string }) {
    return asStep(deps, input, `release-disk ${input.where}`, async () => {
      const r = await execOnClaw(input.claw, input.hostKeys, lifecycleCommand("release.sh"), 120_000);
      if (r.code !== 0) {
        throw new ClawError(
          "SSH_ERROR",
          `release.sh on ${input.where} failed (exit ${r.code}): ${r.stderr.trim().slice(0, 300)}`,
          { retryable: true },
        );
      }
      return { result: null, detail: `agent stopped, data disk unmounted on ${input.where}` };
    });
  }

  async function detachDisk(input: StepInput & { vmName: string; diskId: string }) {
    return asStep(deps, input, `detach-disk ${input.vmName}`, async () => {
      await deps.azure.detachDataDisk(input.vmName, input.diskId);
      return { result: null, detail: `${lastSegment(input.diskId)} detached from ${input.vmName}` };
    });
  }

  async function attachDisk(input: StepInput & { vmName: string; diskId: string }) {
    return asStep(deps, input, `attach-disk ${input.vmName}`, async () => {
      await deps.azure.attachDataDisk(input.vmName, input.diskId, 0);
      return { result: null, detail: `${lastSegment(input.diskId)} attached to ${input.vmName} at LUN 0` };
    });
  }

  async function moveIp(input: StepInput & { from: string; to: string }) {
    return asStep(deps, input, `move-ip ${input.to}`, async () => {
      const c = await claws.require(input.claw);
      if (!c.observed.publicIpId) return { result: null, detail: "the claw has no public IP" };
      await deps.azure.movePublicIp({ publicIpId: c.observed.publicIpId, from: input.from, to: input.to });
      return {
        result: null,
        detail: `${c.observed.publicIp ?? "public IP"} moved from ${input.from} to ${input.to}`,
      };
    });
  }

  /**
   * Runs boot.sh on the VM at the claw's address: it mounts the disk, restores the claw's identity
   * (host keys, Tailscale state, secrets) and starts the agent.
   */
  async function bootOnDisk(input: StepInput & { hostKeys: string[]; where: string }) {
    return asStep(deps, input, `boot ${input.where}`, async () => {
      const timeout = Math.max(60_000, deps.bootTimeoutMs);
      const r = await execOnClaw(input.claw, input.hostKeys, lifecycleCommand("boot.sh"), timeout);
      if (r.code !== 0) {
        const tail = r.stderr.trim().split("\n").slice(-3).join(" | ").slice(0, 300);
        throw new ClawError("VERIFY_FAILED", `boot.sh on ${input.where} failed (exit ${r.code}): ${tail}`);
      }
      return { result: null, detail: `boot.sh done on ${input.where}` };
    });
  }

  /**
   * The VM that now holds the disk is the claw: its row names that VM, NIC and version, and the
   * spec's version follows (a later deploy recreates what runs now, never an older image).
   */
  async function adoptVm(
    input: StepInput & { vm: HandoffVm; version: string; diskId?: string; followSpec: boolean },
  ) {
    return asStep(deps, input, `adopt ${input.vm.vmName}`, async () => {
      await claws.update(input.claw, (c) => ({
        ...c,
        spec: input.followSpec ? { ...c.spec, imageVersion: input.version } : c.spec,
        observed: {
          ...c.observed,
          vmName: input.vm.vmName,
          ...(input.vm.vmId ? { vmId: input.vm.vmId } : {}),
          nicId: input.vm.nicId,
          imageVersion: input.version,
          powerState: "running",
          ...(input.diskId ? { diskId: input.diskId } : {}),
        },
      }));
      return { result: null, detail: `${input.vm.vmName} runs ${input.version}` };
    });
  }

  /** Deletes a VM that no longer holds the data disk, then its NIC; never a VM that holds it. */
  async function retireVm(input: StepInput & { vmName: string; nicName: string; diskId: string }) {
    return asStep(deps, input, `retire ${input.vmName}`, async () => {
      const c = await claws.require(input.claw);
      if (vmNameOf(c) === input.vmName) {
        throw new ClawError("CONFLICT", `refusing to delete ${input.vmName}: it is the claw's VM`);
      }
      const vm = await deps.azure.getVm(input.vmName);
      if (vm?.dataDisks.some((d) => d.diskId.toLowerCase() === input.diskId.toLowerCase())) {
        throw new ClawError("CONFLICT", `refusing to delete ${input.vmName}: it holds the data disk`);
      }
      await deps.azure.deleteVm(input.vmName);
      await deps.azure.deleteNic(input.nicName);
      return { result: null, detail: `${input.vmName}, its OS disk and ${input.nicName} deleted` };
    });
  }

  return {
    createStandbyVm,
    awaitStandby,
    releaseDisk,
    detachDisk,
    attachDisk,
    moveIp,
    bootOnDisk,
    adoptVm,
    retireVm,
  };
}

export type HandoffActivities = ReturnType<typeof createHandoffActivities>;
