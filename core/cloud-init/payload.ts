import * as fs from "node:fs";
import * as path from "node:path";

/** What of runtime/ goes to /opt/claw on the VM: the guest contract's payload plus the app layer installer. */
export const PAYLOAD_ENTRIES = ["VERSION", "lifecycle", "updates", "defaults", "install/os"] as const;

/** One file of the payload, with its path relative to runtime/ (POSIX separators). */
export interface PayloadFile {
  path: string;
  content: Buffer;
  executable: boolean;
}

/**
 * Finds the repository's runtime/ directory by walking up from `start`: the renderer runs both from
 * source (core/cloud-init) and compiled (dist/core/cloud-init), and the deployed function app ships
 * runtime/ next to dist/.
 */
export function findRuntimeDir(start: string = __dirname): string {
  let dir = path.resolve(start);
  for (;;) {
    const candidate = path.join(dir, "runtime");
    if (fs.existsSync(path.join(candidate, "VERSION"))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no runtime/VERSION above ${start}`);
    dir = parent;
  }
}

function walk(root: string, rel: string, out: PayloadFile[]): void {
  const full = path.join(root, rel);
  const stat = fs.statSync(full);
  if (stat.isDirectory()) {
    for (const name of fs.readdirSync(full).sort()) walk(root, path.posix.join(rel, name), out);
  } else if (stat.isFile()) {
    out.push({ path: rel, content: fs.readFileSync(full), executable: (stat.mode & 0o111) !== 0 });
  }
}

/** Reads the payload's files from `runtimeDir`, in a stable order (the rendered user-data is deterministic). */
export function readPayload(runtimeDir: string): PayloadFile[] {
  const files: PayloadFile[] = [];
  for (const entry of PAYLOAD_ENTRIES) walk(runtimeDir, entry, files);
  return files;
}
