/**
 * The claw's public IP and NIC (named `<claw>-ip`, `<claw>-nic`). Both survive VM replacement, so
 * a claw keeps its address across upgrades.
 */
import type { NetworkInterface, PublicIPAddress } from "@azure/arm-network";
import { ClawError } from "../errors";
import { clawResourceNames } from "../domain/naming";
import { deleted } from "./errors";
import { CLAW_TAG, type GatewayContext } from "./types";
import { sameId } from "./ids";

export function networkOperations(g: GatewayContext) {
  const getOrUndefined = <T>(operation: string, resource: string, fn: (s: AbortSignal) => Promise<T>) =>
    g.run.find({ operation, resource }, fn);

  /** The claw's static public IP, created when absent. */
  async function ensurePublicIp(a: {
    claw: string;
    location: string;
  }): Promise<{ id: string; ipAddress: string }> {
    const name = clawResourceNames(a.claw).publicIp;
    const get = (abortSignal: AbortSignal) => g.network.publicIPAddresses.get(g.rg, name, { abortSignal });
    let ip: PublicIPAddress | undefined = await getOrUndefined("ensurePublicIp", name, get);
    if (!ip) {
      ip = await g.run.lro({ operation: "ensurePublicIp", resource: name }, (signal) =>
        g.network.publicIPAddresses.beginCreateOrUpdateAndWait(
          g.rg,
          name,
          {
            location: a.location,
            sku: { name: "Standard", tier: "Regional" },
            publicIPAllocationMethod: "Static",
            publicIPAddressVersion: "IPv4",
            tags: { [CLAW_TAG]: a.claw },
          },
          g.lroOptions(signal),
        ),
      );
    }
    // A static address is allocated with the resource; read it back if the PUT's answer lacked it.
    if (!ip.ipAddress) ip = await g.run.request({ operation: "ensurePublicIp", resource: name }, get);
    if (!ip.id || !ip.ipAddress) {
      throw new ClawError("AZURE_ERROR", `Public IP ${name} has no address yet.`, {
        retryable: true,
        details: { operation: "ensurePublicIp", resource: name },
      });
    }
    return { id: ip.id, ipAddress: ip.ipAddress };
  }

  /**
   * The claw's NIC in the fleet subnet (with the fleet NSG) carrying `publicIpId`. An existing NIC
   * that already matches is left alone; one that does not is brought into line with a PUT.
   */
  async function ensureNic(a: {
    claw: string;
    location: string;
    publicIpId?: string;
    name?: string;
  }): Promise<{ id: string }> {
    const name = a.name ?? clawResourceNames(a.claw).nic;
    const existing: NetworkInterface | undefined = await getOrUndefined("ensureNic", name, (abortSignal) =>
      g.network.networkInterfaces.get(g.rg, name, { abortSignal }),
    );
    const config = existing?.ipConfigurations?.[0];
    const matches =
      existing?.id &&
      sameId(config?.subnet?.id, g.subnetId) &&
      (a.publicIpId ? sameId(config?.publicIPAddress?.id, a.publicIpId) : !config?.publicIPAddress?.id) &&
      (!g.nsgId || sameId(existing.networkSecurityGroup?.id, g.nsgId));
    if (matches) return { id: existing.id! };
    const nic = await g.run.lro({ operation: "ensureNic", resource: name }, (signal) =>
      g.network.networkInterfaces.beginCreateOrUpdateAndWait(
        g.rg,
        name,
        {
          location: a.location,
          tags: { [CLAW_TAG]: a.claw },
          ipConfigurations: [
            {
              name: config?.name ?? "ipconfig1",
              subnet: { id: g.subnetId },
              ...(a.publicIpId ? { publicIPAddress: { id: a.publicIpId } } : {}),
              privateIPAllocationMethod: "Dynamic",
              primary: true,
            },
          ],
          ...(g.nsgId ? { networkSecurityGroup: { id: g.nsgId } } : {}),
        },
        g.lroOptions(signal),
      ),
    );
    return { id: nic.id! };
  }

  /** Deletes a NIC by name (it must not be in use by a VM: CONFLICT). Absent is success. */
  async function deleteNic(name: string): Promise<void> {
    await deleted(
      g.run.lro({ operation: "deleteNic", resource: name }, (signal) =>
        g.network.networkInterfaces.beginDeleteAndWait(g.rg, name, g.lroOptions(signal)),
      ),
    );
  }

  /** Deletes the claw's public IP (it must not be on a NIC: CONFLICT). Absent is success. */
  async function deletePublicIp(claw: string): Promise<void> {
    const name = clawResourceNames(claw).publicIp;
    await deleted(
      g.run.lro({ operation: "deletePublicIp", resource: name }, (signal) =>
        g.network.publicIPAddresses.beginDeleteAndWait(g.rg, name, g.lroOptions(signal)),
      ),
    );
  }

  return { ensurePublicIp, ensureNic, deleteNic, deletePublicIp };
}
