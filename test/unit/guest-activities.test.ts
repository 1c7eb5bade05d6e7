/**
 * The guest protocol (core/guest/protocol.ts) and the guest activities alone (level 1): real state
 * on Azurite, the claw's SSH replaced by a fake that answers boot.sh's status file in turn.
 */
import { describe, expect, it } from "vitest";
import {
  BOOT_CLOCK_SKEW_MS,
  BOOT_STATUS_COMMAND,
  bootStateOf,
  parseHashes,
  STOP_AGENT_COMMAND,
} from "../../core/guest/protocol";
import { createGuestActivities } from "../../orchestrations/activities/guest-activities";
import type { ActivityDeps, GuestPort } from "../../orchestrations/activities/ports";
import { clawInOperation, useActivityState } from "../helpers/activity-state";
import { clawError } from "../helpers/errors";

const SINCE = "2026-03-01T12:00:00.000Z";
const at = (offsetMs: number) => new Date(Date.parse(SINCE) + offsetMs).toISOString();

describe("bootStateOf", () => {
  it("bootStateOf: a report within the clock skew before `since` is this boot's; older ones are not", () => {
    expect(bootStateOf(`status=ok\nat=${at(-BOOT_CLOCK_SKEW_MS + 1000)}`, SINCE)).toEqual({ state: "done" });
    expect(bootStateOf(`status=ok\nat=${at(-BOOT_CLOCK_SKEW_MS - 1000)}`, SINCE)).toEqual({
      state: "waiting",
      last: "ok",
    });
    expect(bootStateOf(`status=failed\nat=${at(-60_000)}\nstep=mount`, SINCE).state).toBe("waiting");
  });

  it("bootStateOf: a report naming the boot id counts only in that boot, however recent", () => {
    // Parked and woken a second after the last boot.sh ended: the time alone would take it.
    const stale = `status=ok\nat=${at(1000)}\nboot=aaa\n\ncurrent_boot=bbb`;
    expect(bootStateOf(stale, SINCE)).toEqual({ state: "waiting", last: "ok" });
    expect(bootStateOf(`status=ok\nat=${at(-60_000)}\nboot=bbb\n\ncurrent_boot=bbb`, SINCE)).toEqual({
      state: "done",
    });
    // A guest whose boot id cannot be read falls back to the time.
    expect(bootStateOf(`status=ok\nat=${at(1000)}\nboot=aaa\n\ncurrent_boot=`, SINCE).state).toBe("done");
  });

  it("bootStateOf: failed names boot.sh's step and exit; no file is 'not started'; no `since` takes any boot", () => {
    expect(bootStateOf(`status=failed\nat=${at(1000)}\nstep=mount-disk\nexit=32`, SINCE)).toEqual({
      state: "failed",
      step: "mount-disk",
      exit: "32",
    });
    expect(bootStateOf("", SINCE)).toEqual({ state: "waiting", last: "not started" });
    expect(bootStateOf(`status=ok\nat=${at(-86_400_000)}`)).toEqual({ state: "done" });
  });

  it("parseHashes: sha256sum's lines per delivered file; other files and noise are ignored", () => {
    const h = "a".repeat(64);
    const g = "b".repeat(64);
    expect(
      parseHashes(`${h}  claw.env\n${g} *access-password\n${h}  other.txt\nsha256sum: x: No such file`),
    ).toEqual({
      secrets: h,
      "access-password": g,
    });
  });
});

const state = useActivityState();

/** A guest whose boot-status answers come from `answers` in turn (the last one repeats). */
function fakeGuest(answers: string[]) {
  const commands: string[] = [];
  let n = 0;
  const exec = async (command: string) => {
    commands.push(command);
    return { code: 0, stdout: answers[Math.min(n++, answers.length - 1)], stderr: "" };
  };
  const guest = {
    waitForSsh: async () => ({ hostKeySha256: "SHA256:claw" }),
    session: async (_t: unknown, fn: (e: typeof exec) => Promise<unknown>) => fn(exec),
    exec: async (a: { command: string }) => exec(a.command),
  } as unknown as GuestPort;
  return { guest, commands };
}

function deps(guest: GuestPort): ActivityDeps {
  return {
    state: state(),
    guest,
    bootTimeoutMs: 1_000,
    bootPollMs: 5,
    log: () => undefined,
  } as unknown as ActivityDeps;
}

let count = 0;
const claw = () => clawInOperation(state(), `g${++count}${Math.random().toString(36).slice(2, 6)}`, "wake");

describe("guest activities", () => {
  it("waitForSsh: waits past a boot from before `since` (beyond the skew) until this boot reports ok", async () => {
    const { guest, commands } = fakeGuest([
      `status=ok\nat=${at(-BOOT_CLOCK_SKEW_MS - 1000)}`,
      `status=running\nat=${at(2000)}\nstep=mount`,
      `status=ok\nat=${at(3000)}`,
    ]);
    const base = await claw();
    await createGuestActivities(deps(guest)).waitForSsh({ ...base, since: SINCE });
    expect(commands).toEqual([BOOT_STATUS_COMMAND, BOOT_STATUS_COMMAND, BOOT_STATUS_COMMAND]);
  });

  it("waitForSsh: a report a little before `since` (clock skew) is taken at once", async () => {
    const { guest, commands } = fakeGuest([`status=ok\nat=${at(-BOOT_CLOCK_SKEW_MS + 1000)}`]);
    await createGuestActivities(deps(guest)).waitForSsh({ ...(await claw()), since: SINCE });
    expect(commands).toHaveLength(1);
  });

  it("waitForSsh: boot.sh's failure is VERIFY_FAILED with its step; an old boot never ends the wait", async () => {
    const failed = fakeGuest([`status=failed\nat=${at(1000)}\nstep=mount-disk\nexit=32`]);
    const e = await clawError(
      createGuestActivities(deps(failed.guest)).waitForSsh({ ...(await claw()), since: SINCE }),
    );
    expect(e.code).toBe("VERIFY_FAILED");
    expect(e.message).toBe("boot.sh failed at step mount-disk (exit 32)");
    const stale = fakeGuest([`status=ok\nat=${at(-60_000)}`]);
    const t = await clawError(
      createGuestActivities(deps(stale.guest)).waitForSsh({ ...(await claw()), since: SINCE }),
    );
    expect(t.code).toBe("SSH_ERROR");
    expect(t.message).toMatch(/boot did not finish within 1 s \(last status: ok\)/);
  });

  it("stopAgent: stops the gateway and syncs the disk; a failure names the exit code", async () => {
    const { guest, commands } = fakeGuest([""]);
    expect(await createGuestActivities(deps(guest)).stopAgent(await claw())).toBe(true);
    expect(commands).toEqual([STOP_AGENT_COMMAND]);
    const broken = { ...guest, exec: async () => ({ code: 5, stdout: "", stderr: "unit not found" }) };
    const e = await clawError(createGuestActivities(deps(broken as GuestPort)).stopAgent(await claw()));
    expect(e.message).toMatch(/exit 5.*unit not found/);
  });
});
