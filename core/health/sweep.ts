/**
 * The periodic health sweep's activities: which claws to check (running, not held by a saga), one
 * claw's verify.sh run with its result recorded on the claw, and the sweep's ending, which tells the
 * operators of claws that went from healthy to failing, once per change. "Once" needs no extra
 * state: the change is decided against the claw's previous lastVerify inside an ETag-checked update,
 * so of two concurrent writers only one sees healthy → failing, and the next sweep sees failing.
 */
import type { VerifyResult } from "../guest";
import type { FleetNotification, NotificationPort } from "../notify/port";
import type { StateStore, VerifySummary } from "../state";

export type HealthTransition = "became-failing" | "recovered";

export interface ClawHealth {
  claw: string;
  status: "healthy" | "failing" | "skipped";
  /** Failed checks (required ones; optional ones prefixed "optional:"), or why it could not verify. */
  failed: string[];
  transition?: HealthTransition;
  detail?: string;
}

export interface HealthSweepResult {
  sweptAt: string;
  checked: number;
  healthy: number;
  failing: string[];
  skipped: string[];
  becameFailing: string[];
  recovered: string[];
  notified: boolean;
  operationId?: string;
}

export interface HealthDeps {
  state: Pick<StateStore, "claws" | "operations" | "audit">;
  guest: { verify(a: { claw: string; address: string; hostKeySha256?: string }): Promise<VerifyResult> };
  notify: NotificationPort;
  /** Claws verified at once (HEALTH_SWEEP_PARALLEL). */
  parallel: number;
  log(level: "info" | "warn", message: string): void;
}

const message = (e: unknown) => (e instanceof Error ? e.message.split("\n")[0] : String(e));

/** HEALTH_SWEEP_PARALLEL (default 8, 1-100). */
export function healthParallelFrom(env: Record<string, string | undefined> = process.env): number {
  const raw = env.HEALTH_SWEEP_PARALLEL;
  if (raw === undefined || raw === "") return 8;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 100) {
    throw new Error(`HEALTH_SWEEP_PARALLEL must be a whole number from 1 to 100; got '${raw.slice(0, 40)}'`);
  }
  return n;
}

export function createHealthActivities(deps: HealthDeps) {
  const claws = deps.state.claws;

  /** The claws to check: running, with an address, and not held by a saga. */
  async function planHealthSweep(_input: {
    sweptAt: string;
  }): Promise<{ claws: string[]; parallel: number }> {
    const all = await claws.list();
    const due = all.filter(
      (c) => c.observed.powerState === "running" && c.observed.publicIp && !c.runningOperationId,
    );
    return { claws: due.map((c) => c.name).sort(), parallel: deps.parallel };
  }

  /** Runs verify.sh on one claw and records the result on it; never throws (one claw never stops a sweep). */
  async function checkClawHealth(input: { claw: string; sweptAt: string }): Promise<ClawHealth> {
    try {
      return await checkOne(input);
    } catch (e) {
      deps.log("warn", `health of ${input.claw}: ${message(e)}`);
      return {
        claw: input.claw,
        status: "skipped",
        failed: [],
        detail: `not checked: ${message(e).slice(0, 200)}`,
      };
    }
  }

  async function checkOne(input: { claw: string; sweptAt: string }): Promise<ClawHealth> {
    const c = await claws.get(input.claw);
    if (!c || c.observed.powerState !== "running" || !c.observed.publicIp || c.runningOperationId) {
      return { claw: input.claw, status: "skipped", failed: [], detail: "not running, or a saga holds it" };
    }
    let summary: VerifySummary;
    try {
      const r = await deps.guest.verify({
        claw: c.name,
        address: c.observed.publicIp,
        hostKeySha256: c.observed.hostKeySha256,
      });
      summary = {
        at: new Date().toISOString(),
        ok: r.ok,
        total: r.checks.length,
        failed: r.checks.filter((k) => !k.ok).map((k) => (k.optional ? `optional:${k.name}` : k.name)),
        imageVersion: r.imageVersion,
        runtimeVersion: r.runtimeVersion,
        updateVersion: r.updateVersion,
      };
    } catch (e) {
      summary = {
        at: new Date().toISOString(),
        ok: false,
        total: 0,
        failed: [`unreachable: ${message(e).slice(0, 200)}`],
      };
    }
    let transition: HealthTransition | undefined;
    let recorded = false;
    await claws.update(c.name, (cur) => {
      transition = undefined;
      recorded = false;
      // A saga took the claw (or parked it) while verify ran: its result says nothing now.
      if (cur.runningOperationId || cur.observed.powerState !== "running") return undefined;
      const before = cur.observed.lastVerify?.ok;
      if (before === true && !summary.ok) transition = "became-failing";
      else if (before === false && summary.ok) transition = "recovered";
      recorded = true;
      return { ...cur, observed: { ...cur.observed, lastVerify: summary } };
    });
    if (!recorded)
      return { claw: c.name, status: "skipped", failed: [], detail: "a saga took the claw meanwhile" };
    return {
      claw: c.name,
      status: summary.ok ? "healthy" : "failing",
      failed: summary.failed,
      ...(transition ? { transition } : {}),
    };
  }

  /** Records the sweep (when anything failed or changed) and tells the operators of the changes. */
  async function finishHealthSweep(input: {
    sweptAt: string;
    results: ClawHealth[];
  }): Promise<HealthSweepResult> {
    const r = input.results;
    const out: HealthSweepResult = {
      sweptAt: input.sweptAt,
      checked: r.filter((x) => x.status !== "skipped").length,
      healthy: r.filter((x) => x.status === "healthy").length,
      failing: r.filter((x) => x.status === "failing").map((x) => x.claw),
      skipped: r.filter((x) => x.status === "skipped").map((x) => x.claw),
      becameFailing: r.filter((x) => x.transition === "became-failing").map((x) => x.claw),
      recovered: r.filter((x) => x.transition === "recovered").map((x) => x.claw),
      notified: false,
    };
    if (!out.failing.length && !out.recovered.length) return out;
    const op = await deps.state.operations.start({
      kind: "health-sweep",
      claw: "fleet",
      channel: "timer",
      principal: "timer:health",
    });
    out.operationId = op.id;
    await deps.state.operations.finish(op.id, {
      status: out.failing.length ? "failed" : "succeeded",
      ...(out.failing.length
        ? { error: { code: "VERIFY_FAILED", message: `failing: ${out.failing.join(", ")}`.slice(0, 500) } }
        : {}),
      details: {
        ...out,
        results: r.filter((x) => x.status === "failing").map((x) => ({ claw: x.claw, failed: x.failed })),
      },
    });
    for (const x of r.filter((y) => y.transition)) {
      await deps.state.audit
        .record({
          channel: "timer",
          principal: "timer:health",
          kind: x.transition === "became-failing" ? "health-failing" : "health-recovered",
          claw: x.claw,
          command: { kind: "health-sweep", sweptAt: input.sweptAt },
          accepted: true,
          reason:
            x.transition === "became-failing" ? `failed: ${x.failed.join(", ")}` : "verify passes again",
          operationId: op.id,
        })
        .catch((e: unknown) => deps.log("warn", `auditing the health of ${x.claw} failed: ${message(e)}`));
    }
    if (out.becameFailing.length || out.recovered.length) {
      const event: FleetNotification = {
        kind: "health",
        sweptAt: input.sweptAt,
        failing: r
          .filter((x) => x.transition === "became-failing")
          .map((x) => ({ claw: x.claw, failed: x.failed })),
        recovered: out.recovered,
        operationId: op.id,
      };
      await deps.notify.notify(event).then(
        () => (out.notified = true),
        (e: unknown) => deps.log("warn", `health notification failed: ${message(e)}`),
      );
    }
    return out;
  }

  return { planHealthSweep, checkClawHealth, finishHealthSweep };
}

export type HealthActivities = ReturnType<typeof createHealthActivities>;
