/**
 * How an OS disk gets its contents. Two steps, as on Azure: the image (what a gallery version puts
 * on a disk: the runtime payload and the image-version record) and the instance (what provisioning
 * does on the first boot of a VM on that disk: hostname, fresh host keys, the admin's keys, custom
 * data). A VM create does both at once; a disk created FromImage gets the image only, and the
 * instance step runs when a VM first boots it (OS-disk swap).
 */
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { generateSshKeyPair } from "../../../core/guest/keys";

export interface ImageSpec {
  /** The OS disk's directory: the guest's root. */
  root: string;
  imageVersion: string;
  /** runtime/ payload to install as /opt/claw (lifecycle/, updates/, defaults/, VERSION). */
  runtimeDir?: string;
}

export interface InstanceSpec {
  root: string;
  adminUsername: string;
  authorizedKeys: string[];
  /** base64 custom data, kept where cloud-init keeps it. */
  customData?: string;
  computerName: string;
}

export interface ProvisionSpec extends ImageSpec, InstanceSpec {
  vmId: string;
}

const PAYLOAD = ["lifecycle", "updates", "defaults", "VERSION"];

/** Directories every guest has. */
const SKELETON = [
  "etc/ssh",
  "etc/openclawps",
  "opt/claw",
  "mnt",
  "dev/disk/azure/scsi1",
  "var/lib/openclawps",
  "var/lib/cloud/instance",
  "var/log",
  "tmp",
  "run",
  "home/claw",
];

/** Lays out the image on a fresh OS disk: skeleton, image-version record, runtime payload. */
export async function installImage(spec: ImageSpec, defaultRuntimeDir: string | undefined): Promise<void> {
  const r = spec.root;
  for (const d of SKELETON) await fs.mkdir(path.join(r, d), { recursive: true });
  await fs.writeFile(path.join(r, "etc/openclawps/image-version"), `${spec.imageVersion}\n`);
  const runtime = spec.runtimeDir ?? defaultRuntimeDir;
  if (!runtime) return;
  for (const item of PAYLOAD) {
    const from = path.join(runtime, item);
    const exists = await fs.stat(from).then(
      () => true,
      () => false,
    );
    if (exists) await fs.cp(from, path.join(r, "opt/claw", item), { recursive: true });
  }
}

/** What first-boot provisioning writes from the VM's osProfile (the image must be installed). */
export async function provisionInstance(spec: InstanceSpec): Promise<void> {
  const r = spec.root;
  await fs.mkdir(path.join(r, `home/${spec.adminUsername}/.ssh`), { recursive: true });
  await fs.mkdir(path.join(r, "var/lib/cloud/instance"), { recursive: true });
  await fs.writeFile(path.join(r, "etc/hostname"), `${spec.computerName}\n`);
  // A fresh VM generates its own host keys; boot.sh swaps in the claw's keys from the data disk.
  const hostKey = generateSshKeyPair(`root@${spec.computerName}`);
  await fs.writeFile(path.join(r, "etc/ssh/ssh_host_ed25519_key"), hostKey.private, { mode: 0o600 });
  await fs.writeFile(path.join(r, "etc/ssh/ssh_host_ed25519_key.pub"), `${hostKey.public}\n`);
  const ak = path.join(r, `home/${spec.adminUsername}/.ssh/authorized_keys`);
  await fs.writeFile(ak, spec.authorizedKeys.map((k) => `${k}\n`).join(""), { mode: 0o600 });
  if (spec.customData) {
    await fs.writeFile(
      path.join(r, "var/lib/cloud/instance/user-data.txt"),
      Buffer.from(spec.customData, "base64"),
      { mode: 0o600 },
    );
  }
}

/** Lays out a new VM's OS disk from the image version and the VM's osProfile. */
export async function provisionRoot(
  spec: ProvisionSpec,
  defaultRuntimeDir: string | undefined,
): Promise<void> {
  await installImage(spec, defaultRuntimeDir);
  await provisionInstance(spec);
}
