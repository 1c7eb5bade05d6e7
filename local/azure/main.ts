/**
 * `npm run emulator`: the Azure emulator on its own.
 * Usage: node dist/local/azure/main.js [--port N] [--persist DIR] [--latency instant|azure] [--speed N]
 *        [--seed default|FILE.json|none] [--image-layers FILE] [--no-guests] [--no-throttling] [--http]
 * Serves https with a CA generated at start (written to the state dir; --http for plain HTTP).
 * Prints the ARM endpoint and the settings that point the control plane at it; Ctrl-C stops it.
 */
import * as fs from "node:fs";
import { parseArgs } from "node:util";
import { DEFAULT_SEED, startAzureEmulator } from "./index";
import type { FleetSeed } from "./seed";

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: "string", default: "0" },
      persist: { type: "string" },
      latency: { type: "string", default: "instant" },
      speed: { type: "string", default: "1" },
      seed: { type: "string", default: "default" },
      "image-layers": { type: "string" },
      "no-guests": { type: "boolean", default: false },
      "no-throttling": { type: "boolean", default: false },
      http: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(fs.readFileSync(__filename, "utf8").split("\n").slice(1, 6).join("\n") + "\n");
    return;
  }
  if (values.latency !== "instant" && values.latency !== "azure")
    throw new Error("--latency must be instant or azure");
  const seed: FleetSeed | undefined =
    values.seed === "none"
      ? undefined
      : values.seed === "default"
        ? DEFAULT_SEED
        : (JSON.parse(fs.readFileSync(values.seed, "utf8")) as FleetSeed);
  const emulator = await startAzureEmulator({
    port: Number(values.port),
    persistDir: values.persist,
    latency: { profile: values.latency, speed: Number(values.speed) },
    throttling: { enabled: !values["no-throttling"] },
    guests: {
      enabled: !values["no-guests"],
      ...(values["image-layers"] ? { imageLayersFile: values["image-layers"] } : {}),
    },
    seed,
    tls: !values.http,
  });
  const lines = [
    `Azure emulator listening on ${emulator.url} (state in ${emulator.stateDir})`,
    ...(emulator.caCertFile ? [`CA certificate to trust: ${emulator.caCertFile}`] : []),
    "Settings for the control plane:",
  ];
  for (const [k, v] of Object.entries(emulator.settings)) lines.push(`  ${k}=${v}`);
  process.stdout.write(lines.join("\n") + "\n");
  const stop = () => {
    emulator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`emulator: ${(e as Error).message}\n`);
  process.exit(1);
});
