/**
 * Upgrade activities alone (level 1): real state on Azurite, the Azure and guest ports replaced by
 * recording fakes. What the sagas rely on but cannot see: preflight refuses a downgrade, Run
 * Command's answer gives the standby's host key, SSH falls back to the next host key only on a key
 * mismatch, retireVm never deletes the claw's VM nor a VM holding the disk, adoptVm makes the
 * spec follow the upgrade.
 */
import { describe, expect, it } from "vitest";
import { clawInOperation, useActivityState } from "../helpers/activity-state";
import { ClawError } from "../../core/errors";
import { HOST_KEY_CHANGED } from "../../core/guest";
import { generateSshKeyPair } from "../../core/guest/keys";
import { createClawActivities } from "../../orchestrations/activities/claw-activities";
import {
  createHandoffActivities,
  fingerprintOfPublicKeyLine,
} from "../../orchestrations/activities/handoff-activities";
import type { ActivityDeps, AzurePort, GuestPort } from "../../orchestrations/activities/ports";
import { parseRunCommandMessage } from "../../core/azure/handoff";

const getState = useActivityState();

const calls: string[] = [];
const standbyKey = generateSshKeyPair("root@standby").public;

function deps(over: { azure?: Partial<AzurePort>; guest?: Partial<GuestPort> } = {}): ActivityDeps {
  const azure = {
    getImageVersion: async (v: string) =>
      v === "9.9.9" ? undefined : { version: v, provisioningState: "Succeeded", regions: ["westus"], excludeFromLatest: false, id: v }, // prettier-ignore
    runCommand: async () => ({
      stdout: `status=standby\nat=2026-01-01T00:00:00Z\nstep=wait-for-disk\n---\n${standbyKey}`,
      stderr: "",
    }),
    getVm: async () => undefined,
    deleteVm: async (n: string) => void calls.push(`deleteVm ${n}`),
    deleteNic: async (n: string) => void calls.push(`deleteNic ${n}`),
    ...over.azure,
  } as unknown as AzurePort;
  const guest = {
    exec: async () => ({ code: 0, stdout: "", stderr: "" }),
    ...over.guest,
  } as unknown as GuestPort;
  return {
    state: getState(),
    azure,
    guest,
    secrets: {
      clawSecrets: async () => ({}),
      controlPlaneSshPublicKey: async () => "ssh-ed25519 AAAA",
      secretVersions: async () => ({}),
      accessPassword: async () => ({ password: "unused", version: "1", created: false }),
      clawHolding: async () => undefined,
    },
    renderCustomData: () => ({ base64: "", runtimeVersion: "1" }),
    adminUsername: "clawadmin",
    bootTimeoutMs: 10_000,
    upgradeStrategy: "handoff",
    bootPollMs: 100,
    log: () => undefined,
  };
}

const claw = (name: string) => clawInOperation(getState(), name, "upgrade", { imageVersion: "1.1.0" });

async function codeOf(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(ClawError);
  return (e as ClawError).code;
}

describe("upgrade activities", () => {
  it("preflightImage: an image older than the one that ran on the disk needs allowDowngrade", async () => {
    const a = createClawActivities(deps());
    const base = await claw("pre");
    const input = { ...base, version: "1.0.0", region: "westus", lastVersion: "1.1.0" };
    expect(await codeOf(a.preflightImage(input))).toBe("DOWNGRADE_REFUSED");
    await expect(a.preflightImage({ ...input, allowDowngrade: true })).resolves.toMatchObject({
      version: "1.0.0",
    });
    await expect(a.preflightImage({ ...input, version: "1.10.0" })).resolves.toMatchObject({
      version: "1.10.0",
    });
    expect(await codeOf(a.preflightImage({ ...input, version: "9.9.9" }))).toBe("IMAGE_NOT_FOUND");
  });

  it("awaitStandby: reads boot.sh's status and the host key from Run Command", async () => {
    const a = createHandoffActivities(deps());
    const base = await claw("stb");
    const r = await a.awaitStandby({ ...base, vmName: "stb-vabc" });
    expect(r).toEqual({ status: "standby", hostKeySha256: fingerprintOfPublicKeyLine(standbyKey) });
    expect(r.hostKeySha256).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    const failed = createHandoffActivities(
      deps({
        azure: {
          runCommand: async () => ({ stdout: "status=failed\nstep=services\nexit=3\n---\n", stderr: "" }),
        },
      }),
    );
    await expect(failed.awaitStandby({ ...base, vmName: "stb-vabc" })).rejects.toThrow(
      /failed at step services/,
    );
  });

  it("releaseDisk: tries the next host key only when the first one is not the VM's", async () => {
    const tried: string[] = [];
    const exec: GuestPort["exec"] = async (t) => {
      tried.push(String(t.hostKeySha256));
      if (t.hostKeySha256 === "SHA256:claw")
        throw new ClawError("SSH_ERROR", "host key changed", { details: { reason: HOST_KEY_CHANGED } });
      return { code: 0, stdout: "{}", stderr: "" };
    };
    const base = await claw("rel");
    await createHandoffActivities(deps({ guest: { exec } })).releaseDisk({
      ...base,
      hostKeys: ["SHA256:claw", "SHA256:standby"],
      where: "rel-vabc",
    });
    expect(tried).toEqual(["SHA256:claw", "SHA256:standby"]);
    // Any other failure is not a reason to try another key.
    tried.length = 0;
    const down: GuestPort["exec"] = async (t) => {
      tried.push(String(t.hostKeySha256));
      throw new ClawError("SSH_ERROR", "connection refused", { retryable: true });
    };
    await expect(
      createHandoffActivities(deps({ guest: { exec: down } })).releaseDisk({
        ...base,
        hostKeys: ["SHA256:claw", "SHA256:standby"],
        where: "rel-vabc",
      }),
    ).rejects.toThrow(/connection refused/);
    expect(tried).toEqual(["SHA256:claw"]);
  });

  it("retireVm: never deletes the claw's own VM or a VM that holds the data disk", async () => {
    const base = await claw("ret");
    await getState().claws.updateObserved("ret", { vmName: "ret-vnew" });
    const holding = { dataDisks: [{ lun: 0, diskId: "/d/ret-data" }] };
    const a = createHandoffActivities(
      deps({
        azure: { getVm: async (n: string) => (n === "ret-vheld" ? holding : { dataDisks: [] }) as never },
      }),
    );
    calls.length = 0;
    expect(await codeOf(a.retireVm({ ...base, vmName: "ret-vnew", nicName: "n", diskId: "/d/ret-data" }))).toBe("CONFLICT"); // prettier-ignore
    expect(await codeOf(a.retireVm({ ...base, vmName: "ret-vheld", nicName: "n", diskId: "/D/RET-DATA" }))).toBe("CONFLICT"); // prettier-ignore
    expect(calls).toEqual([]);
    await a.retireVm({ ...base, vmName: "ret", nicName: "ret-nic", diskId: "/d/ret-data" });
    expect(calls).toEqual(["deleteVm ret", "deleteNic ret-nic"]);
  });

  it("adoptVm: the row names the new VM and the spec's version follows the upgrade", async () => {
    const base = await claw("ado");
    await createHandoffActivities(deps()).adoptVm({
      ...base,
      vm: { vmName: "ado-vx", nicName: "ado-vx-nic", nicId: "/n/ado-vx-nic", vmId: "/vm/ado-vx" },
      version: "1.1.0",
      followSpec: true,
    });
    const c = await getState().claws.require("ado");
    expect(c.spec.imageVersion).toBe("1.1.0");
    expect(c.observed).toMatchObject({ vmName: "ado-vx", nicId: "/n/ado-vx-nic", imageVersion: "1.1.0" });
  });

  it("parseRunCommandMessage: splits Azure's RunShellScript message into stdout and stderr", () => {
    expect(
      parseRunCommandMessage("Enable succeeded: \n[stdout]\nstatus=standby\n---\nkey\n\n[stderr]\nwarn\n"),
    ).toEqual({
      stdout: "status=standby\n---\nkey",
      stderr: "warn",
    });
    expect(parseRunCommandMessage("Enable succeeded: \n[stdout]\n\n[stderr]\n")).toEqual({
      stdout: "",
      stderr: "",
    });
  });
});
