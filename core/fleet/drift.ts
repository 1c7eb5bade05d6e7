/**
 * Drift: what Azure says (through the gateway) against what the Claws table says. Reported, never
 * repaired: the reconcile records findings (Operations + Audit) and tells the operators.
 */
import type { ClawRecord } from "../state";
import type { DriftFinding } from "../notify/port";
import type { FleetAzurePort, FleetDeps } from "./deps";

type Vm = Awaited<ReturnType<FleetAzurePort["getVm"]>>;

function powerClass(p: string | undefined): string | undefined {
  if (!p || p === "unknown") return undefined;
  if (p === "starting") return "running";
  if (p === "deallocating") return "deallocated";
  if (p === "stopping") return "stopped";
  return p;
}

/** Findings for one claw (none while a saga runs on it: its state is in flux). */
export function compareClaw(claw: ClawRecord, vm: Vm): DriftFinding[] {
  if (claw.runningOperationId) return [];
  const o = claw.observed;
  const out: DriftFinding[] = [];
  const expectsVm = Boolean(o.vmId) || (o.powerState !== undefined && o.powerState !== "absent");
  if (!vm) {
    if (expectsVm)
      out.push({
        claw: claw.name,
        kind: "vm-missing",
        expected: `VM ${o.powerState ?? "present"}`,
        actual: "no VM",
      });
    return out;
  }
  const want = powerClass(o.powerState);
  const have = powerClass(vm.powerState);
  if (want && want !== "absent" && have && want !== have) {
    out.push({ claw: claw.name, kind: "power-state", expected: want, actual: have });
  }
  if (o.diskId && !vm.dataDisks.some((d) => d.diskId.toLowerCase() === o.diskId!.toLowerCase())) {
    out.push({
      claw: claw.name,
      kind: "disk-detached",
      expected: o.diskId.split("/").pop() ?? o.diskId,
      actual: vm.dataDisks.length
        ? vm.dataDisks.map((d) => d.diskId.split("/").pop()).join(", ")
        : "no data disk",
    });
  }
  const version = o.imageVersion ?? claw.spec.imageVersion;
  if (vm.imageVersion && version && vm.imageVersion !== version) {
    out.push({ claw: claw.name, kind: "image-version", expected: version, actual: vm.imageVersion });
  }
  return out;
}

/** Runs `fn` over `items` with at most `limit` at once. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Activity: compares every claw, records and announces drift. Never changes Azure. */
export async function detectDrift(
  deps: FleetDeps,
  input: { checkedAt: string },
): Promise<{ checked: number; findings: DriftFinding[]; errors: string[]; operationId?: string }> {
  const claws = await deps.state.claws.list();
  const errors: string[] = [];
  const perClaw = await mapLimit(claws, deps.settings.driftParallel, async (c) => {
    try {
      return compareClaw(c, await deps.azure.getVm(c.name));
    } catch (e) {
      errors.push(`${c.name}: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`);
      return [];
    }
  });
  const findings = perClaw.flat();
  if (findings.length === 0 && errors.length === 0) return { checked: claws.length, findings, errors };
  const op = await deps.state.operations.start({
    kind: "drift-reconcile",
    claw: "fleet",
    channel: "timer",
    principal: "timer:drift",
  });
  await deps.state.operations.finish(op.id, {
    status: errors.length ? "failed" : "succeeded",
    ...(errors.length ? { error: { code: "AZURE_ERROR", message: errors.slice(0, 5).join("; ") } } : {}),
    details: { checked: claws.length, findings, checkedAt: input.checkedAt },
  });
  for (const f of findings) {
    await deps.state.audit
      .record({
        channel: "timer",
        principal: "timer:drift",
        kind: "drift",
        claw: f.claw,
        command: f,
        accepted: true,
        reason: `${f.kind}: expected ${f.expected}, found ${f.actual}`,
        operationId: op.id,
      })
      .catch((e: unknown) => deps.log("warn", `auditing drift of ${f.claw} failed: ${String(e)}`));
  }
  if (findings.length) {
    await deps.notify
      .notify({ kind: "drift", drifts: findings, checkedAt: input.checkedAt })
      .catch((e: unknown) => deps.log("warn", `drift notification failed: ${String(e)}`));
  }
  return { checked: claws.length, findings, errors, operationId: op.id };
}
