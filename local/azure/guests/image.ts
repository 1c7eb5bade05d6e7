/**
 * What an OS disk made from a gallery version holds: the base OS plus the bake steps Packer runs,
 * read from packer/image-layers.json — the same list the Packer template reads, so the twin's
 * images cannot hold more than Packer bakes. Notably no /opt/claw: the app layer comes only from
 * cloud-init custom data when a VM is created (cloud-init.ts).
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** One bake step and what it leaves on the disk, as the twin models it. */
export interface ImageLayer {
  script: string;
  twin: { dirs?: string[]; files?: Record<string, string> };
}

export interface ImageLayers {
  layers: ImageLayer[];
}

/** Directories of the marketplace Ubuntu image the bake starts from (and the azure-vm-utils udev links). */
export const BASE_OS_DIRS = [
  "etc",
  "home",
  "var/lib",
  "var/log",
  "tmp",
  "run",
  "mnt",
  "dev/disk/azure/scsi1",
];

/** Reads and checks the layer list (a malformed list is a start-up error, not a silent empty image). */
export function readImageLayers(file: string): ImageLayers {
  const parsed = JSON.parse(fs.readFileSync(file, "utf8")) as { layers?: unknown };
  if (!Array.isArray(parsed.layers) || parsed.layers.length === 0) {
    throw new Error(`${file}: "layers" must be a non-empty list`);
  }
  for (const l of parsed.layers as ImageLayer[]) {
    if (typeof l.script !== "string" || !/^[\w.-]+\.sh$/.test(l.script) || typeof l.twin !== "object") {
      throw new Error(`${file}: every layer needs "script" (a file name) and "twin" (what it leaves)`);
    }
  }
  return parsed as ImageLayers;
}

/** A relative path inside the guest root (no "..", no absolute paths). */
function inside(root: string, rel: string): string {
  const p = path.join(root, path.posix.normalize("/" + rel));
  if (!p.startsWith(path.resolve(root))) throw new Error(`image layer path escapes the root: ${rel}`);
  return p;
}

/** Lays out an image version on a fresh OS disk: base OS, then each baked layer in order. */
export async function installImage(
  root: string,
  imageVersion: string,
  image: ImageLayers | undefined,
): Promise<void> {
  for (const d of BASE_OS_DIRS) await fs.promises.mkdir(path.join(root, d), { recursive: true });
  for (const layer of image?.layers ?? []) {
    for (const d of layer.twin.dirs ?? []) await fs.promises.mkdir(inside(root, d), { recursive: true });
    for (const [rel, content] of Object.entries(layer.twin.files ?? {})) {
      const file = inside(root, rel);
      await fs.promises.mkdir(path.dirname(file), { recursive: true });
      await fs.promises.writeFile(file, content.replaceAll("${IMAGE_VERSION}", imageVersion));
    }
  }
}
