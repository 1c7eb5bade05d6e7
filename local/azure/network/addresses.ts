/**
 * Private address assignment: the next free host address in the subnet's prefix, skipping the
 * first four and the last, which Azure reserves in every subnet.
 */
import type { EmulatorContext } from "../context";
import { badRequest } from "../arm/errors";
import type { StoredResource } from "../store";
import { NIC_TYPE, PUBLIC_IP_TYPE, TWIN_PUBLIC_IP_PREFIX } from "./constants";

export function allocatePrivateIp(ctx: EmulatorContext, subnet: StoredResource): string {
  const prefix = String(subnet.body.properties.addressPrefix ?? "10.0.0.0/24");
  const [base, bitsText] = prefix.split("/");
  const bits = Number(bitsText);
  const start = toInt(base);
  const size = 2 ** (32 - bits);
  const used = new Set<string>();
  for (const nic of ctx.store.list(NIC_TYPE)) {
    for (const c of (nic.body.properties.ipConfigurations ?? []) as {
      properties?: Record<string, unknown>;
    }[]) {
      const p = c.properties ?? {};
      const sid = (p.subnet as { id?: string } | undefined)?.id;
      if (sid && sid.toLowerCase() === subnet.id.toLowerCase()) used.add(String(p.privateIPAddress));
    }
  }
  for (let i = 4; i < size - 1; i++) {
    const ip = toIp(start + i);
    if (!used.has(ip)) return ip;
  }
  throw badRequest(
    "SubnetIsFull",
    `Subnet ${subnet.body.name} with address prefix ${prefix} does not have enough capacity.`,
  );
}

function toInt(ip: string): number {
  return ip.split(".").reduce((acc, o) => acc * 256 + Number(o), 0);
}

function toIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");
}

/**
 * A public IP's address: the next one free in the twin's range (198.18.0.0/15, reserved for
 * benchmarking, so it can never reach a real host). Guests are told apart by it: the SSH endpoint
 * map sends each address to the loopback port of whichever VM's NIC holds it.
 */
export function allocatePublicIp(ctx: EmulatorContext): string {
  const used = new Set(ctx.store.list(PUBLIC_IP_TYPE).map((p) => String(p.body.properties.ipAddress)));
  const [base, bitsText] = TWIN_PUBLIC_IP_PREFIX.split("/");
  const start = toInt(base);
  const size = 2 ** (32 - Number(bitsText));
  for (let i = 1; i < size - 1; i++) {
    const ip = toIp(start + i);
    if (!used.has(ip)) return ip;
  }
  throw badRequest("PublicIPCountLimitReached", "The twin's public IP range is exhausted.");
}
