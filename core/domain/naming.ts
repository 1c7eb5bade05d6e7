import { clawNameProblem } from "./names";

/**
 * The one naming convention for a claw's Azure resources. Everything that creates, finds or
 * deletes a claw's resources derives names here, so a claw's resources can always be found from
 * its name alone (which is what makes every saga step idempotent).
 */
export interface ClawResourceNames {
  /** VM name (also the Linux computer name). */
  vm: string;
  /** The portable data disk; outlives every VM. */
  dataDisk: string;
  nic: string;
  publicIp: string;
  /** OS disk of a VM created from `imageVersion`; `short` keeps names unique across replacements. */
  osDisk(imageVersion: string, short: string): string;
  /** Snapshot of the data disk taken by an operation (`short`: e.g. the start of the operation id). */
  dataSnapshot(short: string): string;
  /** A standby VM made by an upgrade (`short`: from the operation id); it becomes the claw's VM. */
  standbyVm(short: string): string;
  /** The standby VM's own NIC. */
  standbyNic(short: string): string;
}

/** ARM's limit for a Linux VM name. */
const MAX_VM_NAME = 64;

const SHORT = /^[a-z0-9]{1,12}$/;

/** ARM's limit for disk and snapshot names. */
const MAX_RESOURCE_NAME = 80;

function checkShort(short: string): string {
  if (!SHORT.test(short))
    throw new Error(`resource name suffix must be 1..12 lower-case letters or digits: '${short}'`);
  return short;
}

function checkLength(name: string, max = MAX_RESOURCE_NAME): string {
  if (name.length > max) {
    throw new Error(`resource name '${name}' is longer than ${max} characters`);
  }
  return name;
}

/** Names of the claw's resources. Throws when `claw` is not a valid claw name. */
export function clawResourceNames(claw: string): ClawResourceNames {
  const problem = clawNameProblem(claw);
  if (problem) throw new Error(`invalid claw name '${claw}': ${problem}`);
  return {
    vm: claw,
    dataDisk: `${claw}-data`,
    nic: `${claw}-nic`,
    publicIp: `${claw}-ip`,
    osDisk: (imageVersion, short) =>
      checkLength(`${claw}-os-${imageVersion.replace(/\./g, "-")}-${checkShort(short)}`),
    dataSnapshot: (short) => checkLength(`${claw}-data-snap-${checkShort(short)}`),
    standbyVm: (short) => checkLength(`${claw}-v${checkShort(short)}`, MAX_VM_NAME),
    standbyNic: (short) => checkLength(`${claw}-v${checkShort(short)}-nic`),
  };
}

/** A short lower-case alphanumeric suffix derived from an id (operation id, request id). */
export function shortSuffix(id: string, length = 6): string {
  const clean = id.toLowerCase().replace(/[^a-z0-9]/g, "");
  return clean.slice(-length) || "x";
}
