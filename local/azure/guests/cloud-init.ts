/**
 * The twin's cloud-init, run once when a VM is created from an image (never for a swapped-in or
 * attached OS disk, as on Azure): the platform's provisioning from the osProfile (hostname, fresh
 * SSH host keys, the admin's authorized_keys), the custom data kept where cloud-init keeps it, and
 * the user-data's `write_files` written into the guest — which is how /opt/claw (the app layer)
 * arrives. `runcmd` is not executed: the app-layer install (install/os) is modelled by the
 * "guest.provision" duration, after which the guest runs boot.sh as claw-boot.service would.
 */
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { gunzipSync } from "node:zlib";
import { generateSshKeyPair } from "../../../core/guest/keys";
import { hostPath } from "./sandbox";

export interface InstanceSpec {
  /** The OS disk's directory: the guest's root. */
  root: string;
  adminUsername: string;
  authorizedKeys: string[];
  /** base64 custom data from the VM create. */
  customData?: string;
  computerName: string;
}

export interface WriteFile {
  path: string;
  content: Buffer;
  mode: number;
}

/** A YAML scalar as our emitter (core/cloud-init/yaml.ts) or a hand-written document spells it. */
function scalar(raw: string): string {
  const v = raw.trim();
  if (v.startsWith('"')) return JSON.parse(v) as string;
  if (v.startsWith("'") && v.endsWith("'")) return v.slice(1, -1).replaceAll("''", "'");
  return v;
}

/**
 * The `write_files` entries of a #cloud-config document: block-style mappings with scalar values
 * (`path`, `content`, `encoding` b64 / gz+b64 / text, `permissions`). Anything else (block
 * scalars, anchors) is not understood and reported, never guessed.
 */
export function parseWriteFiles(userData: string): { files: WriteFile[]; problems: string[] } {
  const files: WriteFile[] = [];
  const problems: string[] = [];
  if (!userData.startsWith("#cloud-config")) return { files, problems };
  const lines = userData.split("\n");
  const start = lines.findIndex((l) => /^write_files:\s*$/.test(l));
  if (start < 0) return { files, problems };
  const entries: Record<string, string>[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === "" || line.trimStart().startsWith("#")) continue;
    if (!/^\s/.test(line)) break;
    const m = /^\s*(- )?([A-Za-z_][\w-]*):\s?(.*)$/.exec(line);
    if (!m) {
      problems.push(`write_files: cannot read line '${line.slice(0, 60)}'`);
      continue;
    }
    if (m[1] || entries.length === 0) entries.push({});
    const value = m[3];
    if (value.startsWith("|") || value.startsWith(">")) {
      problems.push(`write_files: block scalars are not supported (${m[2]})`);
      continue;
    }
    entries[entries.length - 1][m[2]] = scalar(value);
  }
  for (const e of entries) {
    if (!e.path) {
      problems.push("write_files: an entry has no path");
      continue;
    }
    const encoding = (e.encoding ?? "text").toLowerCase();
    const raw = e.content ?? "";
    let content: Buffer;
    if (encoding === "gz+b64" || encoding === "gzip+base64" || encoding === "gz+base64") {
      content = gunzipSync(Buffer.from(raw, "base64"));
    } else if (encoding === "b64" || encoding === "base64") {
      content = Buffer.from(raw, "base64");
    } else {
      content = Buffer.from(raw, "utf8");
    }
    files.push({ path: e.path, content, mode: parseInt(e.permissions ?? "0644", 8) });
  }
  return { files, problems };
}

/**
 * Provisions a new VM's OS disk from its osProfile and runs the user-data's write_files. Returns
 * what could not be applied (logged by the caller; a real cloud-init logs and carries on too).
 */
export async function provisionInstance(spec: InstanceSpec): Promise<string[]> {
  const r = spec.root;
  const home = path.join(r, "home", spec.adminUsername);
  await fs.mkdir(path.join(home, ".ssh"), { recursive: true });
  await fs.mkdir(path.join(r, "var/lib/cloud/instance"), { recursive: true });
  await fs.mkdir(path.join(r, "etc/ssh"), { recursive: true });
  await fs.writeFile(path.join(r, "etc/hostname"), `${spec.computerName}\n`);
  // A fresh VM generates its own host keys; boot.sh swaps in the claw's keys from the data disk.
  const hostKey = generateSshKeyPair(`root@${spec.computerName}`);
  await fs.writeFile(path.join(r, "etc/ssh/ssh_host_ed25519_key"), hostKey.private, { mode: 0o600 });
  await fs.writeFile(path.join(r, "etc/ssh/ssh_host_ed25519_key.pub"), `${hostKey.public}\n`);
  const ak = path.join(home, ".ssh/authorized_keys");
  await fs.writeFile(ak, spec.authorizedKeys.map((k) => `${k}\n`).join(""), { mode: 0o600 });
  if (!spec.customData) return [];
  const userData = Buffer.from(spec.customData, "base64");
  await fs.writeFile(path.join(r, "var/lib/cloud/instance/user-data.txt"), userData, { mode: 0o600 });
  const { files, problems } = parseWriteFiles(userData.toString("utf8"));
  for (const f of files) {
    const target = hostPath(r, "/", f.path);
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs.writeFile(target, f.content, { mode: f.mode });
    await fs.chmod(target, f.mode);
  }
  return problems;
}
