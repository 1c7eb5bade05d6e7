/**
 * `npm start` runs the twin's Azurite in a process of its own, as storage is on Azure: a SIGKILL of
 * the twin's main process (dev host + emulator) leaves Azurite to save what it holds and exit, so
 * a write acknowledged just before the kill is still there after a restart. (Azurite in the same
 * process saves every 5 s: such a write was lost.) Requires `npm run build` first.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DEV_ACCOUNT, DEV_ACCOUNT_KEY, isStorageReachable } from "../../local/host/azurite";

const ROOT = path.resolve(__dirname, "../..");
const KEY = "durability-test-key";

interface Twin {
  proc: ChildProcess;
  api: string;
  storage: string;
  logs: string[];
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "openclawps-durability-"));
// Port 0 everywhere: Azurite, the emulator and the dev host take free ports.
const storage =
  `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_ACCOUNT_KEY};` +
  `QueueEndpoint=http://127.0.0.1:0/${DEV_ACCOUNT};TableEndpoint=http://127.0.0.1:0/${DEV_ACCOUNT};`;
const env = {
  ...process.env,
  AzureWebJobsStorage: storage,
  AZURITE_LOCATION: path.join(dir, "azurite"),
  DEVHOST_PORT: "0",
  AZURE_EMULATOR_PORT: "0",
  DEVHOST_API_KEY: KEY,
  DURABLE_HUB_NAME: `Durability${Math.random().toString(36).slice(2, 8)}`,
  LOCAL_SECRETS_FILE: path.join(dir, "local.secrets.json"),
};
const running: ChildProcess[] = [];

function startTwin(): Promise<Twin> {
  const proc = spawn(process.execPath, [path.join(ROOT, "dist/local/start.js")], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.push(proc);
  const logs: string[] = [];
  return new Promise<Twin>((resolve, reject) => {
    let api = "";
    let queues = "";
    const timer = setTimeout(() => reject(new Error(`twin did not start:\n${logs.join("\n")}`)), 90_000);
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString().split("\n")) {
        logs.push(line);
        api ||= /HTTP API:\s+(http:\/\/\S+)\/api\//.exec(line)?.[1] ?? "";
        queues ||= /Azurite queues:\s+(http:\/\/\S+)/.exec(line)?.[1] ?? "";
        if (api && queues) {
          clearTimeout(timer);
          const [, port] = /:(\d+)\//.exec(queues) ?? [];
          resolve({ proc, api, storage: storage.replace(/:0\//g, `:${port}/`), logs });
        }
      }
    };
    proc.stdout!.on("data", onData);
    proc.stderr!.on("data", onData);
    proc.once("exit", (code) => reject(new Error(`twin exited with ${code}:\n${logs.join("\n")}`)));
  });
}

afterAll(async () => {
  for (const p of running) if (p.exitCode === null && p.signalCode === null) p.kill("SIGTERM");
  await new Promise((r) => setTimeout(r, 2_000));
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("npm start: Azurite outlives the twin's main process", () => {
  it("start: a claw written just before a SIGKILL of the main process is there after a restart", async () => {
    const first = await startTwin();
    const created = await fetch(`${first.api}/api/v1/claws`, {
      method: "POST",
      headers: { "x-functions-key": KEY, "content-type": "application/json" },
      body: JSON.stringify({
        name: "survivor",
        region: "westus",
        vmSize: "Standard_D2s_v5",
        imageVersion: "1.0.0",
      }),
    });
    expect(created.status).toBe(201);

    const gone = new Promise((r) => first.proc.once("exit", r));
    first.proc.kill("SIGKILL");
    await gone;
    // Azurite notices its parent is gone, saves and exits.
    const until = Date.now() + 30_000;
    while (await isStorageReachable(first.storage)) {
      if (Date.now() > until) throw new Error("Azurite did not exit after its parent was killed");
      await new Promise((r) => setTimeout(r, 100));
    }

    const second = await startTwin();
    const read = await fetch(`${second.api}/api/v1/claws/survivor`, { headers: { "x-functions-key": KEY } });
    expect(read.status, second.logs.slice(-20).join("\n")).toBe(200);
    expect(await read.json()).toMatchObject({ name: "survivor", spec: { vmSize: "Standard_D2s_v5" } });
  }, 240_000);
});
