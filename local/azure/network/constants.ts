/**
 * Network RP names and error messages as NRP words them.
 */
import { ArmError, badRequest } from "../arm/errors";

export const PROVIDER = "Microsoft.Network";
export const NIC_TYPE = "Microsoft.Network/networkInterfaces";
export const PUBLIC_IP_TYPE = "Microsoft.Network/publicIPAddresses";
export const SUBNET_TYPE = "Microsoft.Network/virtualNetworks/subnets";
export const VNET_TYPE = "Microsoft.Network/virtualNetworks";
export const NSG_TYPE = "Microsoft.Network/networkSecurityGroups";

/**
 * Public IPs get addresses from this range (RFC 2544's benchmarking block: never a real host).
 * Guests listen on loopback; the SSH endpoint map turns an address into the port of the VM whose
 * NIC holds it (admin.ts).
 */
export const TWIN_PUBLIC_IP_PREFIX = "198.18.0.0/15";

export function invalidReference(referenced: string, by: string): ArmError {
  return badRequest(
    "InvalidResourceReference",
    `Resource ${referenced} referenced by resource ${by} was not found. Please make sure that the referenced ` +
      "resource exists, and that both resources are in the same region.",
  );
}

export function nicInUse(nicId: string, vmId: string): ArmError {
  return badRequest("NicInUse", `Network Interface ${nicId} is used by existing Virtual Machine ${vmId}.`);
}

export function publicIpInUse(ipId: string, by: string): ArmError {
  return badRequest(
    "PublicIPAddressCannotBeDeleted",
    `Public IP address ${ipId} can not be deleted since it is still allocated to resource ${by}. In order to ` +
      "delete the public IP, disassociate/detach the Public IP address from the resource.",
  );
}

/** NRP's refusal to associate an IP that another ip configuration holds (wording from real answers). */
export function publicIpAlreadyUsed(configId: string, ipId: string, by: string): ArmError {
  return badRequest(
    "PublicIPAddressInUse",
    `Resource ${configId} is referencing public IP address ${ipId} that is already allocated to resource ${by}.`,
  );
}
