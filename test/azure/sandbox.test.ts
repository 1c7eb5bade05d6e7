import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { guestPath, hostPath } from "../../local/azure/guests/sandbox";
import { Router } from "../../local/azure/arm/router";
import { exclusive } from "../../local/azure/resources/common";
import type { EmulatorContext } from "../../local/azure/context";

describe("guest sandbox paths", () => {
  const root = path.join(path.sep, "sandbox", "vm1");

  it("hostPath: maps absolute guest paths under the root", () => {
    expect(hostPath(root, "/home/clawadmin", "/mnt/claw-data/secrets/claw.env")).toBe(
      path.join(root, "mnt/claw-data/secrets/claw.env"),
    );
  });

  it("hostPath: resolves relative paths against the admin's home", () => {
    expect(hostPath(root, "/home/clawadmin", "notes.txt")).toBe(path.join(root, "home/clawadmin/notes.txt"));
  });

  it("hostPath: never climbs out of the root with ..", () => {
    expect(hostPath(root, "/home/clawadmin", "/../../etc/passwd")).toBe(path.join(root, "etc/passwd"));
    expect(hostPath(root, "/home/clawadmin", "../../../../x")).toBe(path.join(root, "x"));
  });

  it("guestPath: is the inverse of hostPath and clamps outside paths to /", () => {
    expect(guestPath(root, path.join(root, "opt/claw"))).toBe("/opt/claw");
    expect(guestPath(root, path.join(path.sep, "elsewhere"))).toBe("/");
  });
});

describe("router", () => {
  const router = new Router();
  router.add({
    method: "GET",
    template: "/subscriptions/:sub/resourceGroups/:rg",
    operationId: "X_Get",
    handler: () => ({ status: 200 }),
  });

  it("match: is case-insensitive on literal segments and captures params", () => {
    const m = router.match("GET", "/SUBSCRIPTIONS/s1/resourcegroups/Rg-A");
    expect(m?.route.operationId).toBe("X_Get");
    expect(m?.params).toEqual({ sub: "s1", rg: "Rg-A" });
  });

  it("match: a known path with another method is 405", () => {
    expect(router.match("DELETE", "/subscriptions/s1/resourceGroups/r")?.route.operationId).toBe(
      "MethodNotAllowed",
    );
    expect(router.match("GET", "/nothing/here")).toBeUndefined();
  });
});

describe("exclusive", () => {
  it("exclusive: a second write to a resource while the first is being handled is 409 Conflict", async () => {
    const ctx = { busy: new Set<string>() } as EmulatorContext;
    let release!: () => void;
    const first = exclusive(
      ctx,
      "/subscriptions/s/resourceGroups/r/providers/P/t/VM1",
      () => new Promise<void>((r) => (release = r)),
    );
    await expect(
      exclusive(ctx, "/subscriptions/s/resourceGroups/r/providers/P/t/vm1", () => "second"),
    ).rejects.toMatchObject({
      status: 409,
      code: "Conflict",
    });
    release();
    await first;
    await expect(
      exclusive(ctx, "/subscriptions/s/resourceGroups/r/providers/P/t/vm1", () => "third"),
    ).resolves.toBe("third");
  });
});
