/**
 * Network RP: network interfaces and public IPs (async create/delete, references checked the way
 * NRP checks them), plus the virtual networks, subnets and NSGs they point at (synchronous).
 */
import { randomUUID } from "node:crypto";
import type { EmulatorContext } from "../context";
import { concurrentRequest, resourceNotFound } from "../arm/errors";
import { objectBody, type ArmRequest, type ArmResponse } from "../arm/http";
import { key, resourceGroupId } from "../arm/ids";
import type { Route } from "../arm/router";
import type { StoredResource } from "../store";
import {
  asObject,
  idFromRequest,
  listBody,
  locationMismatch,
  properties,
  readTags,
  requireLocation,
  requireResourceGroup,
  requiredParameter,
} from "../resources/common";
import { simpleResourceRoutes } from "../resources/simple";
import {
  NIC_TYPE,
  PROVIDER,
  PUBLIC_IP_TYPE,
  SUBNET_TYPE,
  invalidReference,
  nicInUse,
  publicIpAlreadyUsed,
  publicIpInUse,
} from "./constants";
import { allocatePrivateIp, allocatePublicIp } from "./addresses";

export function networkRoutes(ctx: EmulatorContext): Route[] {
  ctx.ops.register("network.create", { complete: () => undefined });
  ctx.ops.register("network.delete", { complete: (op) => void ctx.store.delete(op.resourceId) });
  const base = "/subscriptions/:subscriptionId/resourceGroups/:resourceGroupName/providers/Microsoft.Network";

  function accepted(req: ArmRequest, r: StoredResource, status: number, del: boolean): ArmResponse {
    const op = ctx.ops.begin(req, {
      kind: del ? "network.delete" : "network.create",
      resourceId: r.id,
      provider: PROVIDER,
      location: String(r.body.location),
      durationKind: del ? "network.delete" : "network.create",
    });
    return { status, headers: ctx.ops.headers(op, req.baseUrl, del), body: del ? undefined : r.body };
  }

  function begin(
    req: ArmRequest,
    segments: [string, string][],
  ): { id: string; existing?: StoredResource; body: Record<string, unknown>; location: string } {
    requireResourceGroup(ctx, req);
    const body = objectBody(req);
    const location = requireLocation(body);
    const id = idFromRequest(req, PROVIDER, segments);
    const existing = ctx.store.get(id);
    if (existing) {
      if (existing.body.location !== location) {
        throw locationMismatch(
          existing.body.name,
          String(existing.body.location),
          location,
          req.params.resourceGroupName,
        );
      }
      if (ctx.ops.running(id)) throw concurrentRequest();
    }
    return { id, existing, body, location };
  }

  function putNic(req: ArmRequest): ArmResponse {
    const { id, existing, body, location } = begin(req, [["networkInterfaces", "networkInterfaceName"]]);
    const props = properties(body);
    if (!Array.isArray(props.ipConfigurations) || props.ipConfigurations.length === 0) {
      throw requiredParameter("ipConfigurations");
    }
    const nsgId = asObject(props.networkSecurityGroup)?.id;
    if (nsgId !== undefined && !ctx.store.get(String(nsgId))) throw invalidReference(String(nsgId), id);
    const previous = (existing?.body.properties.ipConfigurations ?? []) as Record<string, unknown>[];
    const configs = (props.ipConfigurations as unknown[]).map((raw, i) => {
      const c = asObject(raw) ?? {};
      const name = String(c.name ?? `ipconfig${i + 1}`);
      const cp = asObject(c.properties) ?? {};
      const subnetId = String(asObject(cp.subnet)?.id ?? "");
      const subnet = ctx.store.get(subnetId);
      if (!subnet || subnet.type !== SUBNET_TYPE) throw invalidReference(subnetId || "(no subnet)", id);
      const configId = `${id}/ipConfigurations/${name}`;
      const pipId = asObject(cp.publicIPAddress)?.id;
      if (pipId !== undefined) {
        const pip = ctx.store.get(String(pipId));
        if (!pip || pip.type !== PUBLIC_IP_TYPE) throw invalidReference(String(pipId), id);
        const user = asObject(pip.body.properties.ipConfiguration)?.id;
        if (user && !key(String(user)).startsWith(key(id) + "/"))
          throw publicIpAlreadyUsed(configId, pip.id, String(user));
      }
      const old = previous.find((p) => String(p.name).toLowerCase() === name.toLowerCase());
      const oldIp = asObject(old?.properties)?.privateIPAddress as string | undefined;
      return {
        id: configId,
        name,
        type: "Microsoft.Network/networkInterfaces/ipConfigurations",
        properties: {
          privateIPAddress: oldIp ?? allocatePrivateIp(ctx, subnet),
          privateIPAllocationMethod: cp.privateIPAllocationMethod ?? "Dynamic",
          privateIPAddressVersion: "IPv4",
          subnet: { id: subnet.id },
          ...(pipId !== undefined ? { publicIPAddress: { id: String(pipId) } } : {}),
          primary: cp.primary ?? i === 0,
          provisioningState: "Succeeded",
        },
      };
    });
    linkPublicIps(ctx, id, configs);
    const nic: StoredResource = {
      id: existing?.id ?? id,
      type: NIC_TYPE,
      meta: existing?.meta ?? {},
      body: {
        id: existing?.id ?? id,
        name: req.params.networkInterfaceName,
        type: NIC_TYPE,
        location,
        ...(readTags(body) ? { tags: readTags(body) } : {}),
        properties: {
          ...props,
          ipConfigurations: configs,
          ...(nsgId !== undefined ? { networkSecurityGroup: { id: String(nsgId) } } : {}),
          enableAcceleratedNetworking: props.enableAcceleratedNetworking ?? false,
          enableIPForwarding: props.enableIPForwarding ?? false,
          nicType: "Standard",
          resourceGuid: existing?.body.properties.resourceGuid ?? randomUUID(),
          ...(existing?.body.properties.virtualMachine
            ? { virtualMachine: existing.body.properties.virtualMachine }
            : {}),
          ...(existing?.body.properties.macAddress
            ? { macAddress: existing.body.properties.macAddress }
            : {}),
          provisioningState: "Succeeded",
        },
      },
    };
    ctx.store.put(nic);
    return accepted(req, nic, existing ? 200 : 201, false);
  }

  function putPublicIp(req: ArmRequest): ArmResponse {
    const { id, existing, body, location } = begin(req, [["publicIPAddresses", "publicIpAddressName"]]);
    const props = properties(body);
    const pip: StoredResource = {
      id: existing?.id ?? id,
      type: PUBLIC_IP_TYPE,
      meta: existing?.meta ?? {},
      body: {
        id: existing?.id ?? id,
        name: req.params.publicIpAddressName,
        type: PUBLIC_IP_TYPE,
        location,
        ...(readTags(body) ? { tags: readTags(body) } : {}),
        sku: body.sku ?? { name: "Standard", tier: "Regional" },
        properties: {
          publicIPAddressVersion: "IPv4",
          idleTimeoutInMinutes: 4,
          ...props,
          publicIPAllocationMethod: props.publicIPAllocationMethod ?? "Static",
          ipAddress: existing?.body.properties.ipAddress ?? allocatePublicIp(ctx),
          ...(existing?.body.properties.ipConfiguration
            ? { ipConfiguration: existing.body.properties.ipConfiguration }
            : {}),
          resourceGuid: existing?.body.properties.resourceGuid ?? randomUUID(),
          provisioningState: "Succeeded",
        },
      },
    };
    ctx.store.put(pip);
    return accepted(req, pip, existing ? 200 : 201, false);
  }

  function getter(type: string, segments: [string, string][], prefix: string): Route[] {
    const tail = `${segments[0][0]}/:${segments[0][1]}`;
    return [
      {
        method: "GET",
        template: `${base}/${tail}`,
        operationId: `${prefix}_Get`,
        handler: (req) => {
          requireResourceGroup(ctx, req);
          const r = ctx.store.get(idFromRequest(req, PROVIDER, segments));
          if (!r) throw resourceNotFound(type, req.params[segments[0][1]], req.params.resourceGroupName);
          return { status: 200, body: r.body };
        },
      },
      {
        method: "GET",
        template: `${base}/${segments[0][0]}`,
        operationId: `${prefix}_List`,
        handler: (req) => {
          requireResourceGroup(ctx, req);
          return {
            status: 200,
            body: listBody(
              ctx.store.list(type, resourceGroupId(req.params.subscriptionId, req.params.resourceGroupName)),
            ),
          };
        },
      },
    ];
  }

  const nicSegments: [string, string][] = [["networkInterfaces", "networkInterfaceName"]];
  const pipSegments: [string, string][] = [["publicIPAddresses", "publicIpAddressName"]];
  return [
    {
      method: "PUT",
      template: `${base}/networkInterfaces/:networkInterfaceName`,
      operationId: "NetworkInterfaces_CreateOrUpdate",
      handler: putNic,
    },
    {
      method: "DELETE",
      template: `${base}/networkInterfaces/:networkInterfaceName`,
      operationId: "NetworkInterfaces_Delete",
      handler: (req) => {
        requireResourceGroup(ctx, req);
        const nic = ctx.store.get(idFromRequest(req, PROVIDER, nicSegments));
        if (!nic) return { status: 204 };
        const vm = asObject(nic.body.properties.virtualMachine)?.id;
        if (vm) throw nicInUse(nic.id, String(vm));
        if (ctx.ops.running(nic.id)) throw concurrentRequest();
        linkPublicIps(ctx, nic.id, []);
        return accepted(req, nic, 202, true);
      },
    },
    ...getter(NIC_TYPE, nicSegments, "NetworkInterfaces"),
    {
      method: "PUT",
      template: `${base}/publicIPAddresses/:publicIpAddressName`,
      operationId: "PublicIPAddresses_CreateOrUpdate",
      handler: putPublicIp,
    },
    {
      method: "DELETE",
      template: `${base}/publicIPAddresses/:publicIpAddressName`,
      operationId: "PublicIPAddresses_Delete",
      handler: (req) => {
        requireResourceGroup(ctx, req);
        const pip = ctx.store.get(idFromRequest(req, PROVIDER, pipSegments));
        if (!pip) return { status: 204 };
        const user = asObject(pip.body.properties.ipConfiguration)?.id;
        if (user) throw publicIpInUse(pip.id, String(user));
        if (ctx.ops.running(pip.id)) throw concurrentRequest();
        return accepted(req, pip, 202, true);
      },
    },
    ...getter(PUBLIC_IP_TYPE, pipSegments, "PublicIPAddresses"),
    ...simpleResourceRoutes(ctx, {
      provider: PROVIDER,
      segments: [["virtualNetworks", "virtualNetworkName"]],
      operationPrefix: "VirtualNetworks",
      afterPut: createInlineSubnets,
    }),
    ...simpleResourceRoutes(ctx, {
      provider: PROVIDER,
      segments: [
        ["virtualNetworks", "virtualNetworkName"],
        ["subnets", "subnetName"],
      ],
      operationPrefix: "Subnets",
      locationless: true,
      inUse: (c, id) =>
        c.store.list(NIC_TYPE).find((n) =>
          JSON.stringify(n.body.properties)
            .toLowerCase()
            .includes(`"${key(id)}"`),
        )?.id,
    }),
    ...simpleResourceRoutes(ctx, {
      provider: PROVIDER,
      segments: [["networkSecurityGroups", "networkSecurityGroupName"]],
      operationPrefix: "NetworkSecurityGroups",
    }),
  ];
}

/** Points each referenced public IP at its ip configuration, and frees the ones no longer used. */
function linkPublicIps(
  ctx: EmulatorContext,
  nicId: string,
  configs: { id: string; properties: Record<string, unknown> }[],
): void {
  for (const pip of ctx.store.list(PUBLIC_IP_TYPE)) {
    const user = asObject(pip.body.properties.ipConfiguration)?.id;
    if (user && key(String(user)).startsWith(key(nicId) + "/")) delete pip.body.properties.ipConfiguration;
  }
  for (const c of configs) {
    const pipId = asObject(c.properties.publicIPAddress)?.id;
    const pip = pipId ? ctx.store.get(String(pipId)) : undefined;
    if (pip) pip.body.properties.ipConfiguration = { id: c.id };
  }
  ctx.store.save();
}

/** A VNet PUT with inline subnets creates them as subnet resources, as ARM does. */
function createInlineSubnets(ctx: EmulatorContext, vnet: StoredResource): void {
  const subnets = vnet.body.properties.subnets;
  if (!Array.isArray(subnets)) return;
  vnet.body.properties.subnets = subnets.map((raw) => {
    const s = asObject(raw) ?? {};
    const id = `${vnet.id}/subnets/${String(s.name)}`;
    const body = {
      id,
      name: String(s.name),
      type: SUBNET_TYPE,
      properties: { ...(asObject(s.properties) ?? {}), provisioningState: "Succeeded" },
    };
    ctx.store.put({ id, type: SUBNET_TYPE, meta: {}, body });
    return body;
  });
  ctx.store.save();
}
