/**
 * On the twin the command handler reads the emulator's gallery (seeded with 1.0.0 and 1.1.0 in
 * the fleet's region) through the gateway: GET /images lists what it has, and a claw spec naming a
 * version it lacks is refused with the versions it has.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTwinHarness, type TwinHarness } from "../../local/twin-harness";

describe("the gallery on the twin", () => {
  let t: TwinHarness;
  beforeAll(async () => {
    t = await startTwinHarness();
  }, 120_000);
  afterAll(async () => t?.close());

  it("GET /images: a fresh twin lists the gallery's versions in the fleet's region, none registered", async () => {
    const res = await t.api<{ images: Array<Record<string, unknown>> }>("GET", "/v1/images");
    expect(res.status).toBe(200);
    expect(res.body.images.map((i) => [i.version, i.inGallery, i.registered])).toEqual([
      ["1.1.0", true, false],
      ["1.0.0", true, false],
    ]);
    expect(res.body.images[0]).toMatchObject({ provisioningState: "Succeeded", clawRegions: ["westus"] });
  });

  it("POST /claws: a version the gallery lacks in the region is 400 naming what it has", async () => {
    const spec = { name: "gal", region: "westus", vmSize: "Standard_D2s_v5" };
    const bad = await t.api<{ error: { code: string; message: string } }>("POST", "/v1/claws", {
      ...spec,
      imageVersion: "9.9.9",
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(
      /9\.9\.9 is not in the gallery; the gallery has 1\.1\.0, 1\.0\.0 in westus/,
    );
    const elsewhere = await t.api<{ error: { message: string } }>("POST", "/v1/claws", {
      ...spec,
      region: "eastus",
      imageVersion: "1.0.0",
    });
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.body.error.message).toMatch(/not replicated to eastus.*no version in eastus/);
    expect((await t.api("POST", "/v1/claws", { ...spec, imageVersion: "1.1.0" })).status).toBe(201);
  });
});
