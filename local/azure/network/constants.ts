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

/** Every twin guest listens on loopback; the port tells them apart (see guests/). */
export const TWIN_PUBLIC_IP = "127.0.0.1";

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

export function publicIpAlreadyUsed(ipId: string, by: string): ArmError {
  return badRequest("PublicIPAddressInUse", `Resource ${ipId} is already in use by ${by}.`);
}
