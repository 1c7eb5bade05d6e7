/**
 * Azurite in a process of its own (a child of this one). On Azure, Table and Queue Storage are
 * another machine: they neither die with the Functions host nor share its CPU. So `npm start` runs
 * the twin's Azurite here (a SIGKILL of the host process leaves the child to save its data and
 * exit cleanly), and benchmarks do so that storage's CPU is not charged to the process that also
 * hosts the ARM emulator. The child reports its endpoints over IPC; it exits when asked to close,
 * on SIGTERM, or when this process goes away, saving its data first each time. It ignores the
 * terminal's Ctrl-C (SIGINT reaches the whole process group): the parent stops it in order.
 */
import { fork } from "node:child_process";
import path from "node:path";
import { startAzurite, type AzuriteHandle, type AzuriteOptions } from "./azurite";

interface Ready {
  ready: true;
  handle: Omit<AzuriteHandle, "close">;
}

/** This module as Node can run it (tests load the TypeScript source; the child is the build). */
const ENTRY = __filename.endsWith(".ts")
  ? path.join(__dirname, "../../dist/local/host/azurite-process.js")
  : __filename;

/**
 * Starts Azurite (queue and table) in a child process: by default in memory on free ports; with
 * `opts.location` its data lives in that folder, on the ports asked for.
 */
export function startAzuriteProcess(
  opts: AzuriteOptions = { blobPort: 0, queuePort: 0, tablePort: 0 },
): Promise<AzuriteHandle> {
  const child = fork(ENTRY, ["--child", JSON.stringify(opts)], {
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
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

async function runChild(opts: AzuriteOptions): Promise<void> {
  // Ctrl-C in a terminal signals the whole group; the parent closes us after what uses storage.
  process.on("SIGINT", () => undefined);
  const azurite = await startAzurite(opts);
  const { close: _close, ...handle } = azurite;
  const stop = () => void azurite.close().then(() => process.exit(0));
  process.on("message", (m: { stop?: boolean }) => {
    if (m.stop) stop();
  });
  process.on("SIGTERM", stop);
  // The parent died without closing us (killed): save the data and do not linger.
  process.on("disconnect", stop);
  process.send?.({ ready: true, handle } satisfies Ready);
}

if (require.main === module && process.argv.includes("--child")) {
  const given = process.argv[process.argv.indexOf("--child") + 1];
  runChild(given ? (JSON.parse(given) as AzuriteOptions) : {}).catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
