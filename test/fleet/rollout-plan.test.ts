import { describe, expect, it } from "vitest";
import { planRollout, rolloutRequestSchema, type RolloutCandidate } from "../../core/fleet/rollout-plan";

const fleet: RolloutCandidate[] = [
  { name: "ada", imageVersion: "1.0.0", powerState: "running", exists: true },
  { name: "bea", imageVersion: "1.1.0", powerState: "running", exists: true },
  { name: "cyd", imageVersion: "1.1.0", powerState: "deallocated", exists: true },
  { name: "dot", imageVersion: "1.1.0", exists: false },
];

describe("planRollout", () => {
  it("upgrade: claws already on the version are left out", () => {
    const plan = planRollout(rolloutRequestSchema.parse({ version: "1.1.0", canary: 0 }), fleet);
    expect(plan.batches.flat()).toEqual(["ada"]);
    expect(plan.excluded.map((x) => x.claw).sort()).toEqual(["bea", "cyd", "dot"]);
  });

  it("refresh: takes exactly the claws that run the version, parked ones per the policy", () => {
    const plan = planRollout(
      rolloutRequestSchema.parse({ kind: "refresh", version: "1.1.0", canary: 1 }),
      fleet,
    );
    expect([...plan.canary, ...plan.batches.flat()]).toEqual(["bea", "cyd"]);
    expect(plan.excluded).toEqual(
      expect.arrayContaining([
        { claw: "ada", reason: "runs 1.0.0, not 1.1.0" },
        { claw: "dot", reason: "has no VM" },
      ]),
    );
    const skipParked = rolloutRequestSchema.parse({
      kind: "refresh",
      version: "1.1.0",
      canary: 0,
      parked: "skip",
    });
    expect(planRollout(skipParked, fleet).batches.flat()).toEqual(["bea"]);
  });

  it("request: an unknown kind is refused with the kinds there are", () => {
    const r = rolloutRequestSchema.safeParse({ kind: "rebuild", version: "1.1.0" });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toMatch(/upgrade.*refresh/);
  });
});
