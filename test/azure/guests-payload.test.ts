/** Simulated guests with another lifecycle payload (payloadDir): the fleet benchmarks' answering guests. */
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RG, clawVm, createDataDisk, createNic, startTwin, type Twin } from "./helpers";
import { exec, put } from "./ssh";

const ANSWERING = path.resolve(__dirname, "../../local/guest-shims/answering");
const VERIFY = "bash -c '\"${CLAW_OPT:-/opt/claw}/lifecycle/verify.sh\"'";

let t: Twin;
beforeEach(async () => {
  t = await startTwin({ guests: { payloadDir: ANSWERING } });
});
afterEach(async () => {
  await t.emulator.close();
});

describe("simulated guest with payloadDir", () => {
  it("boot: runs the payload's boot.sh, and sessions run the payload's scripts", async () => {
    const diskId = await createDataDisk(t, "carol-data");
    const nicId = await createNic(t, "carol");
    const vm = await t.compute.virtualMachines.createOrUpdate(RG, "carol", clawVm(t, { nicId, diskId }));
    expect((await t.emulator.guests.whenBooted(vm.id!)).state).toBe("succeeded");
    const target = { ...t.emulator.sshEndpoint(vm.id!)!, username: "clawadmin", privateKey: t.key.private };

    const opt = await exec(target, 'echo "$CLAW_OPT"');
    expect(opt.stdout.trim()).toBe(ANSWERING);
    const status = await exec(target, 'cat "$CLAW_STATE/boot-status"');
    expect(status.stdout).toMatch(/^status=ok$/m);

    const before = await exec(target, VERIFY);
    expect(before.code).toBe(1);
    expect((JSON.parse(before.stdout) as { ok: boolean }).ok).toBe(false);
    // The control plane makes the directory first (ensureDir); the stand-in boot does not seed it.
    await exec(target, 'mkdir -p "$CLAW_DATA/secrets"');
    await put(target, "/mnt/claw-data/secrets/claw.env", "TELEGRAM_BOT_TOKEN=123:abc\n", 0o600);
    const after = await exec(target, VERIFY);
    expect(after.code, after.stdout).toBe(0);
    expect(JSON.parse(after.stdout)).toMatchObject({ ok: true, imageVersion: "1.0.0" });
  });
});
