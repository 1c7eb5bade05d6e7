/**
 * Azurite in a process of its own (a child of this one), for runs that measure the control plane:
 * in production Table and Queue Storage are another machine, so their CPU should not be charged
 * to the process that also hosts the ARM emulator (one Node thread serves both otherwise). Same
 * services and in-memory storage as startAzurite; the child reports its endpoints over IPC and
 * exits when asked to close or when this process goes away.
 */
import { fork } from "node:child_process";
import path from "node:path";
import { startAzurite, type AzuriteHandle } from "./azurite";

interface Ready {
  ready: true;
  handle: Omit<AzuriteHandle, "close">;
}

/** This module as Node can run it (tests load the TypeScript source; the child is the build). */
const ENTRY = __filename.endsWith(".ts")
  ? path.join(__dirname, "../../dist/local/host/azurite-process.js")
  : __filename;

/** Starts Azurite (queue and table, in memory, free ports) in a child process. */
export function startAzuriteProcess(): Promise<AzuriteHandle> {
  const child = fork(ENTRY, ["--child"], { stdio: ["ignore", "ignore", "inherit", "ipc"] });
  return new Promise<AzuriteHandle>((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`Azurite process exited (${code})`));
    child.once("exit", onExit);
    child.once("message", (m: Ready) => {
      child.off("exit", onExit);
      let closing: Promise<void> | undefined;
      resolve({
        ...m.handle,
        close: () =>
          (closing ??= new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            child.once("exit", () => done());
            child.send({ stop: true });
          })),
      });
    });
  });
}

async function runChild(): Promise<void> {
  const azurite = await startAzurite({ blobPort: 0, queuePort: 0, tablePort: 0 });
  const { close: _close, ...handle } = azurite;
  process.on("message", (m: { stop?: boolean }) => {
    if (m.stop) void azurite.close().then(() => process.exit(0));
  });
  // The parent died without closing us: do not linger.
  process.on("disconnect", () => void azurite.close().then(() => process.exit(0)));
  process.send?.({ ready: true, handle } satisfies Ready);
}

if (require.main === module && process.argv.includes("--child")) {
  runChild().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
