import { RestError } from "@azure/core-rest-pipeline";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LOCATION, RG, SUB, clawVm, createDataDisk, createNic, startTwin, type Twin } from "./helpers";

let t: Twin;
beforeEach(async () => {
  t = await startTwin();
});
afterEach(async () => {
  await t.emulator.close();
});

async function restError(p: Promise<unknown>): Promise<RestError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(RestError);
  return e as RestError;
}

describe("ARM errors", () => {
  it("get: a missing VM is 404 ResourceNotFound", async () => {
    const e = await restError(t.compute.virtualMachines.get(RG, "nobody"));
    expect([e.statusCode, e.code]).toEqual([404, "ResourceNotFound"]);
  });

  it("get: a missing resource group is 404 ResourceGroupNotFound", async () => {
    const e = await restError(t.compute.disks.get("rg-missing", "d"));
    expect([e.statusCode, e.code]).toEqual([404, "ResourceGroupNotFound"]);
  });

  it("delete: a missing VM succeeds (204)", async () => {
    await t.compute.virtualMachines.delete(RG, "nobody");
    expect(t.emulator.requests.list("VirtualMachines_Delete").map((r) => r.status)).toEqual([204]);
  });

  it("update: PATCH of a missing VM is 404 PatchResourceNotFound", async () => {
    const e = await restError(t.compute.virtualMachines.update(RG, "nobody", { tags: { a: "b" } }));
    expect([e.statusCode, e.code]).toEqual([404, "PatchResourceNotFound"]);
  });

  it("createOrUpdate: a data disk attached to another VM is 409 ConflictingUserInput", async () => {
    const diskId = await createDataDisk(t, "shared-data");
    await t.compute.virtualMachines.createOrUpdate(
      RG,
      "one",
      clawVm(t, { nicId: await createNic(t, "one"), diskId }),
    );
    const nicId = await createNic(t, "two");
    const e = await restError(
      t.compute.virtualMachines.createOrUpdate(RG, "two", clawVm(t, { nicId, diskId })),
    );
    expect([e.statusCode, e.code]).toEqual([409, "ConflictingUserInput"]);
    expect(e.message).toContain("already attached to VM");
  });

  it("createOrUpdate: changing imageReference of an existing VM is 409 PropertyChangeNotAllowed", async () => {
    t.emulator.publishImageVersion(t.ids.galleryImageId, LOCATION, { name: "2.0.0" });
    const nicId = await createNic(t, "img");
    await t.compute.virtualMachines.createOrUpdate(RG, "img", clawVm(t, { nicId }));
    const e = await restError(
      t.compute.virtualMachines.createOrUpdate(RG, "img", clawVm(t, { nicId, version: "2.0.0" })),
    );
    expect([e.statusCode, e.code]).toEqual([409, "PropertyChangeNotAllowed"]);
  });

  it("createOrUpdate: an image version that does not exist is 404 GalleryImageNotFound", async () => {
    const nicId = await createNic(t, "v9");
    const e = await restError(
      t.compute.virtualMachines.createOrUpdate(RG, "v9", clawVm(t, { nicId, version: "9.9.9" })),
    );
    expect([e.statusCode, e.code]).toEqual([404, "GalleryImageNotFound"]);
  });

  it("createOrUpdate: customData that is not base64 is 400 InvalidParameter", async () => {
    const model = clawVm(t, { nicId: await createNic(t, "cd") });
    model.osProfile.customData = "not base64!";
    const e = await restError(t.compute.virtualMachines.createOrUpdate(RG, "cd", model));
    expect([e.statusCode, e.code]).toEqual([400, "InvalidParameter"]);
  });

  it("delete: a disk attached to a VM is 409 OperationNotAllowed", async () => {
    const diskId = await createDataDisk(t, "held-data");
    await t.compute.virtualMachines.createOrUpdate(
      RG,
      "holder",
      clawVm(t, { nicId: await createNic(t, "holder"), diskId }),
    );
    const e = await restError(t.compute.disks.delete(RG, "held-data"));
    expect([e.statusCode, e.code]).toEqual([409, "OperationNotAllowed"]);
  });

  it("restart: a deallocated VM is 409 OperationNotAllowed", async () => {
    await t.compute.virtualMachines.createOrUpdate(
      RG,
      "sleepy",
      clawVm(t, { nicId: await createNic(t, "sleepy") }),
    );
    await t.compute.virtualMachines.deallocate(RG, "sleepy");
    const e = await restError(t.compute.virtualMachines.restart(RG, "sleepy"));
    expect([e.statusCode, e.code]).toEqual([409, "OperationNotAllowed"]);
  });

  it("delete: a NIC used by a VM is 400 NicInUse, and a public IP on a NIC is refused too", async () => {
    await t.compute.virtualMachines.createOrUpdate(
      RG,
      "netty",
      clawVm(t, { nicId: await createNic(t, "netty") }),
    );
    const nic = await restError(t.network.networkInterfaces.beginDeleteAndWait(RG, "netty-nic"));
    expect([nic.statusCode, nic.code]).toEqual([400, "NicInUse"]);
    const ip = await restError(t.network.publicIPAddresses.beginDeleteAndWait(RG, "netty-ip"));
    expect([ip.statusCode, ip.code]).toEqual([400, "PublicIPAddressCannotBeDeleted"]);
  });

  it("front door: no Authorization header is 401 and no api-version is 400", async () => {
    const path = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Compute/disks/x`;
    const unauth = await fetch(`${t.emulator.url}${path}?api-version=2025-01-02`);
    expect(unauth.status).toBe(401);
    expect(((await unauth.json()) as { error: { code: string } }).error.code).toBe("AuthenticationFailed");
    const noVersion = await fetch(`${t.emulator.url}${path}`, { headers: { authorization: "Bearer x" } });
    expect(noVersion.status).toBe(400);
    expect(((await noVersion.json()) as { error: { code: string } }).error.code).toBe(
      "MissingApiVersionParameter",
    );
  });
});
