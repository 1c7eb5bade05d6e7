/**
 * The emulator as strict as Azure where the disk handoff depends on it: online attach/detach in both
 * of Azure's forms with ARM's disk states, Run Command, public IPs moving between NICs (and the SSH
 * endpoint map following them), and the handoff protocol end to end in the simulated guests.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { utils } from "ssh2";
import { RG, LOCATION, clawVm, createDataDisk, createNic, startTwin, type Twin } from "./helpers";
import { exec, hostKeyOf, type SshTarget } from "./ssh";
import { sshEndpointMap } from "../../local/azure/admin";

let t: Twin;
beforeAll(async () => {
  t = await startTwin({ guests: { env: { CLAW_DISK_WAIT_SECONDS: "1" } } });
});
afterAll(async () => {
  await t.emulator.close();
});

const BOOT = `bash -c '"\${CLAW_OPT:-/opt/claw}/lifecycle/boot.sh"'`;
const RELEASE = `bash -c '"\${CLAW_OPT:-/opt/claw}/lifecycle/release.sh"'`;
const STATUS = `cat "\${CLAW_STATE:-/var/lib/openclawps}/boot-status"`;
/** The control plane's readiness probe through Run Command (paths as the guest contract sets them). */
const READINESS = [
  'cat "${CLAW_STATE:-/var/lib/openclawps}/boot-status"; echo ---; cat "${CLAW_ETC:-/etc}/ssh/ssh_host_ed25519_key.pub"',
];

function target(vmId: string): SshTarget {
  const e = t.emulator.sshEndpoint(vmId);
  expect(e, `no SSH endpoint for ${vmId}`).toBeDefined();
  return { ...e!, username: "clawadmin", privateKey: t.key.private };
}

/** SSH to a public IP address through the endpoint map, as the control plane's guest client does. */
function byAddress(address: string): SshTarget {
  const value = sshEndpointMap(t.emulator.context)[address];
  expect(value, `no endpoint for ${address}`).toBeDefined();
  const [host, port] = value.split(":");
  return { host, port: Number(port), username: "clawadmin", privateKey: t.key.private };
}

function fingerprint(pubLine: string): string {
  const k = utils.parseKey(pubLine.trim());
  if (k instanceof Error) throw k;
  return k.getPublicSSH().toString("base64");
}

async function armError(
  p: Promise<unknown>,
): Promise<{ statusCode?: number; code?: string; message?: string }> {
  return p.then(
    () => ({}),
    (e: { statusCode?: number; code?: string; message?: string }) => e,
  );
}

/** A claw VM on its data disk and NIC (with public IP), booted. */
async function deployClaw(name: string) {
  const diskId = await createDataDisk(t, `${name}-data`);
  const nicId = await createNic(t, name);
  const vm = await t.compute.virtualMachines.createOrUpdate(
    RG,
    name,
    clawVm(t, { nicId, diskId, claw: name }),
  );
  expect((await t.emulator.guests.whenBooted(vm.id!)).state).toBe("succeeded");
  const ip = await t.network.publicIPAddresses.get(RG, `${name}-ip`);
  return { vmId: vm.id!, diskId, nicId, ip: ip.ipAddress!, ipId: ip.id! };
}

/** A standby VM for `claw`: its own NIC (no public IP), no data disk, booted until it stands by. */
async function deployStandby(claw: string, name: string) {
  const nic = await t.network.networkInterfaces.beginCreateOrUpdateAndWait(RG, `${name}-nic`, {
    location: LOCATION,
    ipConfigurations: [{ name: "ipconfig1", subnet: { id: t.ids.subnetId } }],
  });
  const vm = await t.compute.virtualMachines.createOrUpdate(
    RG,
    name,
    clawVm(t, { nicId: nic.id!, claw, version: "1.0.0" }),
  );
  expect((await t.emulator.guests.whenBooted(vm.id!)).state).toBe("succeeded");
  return { vmId: vm.id!, nicId: nic.id!, nicName: `${name}-nic` };
}

async function setNicIp(nicName: string, ipId: string | undefined) {
  const nic = await t.network.networkInterfaces.get(RG, nicName);
  const [first, ...rest] = nic.ipConfigurations!;
  return t.network.networkInterfaces.beginCreateOrUpdateAndWait(RG, nicName, {
    ...nic,
    ipConfigurations: [{ ...first, publicIPAddress: ipId ? { id: ipId } : undefined }, ...rest],
  });
}

describe("online data-disk attach and detach", () => {
  it("attachDetachDataDisks: detaches from a running VM (disk Unattached, LUN gone) and attaches at LUN 0 of another", async () => {
    const a = await deployClaw("dora");
    const s = await deployStandby("dora", "dora-s");
    expect((await exec(target(s.vmId), STATUS)).stdout).toContain("status=standby");
    await exec(target(a.vmId), RELEASE);

    const out = await t.compute.virtualMachines.beginAttachDetachDataDisksAndWait(RG, "dora", {
      dataDisksToDetach: [{ diskId: a.diskId }],
    });
    expect(out.dataDisks ?? []).toEqual([]);
    const disk = await t.compute.disks.get(RG, "dora-data");
    expect(disk.diskState).toBe("Unattached");
    expect(disk.managedBy).toBeUndefined();
    expect(
      (await exec(target(a.vmId), 'test -e "$CLAW_DATA_DEVICE" && echo there || echo gone')).stdout.trim(),
    ).toBe("gone");
    const vm = await t.compute.virtualMachines.get(RG, "dora");
    expect(vm.provisioningState).toBe("Succeeded");
    expect((await t.compute.virtualMachines.instanceView(RG, "dora")).statuses?.map((x) => x.code)).toContain(
      "PowerState/running",
    );

    const attached = await t.compute.virtualMachines.beginAttachDetachDataDisksAndWait(RG, "dora-s", {
      dataDisksToAttach: [{ diskId: a.diskId, lun: 0, caching: "ReadWrite", deleteOption: "Detach" }],
    });
    expect(attached.dataDisks).toMatchObject([{ lun: 0, createOption: "Attach", toBeDetached: false }]);
    expect(await t.compute.disks.get(RG, "dora-data")).toMatchObject({
      diskState: "Attached",
      managedBy: s.vmId,
    });
    expect((await exec(target(s.vmId), 'test -e "$CLAW_DATA_DEVICE" && echo there')).stdout.trim()).toBe(
      "there",
    );
  });

  it("attachDetachDataDisks: a disk attached to another VM is 409, and the disk stays where it is", async () => {
    const a = await deployClaw("erin");
    const s = await deployStandby("erin", "erin-s");
    const e = await armError(
      t.compute.virtualMachines.beginAttachDetachDataDisksAndWait(RG, "erin-s", {
        dataDisksToAttach: [{ diskId: a.diskId, lun: 0 }],
      }),
    );
    expect(e).toMatchObject({ statusCode: 409, code: "ConflictingUserInput" });
    expect((await t.compute.disks.get(RG, "erin-data")).managedBy).toBe(a.vmId);
    expect((await t.compute.virtualMachines.get(RG, "erin-s")).storageProfile?.dataDisks).toEqual([]);
    void s;
  });

  it("attachDetachDataDisks: a detach in progress shows toBeDetached and the disk still Attached", async () => {
    const a = await deployClaw("finn");
    const rule = t.emulator.faults.add({
      operationId: "VirtualMachines_AttachDetachDataDisks",
      effect: { type: "neverComplete" },
    });
    try {
      await t.compute.virtualMachines.beginAttachDetachDataDisks(RG, "finn", {
        dataDisksToDetach: [{ diskId: a.diskId }],
      });
      const vm = await t.compute.virtualMachines.get(RG, "finn");
      expect(vm.provisioningState).toBe("Updating");
      expect(vm.storageProfile?.dataDisks).toMatchObject([{ lun: 0, toBeDetached: true }]);
      expect(await t.compute.disks.get(RG, "finn-data")).toMatchObject({
        diskState: "Attached",
        managedBy: a.vmId,
      });
    } finally {
      t.emulator.faults.remove(rule);
    }
  });

  it("update: a PUT marking the disk toBeDetached detaches it from the running VM; a PATCH attaches it back", async () => {
    const a = await deployClaw("gus");
    await exec(target(a.vmId), RELEASE);
    const vm = await t.compute.virtualMachines.get(RG, "gus");
    const disks = vm.storageProfile!.dataDisks!;
    await t.compute.virtualMachines.createOrUpdate(RG, "gus", {
      ...vm,
      storageProfile: { ...vm.storageProfile, dataDisks: disks.map((d) => ({ ...d, toBeDetached: true })) },
    });
    expect((await t.compute.virtualMachines.get(RG, "gus")).storageProfile?.dataDisks).toEqual([]);
    expect((await t.compute.disks.get(RG, "gus-data")).diskState).toBe("Unattached");
    await t.compute.virtualMachines.update(RG, "gus", {
      storageProfile: {
        dataDisks: [
          { lun: 0, createOption: "Attach", managedDisk: { id: a.diskId }, deleteOption: "Detach" },
        ],
      },
    });
    expect((await t.compute.disks.get(RG, "gus-data")).diskState).toBe("Attached");
    const booted = await exec(target(a.vmId), `${BOOT} >/dev/null && ${STATUS}`);
    expect(booted.stdout).toContain("status=ok");
    expect(booted.stdout).toContain("fs=clean");
  });

  it("attachDetachDataDisks: detaching a disk the guest still has mounted leaves it unclean; its next mount says so", async () => {
    const a = await deployClaw("hana");
    const s = await deployStandby("hana", "hana-s");
    // No release.sh: the disk leaves while mounted.
    await t.compute.virtualMachines.beginAttachDetachDataDisksAndWait(RG, "hana", {
      dataDisksToDetach: [{ diskId: a.diskId }],
    });
    await t.compute.virtualMachines.beginAttachDetachDataDisksAndWait(RG, "hana-s", {
      dataDisksToAttach: [{ diskId: a.diskId, lun: 0 }],
    });
    const r = await exec(target(s.vmId), `${BOOT} 2>&1; ${STATUS}`);
    expect(r.stdout).toContain("recovering journal");
    expect(r.stdout).toContain("fs=recovered");
  });
});

describe("Run Command", () => {
  it("runCommand: runs the script as root in the guest and answers Azure's RunShellScript shape", async () => {
    const s = await deployStandby("ivy", "ivy-s");
    const r = await t.compute.virtualMachines.beginRunCommandAndWait(RG, "ivy-s", {
      commandId: "RunShellScript",
      script: [...READINESS, "echo oops >&2", "echo USER=$USER"],
    });
    expect(r.value).toHaveLength(1);
    expect(r.value![0]).toMatchObject({
      code: "ProvisioningState/succeeded",
      displayStatus: "Provisioning succeeded",
    });
    const message = r.value![0].message!;
    expect(message.startsWith("Enable succeeded: \n[stdout]\n")).toBe(true);
    const stdout = /\[stdout\]\n([\s\S]*?)\n\[stderr\]/.exec(message)![1];
    const [status, key] = stdout.split("\n---\n");
    expect(status).toContain("status=standby");
    expect(stdout).toContain("USER=root");
    expect(message).toMatch(/\[stderr\]\noops\n/);
    // The key Run Command reports is the one the VM's SSH server presents.
    const presented = (await hostKeyOf(target(s.vmId))).toString("base64");
    expect(fingerprint(key.split("\n")[0])).toBe(presented);
  });

  it("runCommand: 409 when the VM is not running", async () => {
    await deployStandby("jon", "jon-s");
    await t.compute.virtualMachines.beginPowerOffAndWait(RG, "jon-s");
    const e = await armError(
      t.compute.virtualMachines.beginRunCommandAndWait(RG, "jon-s", {
        commandId: "RunShellScript",
        script: ["true"],
      }),
    );
    expect(e).toMatchObject({ statusCode: 409, code: "OperationNotAllowed" });
  });
});

describe("failure paths", () => {
  it("start: a failed operation leaves the VM Failed and stopped, and its Location poll answers an error status", async () => {
    await deployStandby("kai", "kai-s");
    await t.compute.virtualMachines.beginPowerOffAndWait(RG, "kai-s");
    const rule = t.emulator.faults.add({
      operationId: "VirtualMachines_Start",
      effect: { type: "failOperation", code: "InternalExecutionError" },
    });
    try {
      const res = await fetch(
        `${t.emulator.url}/subscriptions/${t.ids.resourceGroupId.split("/")[2]}/resourceGroups/${RG}/providers/Microsoft.Compute/virtualMachines/kai-s/start?api-version=2024-07-01`,
        { method: "POST", headers: { authorization: "Bearer x" } },
      );
      expect(res.status).toBe(202);
      const location = res.headers.get("location")!;
      const status = await (
        await fetch(res.headers.get("azure-asyncoperation")!, { headers: { authorization: "Bearer x" } })
      ).json();
      expect(status).toMatchObject({ status: "Failed", error: { code: "InternalExecutionError" } });
      const monitor = await fetch(location, { headers: { authorization: "Bearer x" } });
      expect(monitor.status).toBe(500);
      expect(await monitor.json()).toMatchObject({ error: { code: "InternalExecutionError" } });
      const vm = await t.compute.virtualMachines.get(RG, "kai-s", { expand: "instanceView" });
      expect(vm.provisioningState).toBe("Failed");
      expect(vm.instanceView?.statuses?.map((x) => x.code)).toContain("PowerState/stopped");
    } finally {
      t.emulator.faults.remove(rule);
    }
    // A later start succeeds and clears the failure.
    await t.compute.virtualMachines.beginStartAndWait(RG, "kai-s");
    expect((await t.compute.virtualMachines.get(RG, "kai-s")).provisioningState).toBe("Succeeded");
  });
});

describe("public IP moves", () => {
  it("NIC update: an IP still on another NIC is 400 PublicIPAddressInUse; once removed there, it moves and SSH to it follows", async () => {
    const a = await deployClaw("lea");
    const s = await deployStandby("lea", "lea-s");
    expect(a.ip).toMatch(/^198\.1[89]\./);
    const oldKey = (await hostKeyOf(byAddress(a.ip))).toString("base64");
    expect(oldKey).toBe((await hostKeyOf(target(a.vmId))).toString("base64"));

    const e = await armError(setNicIp(s.nicName, a.ipId));
    expect(e).toMatchObject({ statusCode: 400, code: "PublicIPAddressInUse" });
    expect(e.message).toContain("is referencing public IP address");

    await setNicIp("lea-nic", undefined);
    expect(sshEndpointMap(t.emulator.context)[a.ip]).toBeUndefined();
    await setNicIp(s.nicName, a.ipId);
    const pip = await t.network.publicIPAddresses.get(RG, "lea-ip");
    expect(pip.ipAddress).toBe(a.ip);
    expect(pip.ipConfiguration?.id?.toLowerCase()).toContain("/networkinterfaces/lea-s-nic/");
    expect((await hostKeyOf(byAddress(a.ip))).toString("base64")).toBe(
      (await hostKeyOf(target(s.vmId))).toString("base64"),
    );
  });
});

describe("handoff protocol in the guests", () => {
  it("handoff: release, detach, attach, IP move, boot.sh over SSH to the IP; the claw's key, data and agent follow; rollback brings them back", async () => {
    const a = await deployClaw("milo");
    const old = target(a.vmId);
    await exec(old, 'echo "remember me" > "$CLAW_DATA/workspace/note.txt"');
    await exec(old, 'echo "TELEGRAM_BOT_TOKEN=1:x" > "$CLAW_DATA/openclaw/.env"');
    await exec(old, BOOT);
    const clawKey = (await hostKeyOf(byAddress(a.ip))).toString("base64");
    const s = await deployStandby("milo", "milo-s");

    // 1. Readiness and the standby's host key, through Run Command only.
    const ready = await t.compute.virtualMachines.beginRunCommandAndWait(RG, "milo-s", {
      commandId: "RunShellScript",
      script: READINESS,
    });
    const stdout = /\[stdout\]\n([\s\S]*?)\n\[stderr\]/.exec(ready.value![0].message!)![1];
    expect(stdout).toContain("status=standby");
    const standbyKey = fingerprint(stdout.split("\n---\n")[1]);
    expect(standbyKey).not.toBe(clawKey);

    // 2. Downtime: release on the old VM (SSH to the claw's address), disk and IP move.
    const released = await exec(byAddress(a.ip), RELEASE);
    expect(released.code, released.stderr).toBe(0);
    expect(JSON.parse(released.stdout)).toMatchObject({ ok: true, unmounted: true });
    expect(released.stdout).toContain("openclaw-gateway");
    await t.compute.virtualMachines.beginAttachDetachDataDisksAndWait(RG, "milo", {
      dataDisksToDetach: [{ diskId: a.diskId }],
    });
    await t.compute.virtualMachines.beginAttachDetachDataDisksAndWait(RG, "milo-s", {
      dataDisksToAttach: [{ diskId: a.diskId, lun: 0, caching: "ReadWrite", deleteOption: "Detach" }],
    });
    await setNicIp("milo-nic", undefined);
    await setNicIp(s.nicName, a.ipId);
    // The address now answers with the standby's own key (the one Run Command reported)...
    expect((await hostKeyOf(byAddress(a.ip))).toString("base64")).toBe(standbyKey);
    // ...and boot.sh there restores the claw's key without hanging the session that runs it.
    const booted = await exec(byAddress(a.ip), `${BOOT} >/dev/null; ${STATUS}`);
    expect(booted.stdout).toContain("status=ok");
    expect(booted.stdout).toContain("fs=clean");
    expect((await hostKeyOf(byAddress(a.ip))).toString("base64")).toBe(clawKey);
    expect((await exec(byAddress(a.ip), 'cat "$CLAW_DATA/workspace/note.txt"')).stdout.trim()).toBe(
      "remember me",
    );
    expect((await exec(byAddress(a.ip), "systemctl is-active openclaw-gateway")).stdout.trim()).toBe(
      "active",
    );
    expect((await exec(old, "systemctl is-active openclaw-gateway || true")).stdout.trim()).toBe("inactive");

    // 3. Rollback: release on the standby, the disk and the IP go back, boot.sh on the old VM.
    expect((await exec(byAddress(a.ip), RELEASE)).code).toBe(0);
    await t.compute.virtualMachines.beginAttachDetachDataDisksAndWait(RG, "milo-s", {
      dataDisksToDetach: [{ diskId: a.diskId }],
    });
    await t.compute.virtualMachines.beginAttachDetachDataDisksAndWait(RG, "milo", {
      dataDisksToAttach: [{ diskId: a.diskId, lun: 0 }],
    });
    await setNicIp(s.nicName, undefined);
    await setNicIp("milo-nic", a.ipId);
    const back = await exec(byAddress(a.ip), `${BOOT} >/dev/null; ${STATUS}`);
    expect(back.stdout).toContain("status=ok");
    expect(back.stdout).toContain("fs=clean");
    expect((await hostKeyOf(byAddress(a.ip))).toString("base64")).toBe(clawKey);
    expect((await exec(byAddress(a.ip), "systemctl is-active openclaw-gateway")).stdout.trim()).toBe(
      "active",
    );
    expect((await exec(target(s.vmId), "systemctl is-active openclaw-gateway || true")).stdout.trim()).toBe(
      "inactive",
    );
  });
});
