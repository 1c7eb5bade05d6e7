/**
 * Power actions: start, powerOff, deallocate, restart. Each answers 202 with both async headers;
 * the guest shuts down when the action begins and boots when it completes, as on Azure. An action
 * on a VM that is already in the target state is a quick successful no-op; a newer power action
 * preempts a running one (its operation ends Failed with OperationPreempted).
 */
import type { EmulatorContext } from "../context";
import type { ArmRequest, ArmResponse } from "../arm/http";
import type { Route } from "../arm/router";
import { exclusive, idFromRequest } from "../resources/common";
import { PROVIDER, type PowerState, vmMarkedForDeletion, vmNotRunning } from "./constants";
import { concurrentRequest } from "../arm/errors";
import { bootGuest, dataDisksOf } from "./vm-lifecycle";
import { diskStateFor, linkDisk, type Vm, type VmMeta } from "./vm-model";

type Action = "start" | "powerOff" | "deallocate" | "restart";

const PLAN: Record<Action, { during: PowerState; target: PowerState; operation: string; policy: string }> = {
  start: { during: "starting", target: "running", operation: "Start VM", policy: "UpdateVM" },
  powerOff: { during: "stopping", target: "stopped", operation: "Power off VM", policy: "UpdateVM" },
  deallocate: {
    during: "deallocating",
    target: "deallocated",
    operation: "Deallocate VM",
    policy: "DeleteVM",
  },
  restart: { during: "starting", target: "running", operation: "Restart VM", policy: "UpdateVM" },
};

const POWER_KINDS = new Set(["vm.power"]);

export function powerRoutes(ctx: EmulatorContext, find: (req: ArmRequest) => Vm): Route[] {
  ctx.ops.register("vm.power", {
    async complete(op) {
      const vm = ctx.store.get<VmMeta>(op.resourceId);
      if (!vm) return;
      const target = op.input?.target as PowerState;
      vm.meta.power = target;
      vm.body.properties.provisioningState = "Succeeded";
      for (const d of dataDisksOf(vm)) linkDisk(ctx, d.managedDisk.id, vm.id, diskStateFor(target));
      linkDisk(ctx, vm.meta.osDiskId, vm.id, diskStateFor(target));
      ctx.store.save();
      if (target === "running" && op.input?.wasRunning !== true) await bootGuest(ctx, vm, false);
    },
    /**
     * A failed power action leaves the VM Failed and not running (never stuck "starting" or
     * Updating): a failed start stays where it was; a failed stop, deallocate or restart has
     * already shut the guest down, so the VM is stopped. A preempted action leaves the states to
     * the action that preempted it.
     */
    fail(op, error) {
      const vm = ctx.store.get<VmMeta>(op.resourceId);
      if (!vm || vm.meta.deleting || error.code === "OperationPreempted") return;
      const before = op.input?.before as PowerState | undefined;
      const settled: PowerState[] = ["stopped", "deallocated"];
      vm.meta.power = before && settled.includes(before) ? before : "stopped";
      vm.body.properties.provisioningState = "Failed";
      ctx.store.save();
    },
  });

  async function act(action: Action, req: ArmRequest): Promise<ArmResponse> {
    const vm = find(req);
    const plan = PLAN[action];
    if (vm.meta.deleting) throw vmMarkedForDeletion(plan.operation, vm.body.name);
    const running = ctx.ops.running(vm.id);
    if (running && !POWER_KINDS.has(running.kind)) throw concurrentRequest();
    if (running) await ctx.ops.preempt(vm.id);
    const before = vm.meta.power;
    if (action === "restart" && before !== "running" && before !== "starting") throw vmNotRunning();
    const noop = before === plan.target && action !== "restart";
    if (!noop) {
      if (action !== "start") await ctx.guests.powerOff(vm.id);
      vm.meta.power = plan.during;
      vm.body.properties.provisioningState = "Updating";
      ctx.store.save();
    }
    const op = ctx.ops.begin(req, {
      kind: "vm.power",
      resourceId: vm.id,
      provider: PROVIDER,
      location: String(vm.body.location),
      durationKind: noop ? "request" : `vm.${action}`,
      input: { target: plan.target, wasRunning: noop && before === "running", before },
    });
    return { status: 202, headers: ctx.ops.headers(op, req.baseUrl, true) };
  }

  const base =
    "/subscriptions/:subscriptionId/resourceGroups/:resourceGroupName/providers/Microsoft.Compute/virtualMachines/:vmName";
  return (Object.keys(PLAN) as Action[]).map((action) => ({
    method: "POST",
    template: `${base}/${action}`,
    operationId: `VirtualMachines_${action[0].toUpperCase()}${action.slice(1)}`,
    limit: (req: ArmRequest) => ({
      policy: PLAN[action].policy,
      resourceId: idFromRequest(req, PROVIDER, [["virtualMachines", "vmName"]]),
    }),
    handler: (req: ArmRequest) =>
      exclusive(ctx, idFromRequest(req, PROVIDER, [["virtualMachines", "vmName"]]), () => act(action, req)),
  }));
}
