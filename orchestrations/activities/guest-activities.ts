/**
 * The claw's guest over SSH: wait until boot.sh is done, stop and start the agent, verify. The
 * protocol (commands, how answers read) is core/guest/protocol.ts.
 */
import { ClawError } from "../../core/errors";
import {
  BOOT_STATUS_COMMAND,
  START_AGENT_COMMAND,
  STOP_AGENT_COMMAND,
  bootStateOf,
} from "../../core/guest/protocol";
import type { ClawRecord, VerifySummary } from "../../core/state";
import type { ActivityDeps } from "./ports";
import { asStep, type StepInput } from "./step";

export interface VerifyOutcome {
  ok: boolean;
  failed: string[];
  imageVersion?: string;
  updateVersion?: string;
  runtimeVersion?: string;
}

/** Where the claw answers: its public IP and pinned host key ("" before it has an IP). */
const targetOf = (c: ClawRecord) => ({
  claw: c.name,
  address: c.observed.publicIp ?? "",
  hostKeySha256: c.observed.hostKeySha256,
});

export function createGuestActivities(deps: ActivityDeps) {
  const claws = deps.state.claws;

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
      const target = targetOf(c);
      const r = await deps.guest.waitForSsh(target);
      if (!c.observed.hostKeySha256)
        await claws.updateObserved(input.claw, { hostKeySha256: r.hostKeySha256 });
      const pinned = { ...target, hostKeySha256: r.hostKeySha256 };
      const deadline = Date.now() + deps.bootTimeoutMs;
      let last = "";
      const pause = () => new Promise((res) => setTimeout(res, deps.bootPollMs));
      // Polls over one connection (a handshake per poll cost both ends more than the poll); a
      // dropped connection is opened again until the deadline.
      const poll = async (exec: (command: string, timeoutMs?: number) => Promise<{ stdout: string }>) => {
        for (;;) {
          const s = await exec(BOOT_STATUS_COMMAND, 30_000);
          const boot = bootStateOf(s.stdout, input.since);
          if (boot.state === "done") return;
          if (boot.state === "failed") {
            throw new ClawError("VERIFY_FAILED", `boot.sh failed at step ${boot.step} (exit ${boot.exit})`);
          }
          last = boot.last;
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
        ...targetOf(c),
        command: STOP_AGENT_COMMAND,
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
        ...targetOf(c),
        command: START_AGENT_COMMAND,
        timeoutMs: 60_000,
      });
      if (r.code !== 0) throw new ClawError("SSH_ERROR", `starting the agent failed (exit ${r.code})`);
      return { result: true, detail: "gateway started" };
    });
  }

  async function verify(input: StepInput & { expectVersion?: string }): Promise<VerifyOutcome> {
    return asStep(deps, input, "verify", async () => {
      const c = await claws.require(input.claw);
      const r = await deps.guest.verify(targetOf(c));
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

  return { waitForSsh, stopAgent, startAgent, verify, verifyReport };
}
