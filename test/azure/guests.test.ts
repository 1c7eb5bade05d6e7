import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RG, clawVm, createDataDisk, createNic, startTwin, type Twin } from "./helpers";
import { exec, hostKeyOf, put, type SshTarget } from "./ssh";

let t: Twin;
beforeEach(async () => {
  t = await startTwin({ guests: { env: { CLAW_DISK_WAIT_SECONDS: "5" } } });
});
afterEach(async () => {
  await t.emulator.close();
});

async function deploy(
  name: string,
  diskId: string,
  version = "1.0.0",
): Promise<{ vmId: string; target: SshTarget }> {
  const nicId = await createNic(t, name);
  const vm = await t.compute.virtualMachines.createOrUpdate(RG, name, clawVm(t, { nicId, diskId, version }));
  const boot = await t.emulator.guests.whenBooted(vm.id!);
  expect(boot.state).toBe("succeeded");
  const endpoint = t.emulator.sshEndpoint(vm.id!)!;
  return { vmId: vm.id!, target: { ...endpoint, username: "clawadmin", privateKey: t.key.private } };
}

type Verify = { ok: boolean; imageVersion: string; checks: { name: string; ok: boolean; detail: string }[] };

describe("simulated guest", () => {
  it("boot: runs the real boot.sh on the attached data disk and verify.sh passes once secrets are applied", async () => {
    const diskId = await createDataDisk(t, "alice-data");
    const { target } = await deploy("alice", diskId);
    const before = await exec(target, "bash -c '\"${CLAW_OPT:-/opt/claw}/lifecycle/verify.sh\"'");
    const v1 = JSON.parse(before.stdout) as Verify;
    expect(v1.imageVersion).toBe("1.0.0");
    expect(v1.checks.find((c) => c.name === "data-disk-mounted")?.ok).toBe(true);
    expect(v1.checks.find((c) => c.name === "secrets-file")?.ok).toBe(false);

    await put(
      target,
      "/mnt/claw-data/secrets/claw.env",
      "TELEGRAM_BOT_TOKEN=123:abc\nANTHROPIC_API_KEY=sk-test\n",
      0o600,
    );
    const applied = await exec(target, "bash -c '\"${CLAW_OPT:-/opt/claw}/lifecycle/apply-secrets.sh\"'");
    expect(applied.code, applied.stderr).toBe(0);
    const after = await exec(target, "bash -c '\"${CLAW_OPT:-/opt/claw}/lifecycle/verify.sh\"'");
    const v2 = JSON.parse(after.stdout) as Verify;
    expect(
      v2.checks.filter((c) => !c.ok),
      after.stdout,
    ).toEqual([]);
    expect(after.code).toBe(0);
  });

  it("replace VM: a new VM on the same disk keeps the claw's state and SSH host key", async () => {
    const diskId = await createDataDisk(t, "bob-data");
    const first = await deploy("bob", diskId);
    const key1 = await hostKeyOf(first.target);
    await exec(first.target, 'echo remembered > "$CLAW_DATA/workspace/note.txt"');
    await t.compute.virtualMachines.delete(RG, "bob");
    const disk = await t.compute.disks.get(RG, "bob-data");
    expect(disk.diskState).toBe("Unattached");
    const second = await deploy("bob2", diskId);
    const note = await exec(second.target, 'cat "$CLAW_DATA/workspace/note.txt"');
    expect(note.stdout.trim()).toBe("remembered");
    expect((await hostKeyOf(second.target)).equals(key1)).toBe(true);
  });

  it("upgrade: a VM recreated from a newer image version reports it, the disk's migrations stay applied", async () => {
    t.emulator.publishImageVersion(t.ids.galleryImageId, "westus", { name: "2.0.0" });
    const diskId = await createDataDisk(t, "dave-data");
    const v1 = await deploy("dave", diskId, "1.0.0");
    const verify = "bash -c '\"${CLAW_OPT:-/opt/claw}/lifecycle/verify.sh\"'";
    const before = JSON.parse((await exec(v1.target, verify)).stdout) as Verify & { updateVersion: string };
    await t.compute.virtualMachines.delete(RG, "dave");
    const v2 = await deploy("dave", diskId, "2.0.0");
    const after = JSON.parse((await exec(v2.target, verify)).stdout) as Verify & { updateVersion: string };
    expect([before.imageVersion, after.imageVersion]).toEqual(["1.0.0", "2.0.0"]);
    expect(after.updateVersion).toBe(before.updateVersion);
  });

  it("deallocate: stops the guest's SSH server and start boots it again", async () => {
    const diskId = await createDataDisk(t, "carol-data");
    const { vmId, target } = await deploy("carol", diskId);
    await t.compute.virtualMachines.deallocate(RG, "carol");
    expect(t.emulator.sshEndpoint(vmId)).toBeUndefined();
    await expect(exec(target, "true")).rejects.toThrow();
    expect((await t.compute.disks.get(RG, "carol-data")).diskState).toBe("Reserved");
    await t.compute.virtualMachines.start(RG, "carol");
    expect((await t.emulator.guests.whenBooted(vmId)).state).toBe("succeeded");
    const again = t.emulator.sshEndpoint(vmId)!;
    expect(again.port).toBe(target.port);
    const r = await exec(target, 'test -L "$CLAW_DATA" && echo mounted');
    expect(r.stdout.trim()).toBe("mounted");
  });
});
