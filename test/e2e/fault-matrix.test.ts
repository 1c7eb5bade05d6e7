/**
 * Fault matrix for upgradeClaw (handoff) on the twin: for every ARM call the handoff makes, inject a
 * persistent 500 (every attempt of that step), a 429 burst with Retry-After, a hang past the
 * gateway's deadline, and a 409. Each claw runs its own upgrade with its own fault (faults target
 * the claw's resources by path), all at once; the gallery read (one path for every claw) gets its
 * four faults one claw after another. Afterwards, for every claw: the run ended upgraded,
 * compensated back to its previous version, or failed before anything changed; exactly one VM of the
 * claw is left, it holds the data disk (attached to no other VM), it answers at the claw's address
 * with the claw's host key, and runs the version the Claws row and the operation record say.
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
  call: string;
  fault: string;
}

const cases: Case[] = [];
CALLS.forEach((call, i) =>
  Object.keys(FAULTS).forEach((fault) =>
    cases.push({
      claw: `fm${i}${fault.replace(/\W/g, "")}`.toLowerCase(),
      call: `${call.op} (${call.what})`,
      fault,
    }),
  ),
);
const callOf = (c: Case) => CALLS.find((x) => `${x.op} (${x.what})` === c.call)!;

const galleryCases: Case[] = Object.keys(FAULTS).map((fault) => ({
  claw: `fmg${fault}`,
  call: "GalleryImageVersions_Get",
  fault,
}));

describe("upgradeClaw fault matrix on the twin", () => {
  let t: TwinHarness;
  const outcomes = new Map<string, Record<string, unknown>>();
  let unfired: string[] = [];

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
    for (let i = 0; i < cases.length; i += 8) {
      await Promise.all(
        cases.slice(i, i + 8).map(async (c) => {
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
    for (const c of cases) {
      const call = callOf(c);
      t.twin.emulator.faults.add({
        operationId: call.op,
        pathIncludes: call.path(c.claw),
        ...FAULTS[c.fault](call),
      });
    }
    const started = await Promise.all(
      cases.map(async (c) => {
        const r = await t.api<{ operationId: string }>("POST", `/v1/claws/${c.claw}/upgrade`, {
          toVersion: "1.1.0",
        });
        expect(r.status, JSON.stringify(r.body)).toBe(202);
        return [c.claw, r.body.operationId] as const;
      }),
    );
    await Promise.all(
      started.map(async ([claw, id]) => outcomes.set(claw, await t.waitForOperation(id, 300_000))),
    );
    // Every rule fired at least once (a rule that never matched would test nothing).
    unfired = t.twin.emulator.faults
      .list()
      .filter((f) => f.fired === 0)
      .map((f) => `${f.operationId} ${f.pathIncludes}`);
    t.twin.emulator.faults.clear();
    // The gallery version is read by every claw's preflight: its faults run one claw at a time.
    for (const c of galleryCases) {
      const r = await t.api("POST", "/v1/claws", {
        name: c.claw,
        region: "westus",
        vmSize: "Standard_D2s_v5",
        imageVersion: "1.0.0",
      });
      expect(r.status).toBe(201);
      const d = await t.api<{ operationId: string }>("POST", `/v1/claws/${c.claw}/deploy`);
      expect((await t.waitForOperation(d.body.operationId, 180_000)).status).toBe("succeeded");
      t.twin.emulator.faults.add({
        operationId: c.call,
        pathIncludes: "/versions/1.1.0",
        ...FAULTS[c.fault](CALLS[0]),
      });
      const u = await t.api<{ operationId: string }>("POST", `/v1/claws/${c.claw}/upgrade`, {
        toVersion: "1.1.0",
      });
      outcomes.set(c.claw, await t.waitForOperation(u.body.operationId, 300_000));
      t.twin.emulator.faults.clear();
    }
  }, 900_000);
  afterAll(async () => t?.close());

  it.each([...cases, ...galleryCases])(
    "$call with $fault: ends upgraded, compensated or untouched; one VM holds the disk and answers",
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
    for (const c of [...cases, ...galleryCases]) {
      const o = outcomes.get(c.claw) as {
        status: string;
        error?: { code: string; step?: string; message?: string };
      };
      console.log(
        `  ${c.call} ${c.fault}: ${o.status}${o.error ? ` at ${o.error.step} (${o.error.code}: ${o.error.message?.slice(0, 120)})` : ""}`,
      );
    }
    console.log(`fault matrix outcomes: ${JSON.stringify(counts)}`);
    expect(unfired).toEqual([]);
    // Transient faults (a 429 burst, one 409, one hang) are absorbed by retries: those runs upgrade.
    for (const c of cases.filter((x) => x.fault !== "e500")) {
      expect(outcomes.get(c.claw)?.status, `${c.call} ${c.fault}`).toBe("succeeded");
    }
    // A persistent 500 ends compensated (or failed before any change, for the first steps) —
    // except on deleting the old NIC, after verify: the claw is upgraded and the leftover recorded.
    for (const c of cases.filter((x) => x.fault === "e500")) {
      const expected = callOf(c).what === "delete the old NIC" ? ["succeeded"] : ["compensated", "failed"];
      expect(expected, `${c.call} e500`).toContain(outcomes.get(c.claw)?.status);
    }
  });
});
