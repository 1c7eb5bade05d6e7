/**
 * What the control plane asks a claw over SSH and how it reads the answers: boot.sh's status file,
 * stopping and starting the agent, the runtime's lifecycle scripts, and the hashes of the files
 * the control plane keeps on the data disk. Paths come from the same variables the runtime
 * scripts use, so the twin's guests answer from their sandbox.
 */

/** boot.sh's last report (key=value lines: status, at, step, exit). */
export const BOOT_STATUS_COMMAND = `cat "\${CLAW_STATE:-/var/lib/openclawps}/boot-status" 2>/dev/null; echo; echo "current_boot=$(cat "\${CLAW_BOOT_ID_FILE:-/proc/sys/kernel/random/boot_id}" 2>/dev/null)"; true`;

/** Tolerated clock difference between the control plane and a claw when comparing boot times. */
export const BOOT_CLOCK_SKEW_MS = 5_000;

export const STOP_AGENT_COMMAND = "sudo systemctl stop openclaw-gateway && sync";
export const START_AGENT_COMMAND = "sudo systemctl start openclaw-gateway";

/** Runs a runtime script as root; `CLAW_OPT` lets the twin's guests keep the payload elsewhere. */
export const lifecycleCommand = (script: string) =>
  `sudo bash -c '"\${CLAW_OPT:-/opt/claw}/lifecycle/${script}"'`;

/** key=value lines (boot-status, release.sh's answer) as a record. */
export function parseKv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const i = line.indexOf("=");
    if (i > 0) out[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return out;
}

export type BootState =
  { state: "done" } | { state: "failed"; step: string; exit: string } | { state: "waiting"; last: string };

/**
 * Where boot.sh is for a boot that began after `since` (ISO; none: any boot counts). A report
 * that names the kernel's boot id is current only in that boot: the report of a boot before a
 * stop and start is an earlier boot's, however close in time. One without (written by an older
 * runtime) counts when it is no older than `since`, less the tolerated clock skew.
 */
export function bootStateOf(statusText: string, since?: string): BootState {
  const status = parseKv(statusText);
  const last = status.status ?? "not started";
  const after = since ? Date.parse(since) - BOOT_CLOCK_SKEW_MS : 0;
  const current =
    !after ||
    (status.boot && status.current_boot
      ? status.boot === status.current_boot
      : Date.parse(status.at ?? "") >= after);
  if (current && status.status === "ok") return { state: "done" };
  if (current && status.status === "failed")
    return { state: "failed", step: status.step ?? "?", exit: status.exit ?? "?" };
  return { state: "waiting", last };
}

/** The files the control plane keeps on the data disk (under $CLAW_DATA/secrets). */
export type DeliveredFile = "secrets" | "access-password" | "settings";
export const DELIVERED_FILE_NAMES: Record<DeliveredFile, string> = {
  secrets: "claw.env",
  "access-password": "access-password",
  settings: "claw-settings.env",
};

/** SHA-256 of what is on the disk now (a missing file prints nothing). */
export const HASH_COMMAND = `cd "\${CLAW_DATA:-/mnt/claw-data}/secrets" 2>/dev/null && sha256sum ${Object.values(DELIVERED_FILE_NAMES).join(" ")} 2>/dev/null; true`;

/** sha256sum's output as a hash per delivered file. */
export function parseHashes(stdout: string): Partial<Record<DeliveredFile, string>> {
  const out: Partial<Record<DeliveredFile, string>> = {};
  for (const line of stdout.split("\n")) {
    const m = /^([0-9a-f]{64})\s+\*?(\S+)$/.exec(line.trim());
    if (!m) continue;
    const kind = (Object.keys(DELIVERED_FILE_NAMES) as DeliveredFile[]).find(
      (k) => DELIVERED_FILE_NAMES[k] === m[2],
    );
    if (kind) out[kind] = m[1];
  }
  return out;
}
