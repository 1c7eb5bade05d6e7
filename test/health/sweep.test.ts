/**
 * The health sweep's activities alone (level 1): stand-in state and guest, a collecting notifier.
 */
import { describe, expect, it } from "vitest";
import { createHealthActivities, type HealthDeps } from "../../core/health/sweep";
import { collectingNotifier } from "../../core/notify/port";
import type { ClawRecord } from "../../core/state";
import type { VerifyResult } from "../../core/guest";

function fixture(names: string[]) {
  const rows = new Map<string, ClawRecord>();
  for (const name of names) {
    rows.set(name, {
      name,
      spec: { name } as ClawRecord["spec"],
      observed: { powerState: "running", publicIp: "10.0.0.1" },
      createdAt: "",
      updatedAt: "",
      etag: "",
    });
  }
  const broken = new Map<string, string[]>();
  const audit: unknown[] = [];
  const ops: { id: string; finish?: unknown }[] = [];
  const notifier = collectingNotifier();
  const deps: HealthDeps = {
    state: {
      claws: {
        // Copies, as a table read would give.
        get: async (n: string) => structuredClone(rows.get(n)),
        list: async () => [...rows.values()].map((r) => structuredClone(r)),
        update: async (n: string, change: (c: ClawRecord) => ClawRecord | undefined) => {
          const next = change(structuredClone(rows.get(n)!));
          if (next) rows.set(n, next);
          return rows.get(n)!;
        },
      },
      operations: {
        start: async () => {
          const op = { id: `op-${ops.length + 1}` };
          ops.push(op);
          return op;
        },
        finish: async (id: string, f: unknown) => {
          ops.find((o) => o.id === id)!.finish = f;
        },
      },
      audit: { record: async (e: unknown) => audit.push(e) },
    } as unknown as HealthDeps["state"],
    guest: {
      verify: async ({ claw }): Promise<VerifyResult> => {
        const failed = broken.get(claw) ?? [];
        if (failed[0] === "ssh") throw new Error("SSH_ERROR: connection refused");
        return {
          ok: failed.length === 0,
          exitCode: failed.length ? 1 : 0,
          checks: [
            { name: "gateway-health", ok: true, detail: "" },
            ...failed.map((name) => ({ name, ok: false, detail: "" })),
          ],
        } as unknown as VerifyResult;
      },
    },
    notify: notifier,
    parallel: 2,
    log: () => undefined,
  };
  const a = createHealthActivities(deps);
  const sweep = async () => {
    const sweptAt = new Date().toISOString();
    const plan = await a.planHealthSweep({ sweptAt });
    const results = await Promise.all(plan.claws.map((claw) => a.checkClawHealth({ claw, sweptAt })));
    return a.finishHealthSweep({ sweptAt, results });
  };
  return { rows, broken, audit, ops, notifier, a, sweep };
}

describe("health sweep", () => {
  it("checkClawHealth: healthy → failing is told once, with the failed checks; recovery once too", async () => {
    const f = fixture(["ann", "ben"]);
    expect(await f.sweep()).toMatchObject({ checked: 2, healthy: 2, notified: false });
    expect(f.ops).toHaveLength(0);

    f.broken.set("ann", ["telegram-connected", "model-provider"]);
    const first = await f.sweep();
    expect(first).toMatchObject({ failing: ["ann"], becameFailing: ["ann"], notified: true });
    expect(f.rows.get("ann")!.observed.lastVerify).toMatchObject({
      ok: false,
      failed: ["telegram-connected", "model-provider"],
    });
    expect(f.notifier.events).toEqual([
      expect.objectContaining({
        kind: "health",
        failing: [{ claw: "ann", failed: ["telegram-connected", "model-provider"] }],
        recovered: [],
      }),
    ]);

    // Still failing: recorded, not told again.
    expect(await f.sweep()).toMatchObject({ failing: ["ann"], becameFailing: [], notified: false });
    expect(f.notifier.events).toHaveLength(1);

    f.broken.delete("ann");
    expect(await f.sweep()).toMatchObject({ failing: [], recovered: ["ann"], notified: true });
    expect(f.notifier.events).toHaveLength(2);
    expect(f.audit.map((e) => (e as { kind: string }).kind)).toEqual(["health-failing", "health-recovered"]);
  });

  it("planHealthSweep: only running claws no saga holds; an unreachable claw is failing", async () => {
    const f = fixture(["ann", "ben", "cat", "dan"]);
    f.rows.get("ben")!.observed.powerState = "deallocated";
    f.rows.get("cat")!.runningOperationId = "op-x";
    expect((await f.a.planHealthSweep({ sweptAt: "" })).claws).toEqual(["ann", "dan"]);
    await f.sweep(); // both healthy
    f.broken.set("dan", ["ssh"]);
    const r = await f.sweep();
    expect(r.becameFailing).toEqual(["dan"]);
    expect(f.rows.get("dan")!.observed.lastVerify?.failed[0]).toMatch(/^unreachable: SSH_ERROR/);
  });

  it("checkClawHealth: a result is dropped when a saga took the claw while verify ran", async () => {
    const f = fixture(["ann"]);
    await f.sweep();
    f.broken.set("ann", ["gateway-http"]);
    const verify = f.a.checkClawHealth;
    // The claw is taken by a park between the read and the record.
    const row = f.rows.get("ann")!;
    const p = verify({ claw: "ann", sweptAt: "" });
    row.runningOperationId = "op-park";
    expect(await p).toMatchObject({ status: "skipped" });
    expect(f.rows.get("ann")!.observed.lastVerify?.ok).toBe(true);
  });
});
