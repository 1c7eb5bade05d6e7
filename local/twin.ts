/**
 * The twin's Azure side: starts the emulator with the fleet's shared infrastructure seeded (what
 * bicep provisions on Azure) and returns the settings the control plane needs to use it, so
 * `npm start`, the end-to-end tests and the benchmarks wire the same way.
 */
import {
  startAzureEmulator,
  DEFAULT_SEED,
  type AzureEmulator,
  type AzureEmulatorOptions,
  type FleetSeed,
} from "./azure";

export interface Twin {
  emulator: AzureEmulator;
  seed: FleetSeed;
  /** App settings pointing the control plane at the emulator (its `settings`: https + CA by default). */
  settings: Record<string, string>;
}

/** Image versions the twin's gallery starts with. */
export const TWIN_IMAGE_VERSIONS = ["1.0.0", "1.1.0"];

/** Starts the emulator with the twin's fleet seeded; `tls: false` for plain HTTP. */
export async function startTwinAzure(
  opts: AzureEmulatorOptions & { versions?: string[] } = {},
): Promise<Twin> {
  const seed: FleetSeed = {
    ...DEFAULT_SEED,
    gallery: { ...DEFAULT_SEED.gallery, versions: opts.versions ?? TWIN_IMAGE_VERSIONS },
  };
  const emulator = await startAzureEmulator({ ...opts, seed });
  return { emulator, seed, settings: emulator.settings };
}
