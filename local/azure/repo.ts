/**
 * Finds the project root from compiled (dist/local/azure) or source (local/azure) locations, so
 * the emulator finds runtime/ and local/guest-shims/ without machine-specific paths.
 */
import * as fs from "node:fs";
import * as path from "node:path";

export function findRepoRoot(from: string): string | undefined {
  let dir = path.resolve(from);
  for (;;) {
    const pkg = path.join(dir, "package.json");
    if (fs.existsSync(pkg)) {
      try {
        if ((JSON.parse(fs.readFileSync(pkg, "utf8")) as { name?: string }).name === "openclawps") return dir;
      } catch {
        // Not ours; keep climbing.
      }
    }
    const up = path.dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}
