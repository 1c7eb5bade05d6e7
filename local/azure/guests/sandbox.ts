/**
 * A simulated guest's file system: the VM's OS disk directory is its root R, laid out like the
 * image would be after cloud-init (guest contract: $R/etc, $R/opt/claw, $R/home, $R/mnt/claw-data,
 * $R/dev/disk/azure/scsi1/lunN). The environment below points the runtime scripts at it.
 */
import * as fs from "node:fs/promises";
import * as path from "node:path";

/** The CLAW_* variables (guest contract) for a guest rooted at `root`, plus PATH with the shims first. */
export function guestEnv(
  root: string,
  adminUsername: string,
  shimsDir: string | undefined,
  extra: Record<string, string>,
): Record<string, string> {
  const inherited = ["PATH", "LANG", "TZ", "TMPDIR"].reduce<Record<string, string>>((acc, k) => {
    if (process.env[k] !== undefined) acc[k] = process.env[k]!;
    return acc;
  }, {});
  return {
    ...inherited,
    PATH: [shimsDir, inherited.PATH ?? "/usr/bin:/bin"].filter(Boolean).join(":"),
    HOME: path.join(root, "home", adminUsername),
    USER: adminUsername,
    LOGNAME: adminUsername,
    SHELL: "/bin/bash",
    CLAW_ROOT: root,
    CLAW_DATA_DEVICE: path.join(root, "dev/disk/azure/scsi1/lun0"),
    CLAW_DATA: path.join(root, "mnt/claw-data"),
    CLAW_HOME: path.join(root, "home/claw"),
    CLAW_USER: "claw",
    CLAW_ADMIN_USER: adminUsername,
    CLAW_OPT: path.join(root, "opt/claw"),
    CLAW_ETC: path.join(root, "etc"),
    CLAW_STATE: path.join(root, "var/lib/openclawps"),
    // The kernel's boot id (/proc/sys/kernel/random/boot_id): a new one at every power-on.
    CLAW_BOOT_ID_FILE: path.join(root, "run/boot_id"),
    ...extra,
  };
}

/** Maps an absolute guest path (as SFTP clients send) into the sandbox; never escapes the root. */
export function hostPath(root: string, home: string, guestPath: string): string {
  const abs = guestPath.startsWith("/") ? guestPath : path.posix.join(home, guestPath);
  return path.join(root, path.posix.normalize("/" + abs));
}

/** The guest path for a path inside the sandbox (for REALPATH answers). */
export function guestPath(root: string, hostFile: string): string {
  const rel = path.relative(root, hostFile);
  return rel.startsWith("..") ? "/" : "/" + rel.split(path.sep).join("/");
}

/** Plugs a disk in at LUN n: the /dev/disk/azure/scsi1/lunN link the udev rules would make. */
export async function plugDisk(root: string, lun: number, diskDir: string): Promise<void> {
  const link = path.join(root, "dev/disk/azure/scsi1", `lun${lun}`);
  await fs.mkdir(path.dirname(link), { recursive: true });
  await fs.rm(link, { force: true });
  await fs.symlink(diskDir, link);
}

/**
 * Unplugs a disk: removes its LUN link and, as a forced detach does to a mounted file system,
 * the mount that pointed at it.
 */
export async function unplugDisk(root: string, diskDir: string): Promise<void> {
  const target = path.resolve(diskDir);
  const dev = path.join(root, "dev/disk/azure/scsi1");
  const entries = await fs.readdir(dev).catch(() => [] as string[]);
  for (const e of entries) await removeLinkTo(path.join(dev, e), target);
  await removeLinkTo(path.join(root, "mnt/claw-data"), target);
}

/** Unplugs every disk (an OS disk taken out of its VM keeps no LUN links or mount). */
export async function unplugAll(root: string): Promise<void> {
  const dev = path.join(root, "dev/disk/azure/scsi1");
  const entries = await fs.readdir(dev, { withFileTypes: true }).catch(() => []);
  for (const e of entries) if (e.isSymbolicLink()) await fs.rm(path.join(dev, e.name), { force: true });
  const mount = path.join(root, "mnt/claw-data");
  if ((await fs.lstat(mount).catch(() => undefined))?.isSymbolicLink()) await fs.rm(mount, { force: true });
}

async function removeLinkTo(link: string, target: string): Promise<void> {
  const to = await fs.readlink(link).catch(() => undefined);
  if (to !== undefined && path.resolve(path.dirname(link), to) === target) await fs.rm(link, { force: true });
}

/**
 * What a power cycle wipes: mounts, volatile directories, and running units (shim state). A
 * graceful shutdown unmounts the data disk cleanly (its file system marked clean, as the guest
 * shims' umount does); a VM deleted or killed leaves it marked mounted, so its next mount recovers.
 */
export async function shutDownRoot(root: string, graceful = true): Promise<void> {
  const mount = path.join(root, "mnt/claw-data");
  const disk = await fs.readlink(mount).catch(() => undefined);
  if (graceful && disk !== undefined && (await fs.stat(path.join(disk, ".fs-ext4")).catch(() => undefined))) {
    await fs.writeFile(path.join(disk, ".fs-state"), "clean\n");
  }
  await fs.rm(mount, { force: true, recursive: false }).catch(() => undefined);
  for (const d of ["tmp", "run"]) {
    await fs.rm(path.join(root, d), { recursive: true, force: true });
    await fs.mkdir(path.join(root, d), { recursive: true });
  }
  await stopShimUnits(path.join(root, "var/lib/openclawps/shim/systemd"));
}

/** Unit state files of the systemctl shim: shim/systemd/<unit> holds active|inactive|failed. */
function isUnitStateFile(name: string): boolean {
  return !/\.(enabled|fail)$/.test(name) && !name.includes(".tmp.");
}

/** Marks every running unit inactive, as a power-off leaves them; "enabled" is kept. */
async function stopShimUnits(dir: string): Promise<void> {
  const units = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const u of units) {
    if (!u.isFile() || !isUnitStateFile(u.name)) continue;
    const p = path.join(dir, u.name);
    const state = (await fs.readFile(p, "utf8")).trim();
    if (state === "active") await fs.writeFile(p, "inactive\n");
  }
}

/**
 * What systemd does before any boot script runs: every enabled unit starts (and one marked to fail
 * by the shim's <unit>.fail file ends failed).
 */
export async function startEnabledUnits(root: string): Promise<void> {
  const dir = path.join(root, "var/lib/openclawps/shim/systemd");
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  for (const n of names) {
    if (!n.endsWith(".enabled")) continue;
    const unit = n.slice(0, -".enabled".length);
    const failed = names.includes(`${unit}.fail`);
    await fs.writeFile(path.join(dir, unit), failed ? "failed\n" : "active\n");
  }
}

/** Whether the shim says a unit is running. */
export async function unitActive(root: string, unit: string): Promise<boolean> {
  const f = path.join(root, "var/lib/openclawps/shim/systemd", unit);
  return (await fs.readFile(f, "utf8").catch(() => "")).trim() === "active";
}
