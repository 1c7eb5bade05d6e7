import { describe, expect, it } from "vitest";
import {
  applySpecPatch,
  clawCommandSchema,
  clawNameProblem,
  clawResourceNames,
  clawSpecPatchSchema,
  clawSpecSchema,
  commandClaw,
  compareImageVersions,
  formatZodError,
  parseOrThrow,
  shortSuffix,
  type ClawSpec,
} from "../../core/domain";
import { ClawError } from "../../core/errors";

const spec = {
  name: "alice",
  region: "eastus",
  vmSize: "Standard_D4s_v5",
  imageVersion: "1.2.3",
};

function specError(input: unknown): string {
  const r = clawSpecSchema.safeParse(input, { reportInput: true });
  if (r.success) throw new Error("expected the spec to be refused");
  return formatZodError(r.error, input);
}

describe("claw name", () => {
  it.each([
    ["9abc", "must start with a letter"],
    ["", "must not be empty"],
    ["Alice", "must be lower-case (did you mean 'alice'?)"],
    ["al_ice", "'_' at position 3"],
    ["alice-", "must not end with a hyphen"],
    ["a".repeat(49), "at most 48 characters (it has 49)"],
    ["my-windows-box", "must not contain 'windows'"],
    ["azure", "reserves"],
  ])("clawNameProblem: refuses %j saying %s", (name, expected) => {
    expect(clawNameProblem(name)).toContain(expected);
  });

  it.each(["a", "alice", "claw-01", "a1-b2", "a".repeat(48)])("clawNameProblem: accepts %j", (name) => {
    expect(clawNameProblem(name)).toBeUndefined();
  });

  it("spec: the message names the field, the problem and the value", () => {
    expect(specError({ ...spec, name: "9abc" })).toBe("name: must start with a letter; got '9abc'");
  });
});

describe("claw spec", () => {
  it("parse: accepts a minimal spec and defaults tags to {}", () => {
    expect(clawSpecSchema.parse(spec)).toEqual({ ...spec, tags: {} });
  });

  it("parse: accepts a scheduled spec with all optional fields", () => {
    const full = {
      ...spec,
      schedule: {
        mode: "scheduled",
        timeZone: "Europe/Berlin",
        parkAt: "22:30",
        wakeAt: "07:00",
        days: ["mon", "fri"],
      },
      operatorTelegramId: "123456789",
      defaultModel: "anthropic/claude-sonnet-4",
      dataDiskSizeGb: 64,
      tags: { team: "ops" },
    };
    expect(clawSpecSchema.parse(full)).toEqual(full);
  });

  it.each([
    [{ region: "East US" }, "region: must be an Azure region name"],
    [{ vmSize: "d4s" }, "vmSize: must be an Azure VM size"],
    [{ imageVersion: "1.2" }, "imageVersion: must be an image version like '1.2.3'; got '1.2'"],
    [{ imageVersion: "1.2.99999999999" }, "imageVersion: must be an image version"],
    [{ operatorTelegramId: "@bob" }, "operatorTelegramId: must be a Telegram user id"],
    [{ extra: 1 }, "unknown field 'extra'"],
    [{ region: undefined }, "region: is required (expected string)"],
  ])("parse: refuses %j", (patch, expected) => {
    expect(specError({ ...spec, ...patch })).toContain(expected);
  });

  it.each([
    [
      { mode: "scheduled", timeZone: "Mars/Olympus", parkAt: "22:00", wakeAt: "07:00", days: ["mon"] },
      "schedule.timeZone: must be an IANA time zone",
    ],
    [
      { mode: "scheduled", timeZone: "UTC", parkAt: "24:00", wakeAt: "07:00", days: ["mon"] },
      "schedule.parkAt: must be a time of day as HH:MM",
    ],
    [
      { mode: "scheduled", timeZone: "UTC", parkAt: "22:00", wakeAt: "22:00", days: ["mon"] },
      "schedule.wakeAt: parkAt and wakeAt must differ",
    ],
    [
      { mode: "scheduled", timeZone: "UTC", parkAt: "22:00", wakeAt: "07:00", days: [] },
      "schedule.days: must name at least one day",
    ],
    [
      { mode: "scheduled", timeZone: "UTC", parkAt: "22:00", wakeAt: "07:00", days: ["mon", "mon"] },
      "must not repeat a day",
    ],
    [
      { mode: "scheduled", timeZone: "UTC", parkAt: "22:00", wakeAt: "07:00", days: ["monday"] },
      "schedule.days[0]: must be one of mon",
    ],
    [{ mode: "sometimes" }, "schedule.mode: must be one of 'always-on', 'scheduled'; got 'sometimes'"],
  ])("parse: refuses schedule %j", (schedule, expected) => {
    expect(specError({ ...spec, schedule })).toContain(expected);
  });

  it("parse: enforces Azure's tag limits", () => {
    const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, "v"]));
    expect(specError({ ...spec, tags: many })).toContain("tags: must have at most 50 tags");
    expect(specError({ ...spec, tags: { k: "v".repeat(257) } })).toContain(
      "tags.k: must be at most 256 characters",
    );
    expect(specError({ ...spec, tags: { ["k".repeat(513)]: "v" } })).toMatch(
      /^tags: key .* tag name must be at most 512/,
    );
    expect(specError({ ...spec, tags: { "a/b": "v" } })).toContain("must not contain");
  });

  it("patch: refuses name, region and image version changes and empty patches", () => {
    expect(clawSpecPatchSchema.safeParse({ imageVersion: "2.0.0" }).success).toBe(false);
    expect(clawSpecPatchSchema.safeParse({ name: "bob" }).success).toBe(false);
    expect(clawSpecPatchSchema.safeParse({ region: "westeurope" }).success).toBe(false);
    expect(clawSpecPatchSchema.safeParse({}).success).toBe(false);
  });

  it("applySpecPatch: replaces only the fields in the patch", () => {
    const base: ClawSpec = clawSpecSchema.parse({ ...spec, tags: { a: "1" }, defaultModel: "m1" });
    const patch = clawSpecPatchSchema.parse({ vmSize: "Standard_D8s_v5" });
    expect(applySpecPatch(base, patch)).toEqual({ ...base, vmSize: "Standard_D8s_v5" });
  });
});

describe("claw commands", () => {
  const envelope = { requestId: "req-1", channel: "http", principal: "http:ops" };

  it("parse: accepts each kind", () => {
    const commands = [
      { kind: "deploy", ...envelope, claw: "alice" },
      { kind: "upgrade", ...envelope, claw: "alice", toVersion: "2.0.0" },
      { kind: "park", ...envelope, claw: "alice" },
      { kind: "wake", ...envelope, claw: "alice", awakeHours: 2 },
      { kind: "verify", ...envelope, claw: "alice" },
      { kind: "destroy", ...envelope, claw: "alice", deleteDisk: true },
      { kind: "createClaw", ...envelope, spec },
      { kind: "updateSpec", ...envelope, claw: "alice", patch: { defaultModel: "x" } },
    ];
    for (const c of commands) expect(commandClaw(clawCommandSchema.parse(c))).toBe("alice");
  });

  it("parseOrThrow: refuses an unknown kind with BAD_REQUEST naming the kinds", () => {
    const e = captureError(() => parseOrThrow(clawCommandSchema, { kind: "reboot", ...envelope }, "command"));
    expect(e.code).toBe("BAD_REQUEST");
    expect(e.httpStatus).toBe(400);
    expect(e.message).toContain("invalid command: kind: must be one of 'deploy'");
    expect(e.message).toContain("got 'reboot'");
  });

  it("parseOrThrow: names a missing version, a bad channel and an unknown field", () => {
    const e = captureError(() =>
      parseOrThrow(clawCommandSchema, {
        kind: "upgrade",
        ...envelope,
        channel: "fax",
        claw: "alice",
        hurry: true,
      }),
    );
    expect(e.message).toContain("channel: must be one of http, queue, telegram, timer, webhook; got 'fax'");
    expect(e.message).toContain("toVersion: is required");
    expect(e.message).toContain("unknown field 'hurry'");
  });

  it("parseOrThrow: refuses a non-boolean deleteDisk", () => {
    const e = captureError(() =>
      parseOrThrow(clawCommandSchema, { kind: "destroy", ...envelope, claw: "alice", deleteDisk: "yes" }),
    );
    expect(e.message).toBe("deleteDisk: expected boolean, received string; got 'yes'");
  });
});

describe("resource naming", () => {
  it("clawResourceNames: derives every resource name from the claw name", () => {
    const n = clawResourceNames("alice");
    expect([n.vm, n.dataDisk, n.nic, n.publicIp]).toEqual(["alice", "alice-data", "alice-nic", "alice-ip"]);
    expect(n.osDisk("1.10.2", "ab12cd")).toBe("alice-os-1-10-2-ab12cd");
    expect(n.dataSnapshot("ab12cd")).toBe("alice-data-snap-ab12cd");
  });

  it("clawResourceNames: refuses an invalid claw name and a bad suffix", () => {
    expect(() => clawResourceNames("Alice")).toThrow(/must be lower-case/);
    expect(() => clawResourceNames("alice").osDisk("1.0.0", "AB_1")).toThrow(/suffix/);
  });

  it("clawResourceNames: keeps the longest names within ARM's 80 characters", () => {
    const n = clawResourceNames("a".repeat(48));
    expect(n.osDisk("100.200.300", "abcdef").length).toBeLessThanOrEqual(80);
    expect(() => n.osDisk("1000000000.2000000000.3000000000", "abcdef")).toThrow(/longer than 80/);
  });

  it("shortSuffix: keeps the last lower-case alphanumerics of an id", () => {
    expect(shortSuffix("op-8264-A1B2C3")).toBe("a1b2c3");
    expect(shortSuffix("---")).toBe("x");
  });

  it("compareImageVersions: orders numerically", () => {
    expect(["1.10.0", "1.9.0", "1.9.10", "0.1.0"].sort(compareImageVersions)).toEqual([
      "0.1.0",
      "1.9.0",
      "1.9.10",
      "1.10.0",
    ]);
  });
});

function captureError(fn: () => unknown): ClawError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ClawError) return e;
    throw e;
  }
  throw new Error("expected a ClawError");
}
