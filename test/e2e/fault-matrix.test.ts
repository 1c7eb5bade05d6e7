/**
 * Fault matrix for upgradeClaw (handoff) on the twin: for every ARM call the handoff makes, a
 * persistent 500 (every attempt of that step, one claw per call), and a 429 burst with
 * Retry-After, a hang past the gateway's deadline and a 409 (one claw per kind, meeting it on every
 * call and on the gallery read). Faults target a claw's resources by path; the upgrades run at
 * once, after the gallery read's persistent 500 ran alone. Afterwards, for every claw: the run ended
 * upgraded, compensated back to its previous version, or failed before anything changed; exactly
 * one VM of the claw is left, it holds the data disk (attached to no other VM), it answers at the
 * claw's address with the claw's host key, and runs the version the Claws row and the record say.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FaultRule } from "../../local/azure";
import { startTwinHarness, type TwinHarness } from "../../local/twin-harness";

/** ARM calls of a handoff upgrade and the path that singles out one claw's request. */
const CALLS: Array<{ op: string; path: (claw: string) => string; what: string }> = [
  { op: "Snapshots_CreateOrUpdate", path: (c) => `/snapshots/${c}-data-snap`, what: "snapshot" },
  { op: "NetworkInterfaces_CreateOrUpdate", path: (c) => `/networkInterfaces/${c}-v`, what: "standby NIC (and the IP moving onto it)" },
  { op: "VirtualMachines_CreateOrUpdate", path: (c) => `/virtualMachines/${c}-v`, what: "standby VM" },
  { op: "VirtualMachines_RunCommand", path: (c) => `/virtualMachines/${c}-v`, what: "standby readiness" },
  { op: "VirtualMachines_AttachDetachDataDisks", path: (c) => `/virtualMachines/${c}/`, what: "detach from the old VM" },
  { op: "VirtualMachines_AttachDetachDataDisks", path: (c) => `/virtualMachines/${c}-v`, what: "attach to the standby" },
  // The old NIC's name (`<claw>-nic`) is no prefix of the standby's (`<claw>-v…-nic`), so this fault
  // never hits a compensation's clean-up of the standby (a fault on the old VM's path would).
  { op: "NetworkInterfaces_Delete", path: (c) => `/networkInterfaces/${c}-nic`, what: "delete the old NIC" },
]; // prettier-ignore

// ARM_RETRY_ATTEMPTS (3) in-call × 3 activity attempts (ARM_RETRY in saga-kit).
const STEP_ATTEMPTS = 9;
const FAULTS: Record<
  string,
  (call: (typeof CALLS)[number]) => Omit<FaultRule, "operationId" | "pathIncludes">
> = {
  e500: () => ({
    times: STEP_ATTEMPTS,
    effect: { type: "error", status: 500, code: "InternalServerError", message: "injected" },
  }),
  e429: () => ({
    times: 3,
    effect: { type: "error", status: 429, code: "TooManyRequests", retryAfterSeconds: 1 },
  }),
  hang: () => ({ times: 1, effect: { type: "delay", ms: 9_000 } }),
  e409: () => ({
    times: 1,
    effect: {
      type: "error",
      status: 409,
      code: "Conflict",
      message: "The request failed due to conflict with a concurrent request.",
    },
  }),
};

interface Case {
  claw: string;
  /** The calls this claw's upgrade meets faults on (a transient fault on all of them, or one e500). */
  calls: Array<(typeof CALLS)[number]>;
  fault: string;
  /** The gallery read (one path for every claw) is faulted too. */
  gallery?: boolean;
}

const label = (call: (typeof CALLS)[number]) => `${call.op} (${call.what})`;

// A persistent 500 decides how a run ends, so each call gets its own claw. A transient fault is
// absorbed by retries and changes nothing else, so one claw meets it on every call of its upgrade
// (the gallery read included): the fault kinds stay crossed with every call in a third of the claws.
const cases: Case[] = [
  ...CALLS.map((call, i) => ({ claw: `fm${i}e500`, calls: [call], fault: "e500" })),
  ...Object.keys(FAULTS)
    .filter((f) => f !== "e500")
    .map((fault) => ({ claw: `fmall${fault.replace(/\W/g, "")}`, calls: CALLS, fault, gallery: true })),
];
// The gallery read failing for good is refused in preflight; its rule would hit any claw's
// preflight, so that claw's upgrade runs alone, before the others.
const galleryE500: Case = { claw: "fmge500", calls: [], fault: "e500", gallery: true };

describe("upgradeClaw fault matrix on the twin", () => {
  let t: TwinHarness;
  const outcomes = new Map<string, Record<string, unknown>>();
  let unfired: string[] = [];

  async function upgrade(c: Case): Promise<Record<string, unknown>> {
    const r = await t.api<{ operationId: string }>("POST", `/v1/claws/${c.claw}/upgrade`, {
      toVersion: "1.1.0",
    });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    return t.waitForOperation(r.body.operationId, 300_000);
  }

  beforeAll(async () => {
    t = await startTwinHarness({
      env: {
        ARM_RETRY_ATTEMPTS: "3",
        ARM_RETRY_BASE_MS: "50",
        ARM_RETRY_MAX_MS: "2000",
        ARM_REQUEST_TIMEOUT_MS: "4000",
        ARM_LRO_TIMEOUT_MS: "30000",
      },
    });
    // Deploy every claw first (no faults yet), a few at a time.
    const all = [galleryE500, ...cases];
    for (let i = 0; i < all.length; i += 6) {
      await Promise.all(
        all.slice(i, i + 6).map(async (c) => {
          const r = await t.api("POST", "/v1/claws", {
            name: c.claw,
            region: "westus",
            vmSize: "Standard_D2s_v5",
            imageVersion: "1.0.0",
          });
          expect(r.status, JSON.stringify(r.body)).toBe(201);
          const d = await t.api<{ operationId: string }>("POST", `/v1/claws/${c.claw}/deploy`);
          const op = await t.waitForOperation(d.body.operationId, 180_000);
          expect(op.status, JSON.stringify(op)).toBe("succeeded");
        }),
      );
    }
    const galleryRule = (fault: string) => ({
      operationId: "GalleryImageVersions_Get",
      pathIncludes: "/versions/1.1.0",
      ...FAULTS[fault](CALLS[0]),
    });
    t.twin.emulator.faults.add(galleryRule("e500"));
    outcomes.set(galleryE500.claw, await upgrade(galleryE500));
    unfired = t.twin.emulator.faults
      .list()
      .filter((f) => f.fired === 0)
      .map((f) => `${f.operationId} ${f.pathIncludes} e500`);
    t.twin.emulator.faults.clear();
    for (const c of cases) {
      for (const call of c.calls) {
        t.twin.emulator.faults.add({
          id: `${c.claw}: ${label(call)}`,
          operationId: call.op,
          pathIncludes: call.path(c.claw),
          ...FAULTS[c.fault](call),
        });
      }
      // Shared by every claw's preflight: whichever claw reads first meets it (all are transient).
      if (c.gallery) t.twin.emulator.faults.add({ id: `gallery ${c.fault}`, ...galleryRule(c.fault) });
    }
    await Promise.all(cases.map(async (c) => outcomes.set(c.claw, await upgrade(c))));
    // Every rule fired at least once (a rule that never matched would test nothing).
    unfired.push(
      ...t.twin.emulator.faults
        .list()
        .filter((f) => f.fired === 0)
        .map((f) => String(f.id)),
    );
    if (unfired.length > 0) {
      // What the emulator saw of those calls, to tell a rule that never matched from a call never made.
      const seen = t.twin.emulator.requests
        .list()
        .filter((r) => /NetworkInterfaces_Delete|AttachDetach|RunCommand/.test(r.operationId ?? ""))
        .map((r) => `${r.operationId} ${r.path.split("/providers/")[1]} ${r.status}`);
      console.log(`unfired: ${unfired.join("; ")}\nseen:\n${seen.join("\n")}`);
    }
    t.twin.emulator.faults.clear();
  }, 900_000);
  afterAll(async () => t?.close());

  it.each(
    [galleryE500, ...cases].map((c) => ({
      ...c,
      what: c.calls.length === 1 ? label(c.calls[0]) : c.calls.length ? "every call" : "the gallery read",
    })),
  )(
    "$what with $fault: ends upgraded, compensated or untouched; one VM holds the disk and answers",
    async (c) => {
      const op = outcomes.get(c.claw)! as {
        status: string;
        error?: { step?: string };
        compensation?: { summary?: string };
        details?: { leftoverVm?: string };
      };
      expect(["succeeded", "compensated", "failed"]).toContain(op.status);
      const claw = (await t.api<{ observed: Record<string, string> }>("GET", `/v1/claws/${c.claw}`)).body
        .observed;
      const store = t.twin.emulator.context.store;
      // An old VM the saga could not delete after verify is recorded as left over, not hidden.
      const leftover = op.details?.leftoverVm?.split(" ")[0];
      const vms = store
        .list<Record<string, unknown>>("Microsoft.Compute/virtualMachines")
        .filter((v) => v.body.name === c.claw || String(v.body.name).startsWith(`${c.claw}-v`))
        .filter((v) => v.body.name !== leftover);
      // Exactly one VM is left (a standby or an old VM left over would be a leak), and it is the claw's.
      expect(vms.map((v) => v.body.name)).toEqual([claw.vmName ?? c.claw]);
      const vm = vms[0].body as unknown as {
        tags?: Record<string, string>;
        properties: { storageProfile: { dataDisks: Array<{ managedDisk: { id: string } }> } };
      };
      const running = vm.tags?.["openclawps-image-version"];
      // The record and the Claws row say what Azure shows.
      expect(claw.imageVersion).toBe(running);
      if (op.status === "succeeded") expect(running).toBe("1.1.0");
      else expect(running).toBe("1.0.0");
      if (op.status === "compensated") expect(op.compensation?.summary).toMatch(/^restored: /);
      if (op.status === "failed") {
        // A failure is only allowed before anything changed (no compensation was needed).
        expect(op.error?.step, JSON.stringify(op)).toBeTruthy();
        expect(op.compensation, JSON.stringify(op)).toBeUndefined();
      }
      // The claw's data disk exists and is attached to exactly this VM, and to no other.
      const diskId = claw.diskId.toLowerCase();
      const disk = store
        .list<Record<string, unknown>>("Microsoft.Compute/disks")
        .find((d) => d.id.toLowerCase() === diskId);
      expect(disk, `disk ${diskId}`).toBeTruthy();
      const holders = store
        .list<Record<string, unknown>>("Microsoft.Compute/virtualMachines")
        .filter((v) => JSON.stringify(v.body).toLowerCase().includes(`"${diskId}"`));
      expect(holders.map((h) => h.body.name)).toEqual([vms[0].body.name]);
      expect(vm.properties.storageProfile.dataDisks.map((d) => d.managedDisk.id.toLowerCase())).toEqual([
        diskId,
      ]);
      // The agent answers at the claw's address with the claw's key, on the version recorded.
      const v = await t.guest(claw.publicIp, claw.hostKeySha256).runVerify();
      expect(v.ok, JSON.stringify(v.checks.filter((k) => !k.ok))).toBe(true);
      expect(v.imageVersion).toBe(running);
    },
  );

  it("matrix: every fault fired, and no fault left a claw failed after it had changed anything", () => {
    const counts: Record<string, number> = {};
    for (const o of outcomes.values()) counts[String(o.status)] = (counts[String(o.status)] ?? 0) + 1;
    for (const c of [galleryE500, ...cases]) {
      const o = outcomes.get(c.claw) as {
        status: string;
        error?: { code: string; step?: string; message?: string };
      };
      console.log(
        `  ${c.claw} (${c.calls.map(label).join(", ") || "gallery read"}) ${c.fault}: ${o.status}${o.error ? ` at ${o.error.step} (${o.error.code}: ${o.error.message?.slice(0, 120)})` : ""}`,
      );
    }
    console.log(`fault matrix outcomes: ${JSON.stringify(counts)}`);
    expect(unfired).toEqual([]);
    // Transient faults (a 429 burst, one 409, one hang) are absorbed by retries: those runs upgrade.
    for (const c of cases.filter((x) => x.fault !== "e500")) {
      expect(outcomes.get(c.claw)?.status, `${c.claw} ${c.fault}`).toBe("succeeded");
    }
    // The gallery read failing for good is refused before anything changed.
    expect(outcomes.get(galleryE500.claw)?.status).toBe("failed");
    // A persistent 500 ends compensated (or failed before any change, for the first steps) —
    // except on deleting the old NIC, after verify: the claw is upgraded and the leftover recorded.
    for (const c of cases.filter((x) => x.fault === "e500")) {
      const expected = c.calls[0].what === "delete the old NIC" ? ["succeeded"] : ["compensated", "failed"];
      expect(expected, `${label(c.calls[0])} e500`).toContain(outcomes.get(c.claw)?.status);
    }
  });
});
