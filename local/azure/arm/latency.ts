/**
 * How long things take. "instant" finishes every async operation by its first poll (tests);
 * "azure" draws durations from ranges seen on real Azure (recorded operation timings),
 * divided by `speed` so benchmarks can run a realistic mix quickly.
 */
export type LatencyProfile = "instant" | "azure";

export interface LatencyOptions {
  profile?: LatencyProfile;
  /** Divides every duration: 60 turns a 90 s VM create into 1.5 s. */
  speed?: number;
  /** Seed of the duration draws, so a benchmark run can be repeated. */
  seed?: number;
}

/** [min, max] milliseconds on real Azure, per kind of work. */
export const AZURE_DURATIONS_MS: Record<string, [number, number]> = {
  request: [40, 250],
  "vm.create": [60_000, 120_000],
  "vm.update": [2_000, 15_000],
  "vm.attachDetach": [10_000, 60_000],
  /** Run Command (RunShellScript) on a running Linux VM, from POST to the result. */
  "vm.runCommand": [15_000, 60_000],
  "vm.start": [20_000, 60_000],
  "vm.powerOff": [5_000, 15_000],
  "vm.deallocate": [30_000, 90_000],
  "vm.restart": [20_000, 60_000],
  "vm.delete": [20_000, 60_000],
  "disk.create": [500, 3_000],
  "disk.update": [500, 3_000],
  "disk.delete": [1_000, 5_000],
  "snapshot.create": [2_000, 15_000],
  "snapshot.delete": [1_000, 5_000],
  "galleryImageVersion.create": [600_000, 1_800_000],
  "galleryImageVersion.delete": [30_000, 120_000],
  "network.create": [1_000, 5_000],
  "network.delete": [2_000, 10_000],
  /** From "VM running" until cloud-init starts the boot script (OS boot + app-layer install). */
  "guest.provision": [60_000, 240_000],
  /** From "VM running" until boot.sh starts on a later start (no app-layer install). */
  "guest.boot": [15_000, 40_000],
};

/** One duration the model handed out: what a benchmark's bound is computed from. */
export interface LatencyDraw {
  kind: string;
  /** The resource the work is for (ARM id), when the caller said. */
  subject?: string;
  ms: number;
}

export interface LatencyModel {
  readonly profile: LatencyProfile;
  /** Duration of one piece of work on `subject` (an ARM id), already scaled. */
  durationMs(kind: string, subject?: string): number;
  /** The durations handed out since the last clear (at most the latest 100 000). */
  draws(): LatencyDraw[];
  clearDraws(): void;
  /** Retry-After seconds to advertise on a poll with `remainingMs` to go; undefined sends none. */
  pollRetryAfter(remainingMs: number): number | undefined;
}

export function createLatencyModel({
  profile = "instant",
  speed = 1,
  seed = 1,
}: LatencyOptions = {}): LatencyModel {
  let state = seed >>> 0 || 1;
  // mulberry32: small, seedable, good enough for spreading durations.
  function random(): number {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  let drawn: LatencyDraw[] = [];
  return {
    profile,
    durationMs(kind, subject) {
      if (profile === "instant") return 0;
      const [min, max] = AZURE_DURATIONS_MS[kind] ?? [1_000, 5_000];
      const ms = Math.round((min + random() * (max - min)) / speed);
      drawn.push({ kind, ...(subject ? { subject } : {}), ms });
      if (drawn.length > 100_000) drawn = drawn.slice(-50_000);
      return ms;
    },
    draws: () => [...drawn],
    clearDraws() {
      drawn = [];
    },
    pollRetryAfter(remainingMs) {
      // Retry-After is whole seconds; under a second to go, the client's own poll interval is closer.
      if (profile === "instant" || remainingMs < 1000) return undefined;
      return Math.min(50, Math.ceil(remainingMs / 1000));
    },
  };
}
