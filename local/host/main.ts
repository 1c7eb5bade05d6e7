/**
 * `node dist/local/host/main.js [--port N] [--app path/to/main.js] [--in-memory]`: runs the dev host
 * alone (npm start also starts the Azure emulator, see local/start.ts) until Ctrl-C. Importing this
 * file gives the dev host's API (dev-host.ts) without running anything.
 */
import { startDevHost } from "./dev-host";

export * from "./dev-host";

/** Parses the arguments, starts the dev host and stops it on SIGINT/SIGTERM. */
async function runCli(argv: string[] = process.argv.slice(2)): Promise<void> {
  const arg = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const port = arg("--port");
  const host = await startDevHost({
    appMain: arg("--app"),
    port: port === undefined ? undefined : Number(port),
    azuriteLocation: argv.includes("--in-memory") ? null : undefined,
  });
  process.stdout.write(`\nDev host: ${host.url}/api  (key: x-functions-key header or ?code=)\n\n`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: stopping the dev host...\n`);
    // A stuck shutdown must not keep the port: give up after 15 s.
    setTimeout(() => {
      process.stderr.write("the dev host did not stop within 15 s; exiting\n");
      process.exit(1);
    }, 15_000).unref();
    host.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGINT", () => stop("SIGINT"));
  process.once("SIGTERM", () => stop("SIGTERM"));
}

if (require.main === module) {
  runCli().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
