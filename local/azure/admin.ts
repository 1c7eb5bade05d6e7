/**
 * The emulator's own control API under /_emulator/ (not part of ARM): request log, fault rules,
 * guest SSH endpoints, image publishing and seeding, for tests, benchmarks and the dev host.
 */
import type { EmulatorContext } from "./context";
import { ArmError } from "./arm/errors";
import type { Faults, FaultRule } from "./arm/faults";
import type { ArmRequest, ArmResponse } from "./arm/http";
import type { RequestLog } from "./arm/request-log";
import { publishImageVersion, seedFleet, type FleetSeed, type ImageVersionSeed } from "./seed";
import { asObject } from "./resources/common";
import { VM_TYPE } from "./compute/constants";
import { NIC_TYPE, PUBLIC_IP_TYPE } from "./network/constants";
import { key } from "./arm/ids";

export function createAdmin(ctx: EmulatorContext, faults: Faults, requests: RequestLog) {
  return async function admin(req: ArmRequest): Promise<ArmResponse | undefined> {
    const route = `${req.method} ${req.path.replace(/\/+$/, "")}`;
    const body = asObject(req.body) ?? {};
    switch (route) {
      case "GET /_emulator/health":
        return { status: 200, body: { ok: true } };
      case "GET /_emulator/requests":
        return { status: 200, body: { value: requests.list(req.query.get("operationId") ?? undefined) } };
      case "DELETE /_emulator/requests":
        requests.clear();
        return { status: 204 };
      case "GET /_emulator/faults":
        return { status: 200, body: { value: faults.list() } };
      case "POST /_emulator/faults":
        return { status: 201, body: { id: faults.add(body as unknown as FaultRule) } };
      case "DELETE /_emulator/faults":
        faults.clear();
        return { status: 204 };
      case "GET /_emulator/guest": {
        const id = req.query.get("id") ?? "";
        const endpoint = ctx.guests.endpoint(id);
        if (!ctx.store.get(id)) throw new ArmError(404, "NotFound", `No VM ${id}.`);
        return { status: 200, body: { ...(endpoint ?? {}), boot: ctx.guests.bootStatus(id) } };
      }
      case "GET /_emulator/ssh-endpoints":
        return { status: 200, body: sshEndpointMap(ctx) };
      case "POST /_emulator/images":
        return {
          status: 201,
          body: {
            id: publishImageVersion(
              ctx,
              String(body.imageId),
              String(body.location),
              body as unknown as ImageVersionSeed,
            ),
          },
        };
      case "POST /_emulator/seed":
        return { status: 200, body: seedFleet(ctx, body as unknown as FleetSeed) };
    }
    if (req.method === "DELETE" && req.path.startsWith("/_emulator/faults/")) {
      return { status: faults.remove(req.path.split("/").pop()!) ? 204 : 404 };
    }
    return undefined;
  };
}

/**
 * The guest SSH client's endpoint map, "127.0.0.1:port" by VM name, VM id and public IP address.
 * An address follows its IP resource: it maps to the VM whose NIC's ip configuration holds the IP
 * now, so after the IP moves to another NIC, SSH to the address reaches the other VM.
 */
export function sshEndpointMap(ctx: EmulatorContext): Record<string, string> {
  const map: Record<string, string> = {};
  const byVm = new Map<string, string>();
  for (const vm of ctx.store.list(VM_TYPE)) {
    const e = ctx.guests.endpoint(vm.id);
    if (!e) continue;
    map[vm.body.name] = `${e.host}:${e.port}`;
    map[vm.id] = `${e.host}:${e.port}`;
    byVm.set(key(vm.id), `${e.host}:${e.port}`);
  }
  for (const pip of ctx.store.list(PUBLIC_IP_TYPE)) {
    const config = asObject(pip.body.properties.ipConfiguration)?.id;
    const address = pip.body.properties.ipAddress;
    if (!config || typeof address !== "string") continue;
    const nicId = String(config).split("/ipConfigurations/")[0];
    const nic = ctx.store.get(nicId);
    if (!nic || nic.type !== NIC_TYPE) continue;
    const vmId = asObject(nic.body.properties.virtualMachine)?.id;
    const endpoint = vmId ? byVm.get(key(String(vmId))) : undefined;
    if (endpoint) map[address] = endpoint;
  }
  return map;
}
