/**
 * Virtual machines: create/update (PUT, PATCH), get, list and delete, with CRP's validation and
 * its async-operation protocol. Power actions live in vm-power.ts; the model rules in vm-model.ts.
 */
import { randomBytes, randomUUID } from "node:crypto";
import type { EmulatorContext } from "../context";
import { ArmError, concurrentRequest, resourceNotFound } from "../arm/errors";
import { objectBody, type ArmRequest, type ArmResponse } from "../arm/http";
import { resourceGroupId } from "../arm/ids";
import type { Route } from "../arm/router";
import {
  exclusive,
  idFromRequest,
  listBody,
  properties,
  readTags,
  requireLocation,
  requireResourceGroup,
} from "../resources/common";
import { resolveImageVersion } from "../gallery";
import { createDiskRecord, diskDir, type DiskMeta } from "./disks";
import { DISK_TYPE, PROVIDER, VM_TYPE, patchNotFound } from "./constants";
import { NIC_TYPE } from "../network/constants";
import {
  authorizedKeys,
  linkDisk,
  resolveDataDisks,
  sub,
  validateNewVm,
  type Vm,
  type VmMeta,
} from "./vm-model";
import { vmBody, instanceView } from "./vm-view";
import { assertVmIdle, beginVmUpdate, registerVmCompleters, updateVm } from "./vm-lifecycle";
import { powerRoutes } from "./vm-power";
import { attachDetachDataDisks } from "./vm-disks";
import { registerRunCommand, runCommand } from "./vm-run-command";

export function vmRoutes(ctx: EmulatorContext): Route[] {
  registerVmCompleters(ctx);
  registerRunCommand(ctx);
  const base =
    "/subscriptions/:subscriptionId/resourceGroups/:resourceGroupName/providers/Microsoft.Compute/virtualMachines";
  const one = `${base}/:vmName`;
  const idOf = (req: ArmRequest) => idFromRequest(req, PROVIDER, [["virtualMachines", "vmName"]]);

  function find(req: ArmRequest): Vm {
    requireResourceGroup(ctx, req);
    const vm = ctx.store.get<VmMeta>(idOf(req));
    if (!vm) throw resourceNotFound(VM_TYPE, req.params.vmName, req.params.resourceGroupName);
    return vm;
  }

  async function put(req: ArmRequest): Promise<ArmResponse> {
    requireResourceGroup(ctx, req);
    const body = objectBody(req);
    return exclusive(ctx, idOf(req), () => {
      const existing = ctx.store.get<VmMeta>(idOf(req));
      if (existing) return updateVm(ctx, req, existing, body, false);
      return createVm(ctx, req, idOf(req), body);
    });
  }

  return [
    {
      method: "PUT",
      template: one,
      operationId: "VirtualMachines_CreateOrUpdate",
      limit: (req) => ({ policy: ctx.store.get(idOf(req)) ? "UpdateVM" : "PutVM", resourceId: idOf(req) }),
      handler: put,
    },
    {
      method: "PATCH",
      template: one,
      operationId: "VirtualMachines_Update",
      limit: (req) => ({ policy: "UpdateVM", resourceId: idOf(req) }),
      handler: (req) => {
        requireResourceGroup(ctx, req);
        const vm = ctx.store.get<VmMeta>(idOf(req));
        if (!vm) throw patchNotFound(req.params.vmName, idOf(req));
        return exclusive(ctx, vm.id, () => updateVm(ctx, req, vm, objectBody(req), true));
      },
    },
    {
      method: "GET",
      template: one,
      operationId: "VirtualMachines_Get",
      limit: (req) => ({ policy: "LowCostGet", resourceId: idOf(req) }),
      handler: (req) => ({ status: 200, body: vmBody(ctx, find(req), req.query.get("$expand")) }),
    },
    {
      method: "GET",
      template: `${one}/instanceView`,
      operationId: "VirtualMachines_InstanceView",
      limit: (req) => ({ policy: "LowCostGet", resourceId: idOf(req) }),
      handler: (req) => ({ status: 200, body: instanceView(ctx, find(req)) }),
    },
    {
      method: "GET",
      template: base,
      operationId: "VirtualMachines_List",
      limit: () => ({ policy: "HighCostGet" }),
      handler: (req) => {
        requireResourceGroup(ctx, req);
        return {
          status: 200,
          body: listBody(
            ctx.store.list(VM_TYPE, resourceGroupId(req.params.subscriptionId, req.params.resourceGroupName)),
          ),
        };
      },
    },
    {
      method: "GET",
      template: "/subscriptions/:subscriptionId/providers/Microsoft.Compute/virtualMachines",
      operationId: "VirtualMachines_ListAll",
      limit: () => ({ policy: "HighCostGet" }),
      handler: (req) => ({
        status: 200,
        body: listBody(ctx.store.list(VM_TYPE, `/subscriptions/${req.params.subscriptionId}`)),
      }),
    },
    {
      method: "DELETE",
      template: one,
      operationId: "VirtualMachines_Delete",
      limit: (req) => ({ policy: "DeleteVM", resourceId: idOf(req) }),
      handler: (req) => exclusive(ctx, idOf(req), () => deleteVm(req)),
    },
    {
      method: "POST",
      template: `${one}/attachDetachDataDisks`,
      operationId: "VirtualMachines_AttachDetachDataDisks",
      limit: (req) => ({ policy: "UpdateVM", resourceId: idOf(req) }),
      handler: (req) =>
        exclusive(ctx, idOf(req), () => {
          const vm = find(req);
          assertVmIdle(ctx, vm, "Attach/Detach data disks");
          return attachDetachDataDisks(ctx, req, vm, (change, output) => {
            const op = beginVmUpdate(ctx, req, vm, change, { output });
            return { status: 202, headers: ctx.ops.headers(op, req.baseUrl, true) };
          });
        }),
    },
    {
      method: "POST",
      template: `${one}/runCommand`,
      operationId: "VirtualMachines_RunCommand",
      limit: (req) => ({ policy: "UpdateVM", resourceId: idOf(req) }),
      handler: (req) => exclusive(ctx, idOf(req), () => runCommand(ctx, req, find(req))),
    },
    ...powerRoutes(ctx, find),
  ];

  async function deleteVm(req: ArmRequest): Promise<ArmResponse> {
    requireResourceGroup(ctx, req);
    const vm = ctx.store.get<VmMeta>(idOf(req));
    if (!vm) return { status: 204 };
    // A delete supersedes whatever the VM was doing; a second delete joins the first.
    const running = ctx.ops.running(vm.id);
    if (running?.kind === "vm.delete") {
      return { status: 202, headers: ctx.ops.headers(running, req.baseUrl, true) };
    }
    await ctx.ops.preempt(vm.id);
    vm.meta.deleting = true;
    vm.body.properties.provisioningState = "Deleting";
    ctx.store.save();
    // ⚠ Taken as a hard stop: nothing documents a guest shutdown before a running VM is deleted.
    await ctx.guests.powerOff(vm.id, { graceful: false });
    const op = ctx.ops.begin(req, {
      kind: "vm.delete",
      resourceId: vm.id,
      provider: PROVIDER,
      location: String(vm.body.location),
      durationKind: "vm.delete",
    });
    return { status: 202, headers: ctx.ops.headers(op, req.baseUrl, true) };
  }
}

async function createVm(
  ctx: EmulatorContext,
  req: ArmRequest,
  id: string,
  body: Record<string, unknown>,
): Promise<ArmResponse> {
  const location = requireLocation(body);
  const props = properties(body);
  validateNewVm(props);
  const name = req.params.vmName;
  const image = resolveImageVersion(
    ctx,
    String(sub(props, "storageProfile", "imageReference")!.id),
    location,
  );
  const nicRefs = (sub(props, "networkProfile")!.networkInterfaces as unknown[]).map(
    (n) => sub({ n }, "n") ?? {},
  );
  const nics = nicRefs.map((ref) => {
    const nic = ctx.store.get(String(ref.id ?? ""));
    if (!nic || nic.type !== NIC_TYPE) {
      throw new ArmError(400, "InvalidParameter", `Resource ${String(ref.id)} not found.`, {
        target: "networkProfile.networkInterfaces",
      });
    }
    const user = sub(nic.body.properties, "virtualMachine")?.id;
    if (user && String(user).toLowerCase() !== id.toLowerCase()) {
      throw new ArmError(
        400,
        "NicInUse",
        `Network Interface ${nic.id} is used by existing Virtual Machine ${String(user)}.`,
      );
    }
    if (nic.body.location !== location) {
      throw new ArmError(
        400,
        "InvalidParameter",
        `Network interface ${nic.id} is in '${String(nic.body.location)}', the VM in '${location}'.`,
      );
    }
    return {
      nic,
      deleteOption: String(sub(ref, "properties")?.deleteOption ?? "Detach"),
      primary: sub(ref, "properties")?.primary ?? nicRefs.length === 1,
    };
  });
  const { entries, toCreate } = resolveDataDisks(
    ctx,
    id,
    name,
    location,
    sub(props, "storageProfile")!.dataDisks,
  );
  const osDiskIn = sub(props, "storageProfile", "osDisk") ?? {};
  const os = sub(props, "osProfile")!;
  if (ctx.ops.running(id)) throw concurrentRequest();

  // Everything is validated: from here the request cannot be refused.
  const osDiskName = String(osDiskIn.name ?? `${name}_OsDisk_1_${randomBytes(16).toString("hex")}`);
  const osDiskId = `${resourceGroupId(req.params.subscriptionId, req.params.resourceGroupName)}/providers/Microsoft.Compute/disks/${osDiskName}`;
  const osSku = String(
    sub(props, "storageProfile", "osDisk", "managedDisk")?.storageAccountType ?? "Premium_LRS",
  );
  const osDisk = await createDiskRecord(ctx, osDiskId, {
    type: DISK_TYPE,
    location,
    sku: { name: osSku },
    creationData: { createOption: "FromImage", galleryImageReference: { id: image.id } },
    diskSizeGB: Number(osDiskIn.diskSizeGB ?? 30),
    osType: "Linux",
    provisioningState: "Succeeded",
  });
  for (const entry of toCreate) {
    await createDiskRecord(ctx, entry.managedDisk.id, {
      type: DISK_TYPE,
      location,
      sku: { name: entry.managedDisk.storageAccountType },
      creationData: { createOption: "Empty" },
      diskSizeGB: entry.diskSizeGB ?? 32,
      provisioningState: "Succeeded",
    });
  }
  for (const entry of entries) linkDisk(ctx, entry.managedDisk.id, id, "Attached");
  linkDisk(ctx, osDisk.id, id, "Attached");
  for (const { nic } of nics) nic.body.properties.virtualMachine = { id };
  const vmId = randomUUID();
  const computerName = String(os.computerName ?? name);
  const vm: Vm = {
    id,
    type: VM_TYPE,
    meta: {
      power: "starting",
      imageVersionId: image.id,
      osDiskId: osDisk.id,
      ...(typeof os.customData === "string" ? { customData: os.customData } : {}),
    },
    body: {
      id,
      name,
      type: VM_TYPE,
      location,
      ...(readTags(body) ? { tags: readTags(body) } : {}),
      ...(body.zones ? { zones: body.zones } : {}),
      properties: {
        vmId,
        hardwareProfile: sub(props, "hardwareProfile"),
        storageProfile: {
          imageReference: {
            id: String(sub(props, "storageProfile", "imageReference")!.id),
            exactVersion: image.body.name,
          },
          osDisk: {
            osType: "Linux",
            name: osDiskName,
            createOption: "FromImage",
            caching: String(osDiskIn.caching ?? "ReadWrite"),
            managedDisk: { id: osDisk.id, storageAccountType: osSku },
            deleteOption: String(osDiskIn.deleteOption ?? "Detach"),
            diskSizeGB: Number(osDisk.body.properties.diskSizeGB),
          },
          dataDisks: entries,
          diskControllerType: "SCSI",
        },
        osProfile: {
          computerName,
          adminUsername: os.adminUsername,
          linuxConfiguration: {
            disablePasswordAuthentication: true,
            provisionVMAgent: true,
            ...sub(os, "linuxConfiguration"),
          },
          secrets: [],
          allowExtensionOperations: true,
          requireGuestProvisionSignal: true,
        },
        networkProfile: {
          networkInterfaces: nics.map(({ nic, deleteOption, primary }) => ({
            id: nic.id,
            properties: { primary, deleteOption },
          })),
        },
        ...(props.diagnosticsProfile ? { diagnosticsProfile: props.diagnosticsProfile } : {}),
        provisioningState: "Creating",
        timeCreated: new Date(ctx.clock.now()).toISOString(),
      },
    },
  };
  ctx.store.put(vm);
  const root = diskDir(ctx, osDisk as typeof osDisk & { meta: DiskMeta });
  await ctx.guests.installImage(root, image.body.name);
  await ctx.guests.provision({
    root,
    adminUsername: String(os.adminUsername),
    authorizedKeys: authorizedKeys(props),
    customData: typeof os.customData === "string" ? os.customData : undefined,
    computerName,
  });
  const op = ctx.ops.begin(req, {
    kind: "vm.create",
    resourceId: id,
    provider: PROVIDER,
    location,
    durationKind: "vm.create",
  });
  return { status: 201, headers: ctx.ops.headers(op, req.baseUrl, false), body: vm.body };
}
