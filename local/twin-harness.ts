/**
 * End-to-end harness on the twin: real Azurite, the Azure emulator with simulated guests (real
 * runtime/ scripts, real SSH), and the dev host running the compiled function app in a child
 * process, so a test can kill it mid-saga and start it again. Requires `npm run build` first
 * (npm test does it). Used by test/e2e and bench/.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startAzurite, type AzuriteHandle } from "./host/azurite";
import { startAzuriteProcess } from "./host/azurite-process";
import { startTwinAzure, type Twin } from "./twin";
import { createGuestClient, endpointMapResolver, type GuestClient } from "../core/guest";
import { createAzureGatewayFromConfig, type AzureGateway } from "../core/azure";
import { updateLocalSecretsFile } from "../core/secrets/local-file";

const ROOT = findRoot();
/** The fleet's model key, and the Telegram bot token of the claw named "alice". */
export const SECRET_VALUES = {
  TELEGRAM_BOT_TOKEN: telegramTokenFor("alice"),
  ANTHROPIC_API_KEY: "sk-ant-e2e-SECRET-key-0001",
};

/**
 * The bot token the harness gives a claw: each claw has its own bot (a fleet-wide token is
 * refused), so every claw created through `api()` gets one in the secrets file, as an operator
 * would give it.
 */
export function telegramTokenFor(claw: string): string {
  let h = 7;
  for (const ch of claw) h = (h * 31 + ch.charCodeAt(0)) % 1_000_000_007;
  return `${100000 + (h % 900000)}:e2e-telegram-SECRET-token-${claw.replace(/[^A-Za-z0-9_-]/g, "_")}`;
}

export interface TwinHarness {
  twin: Twin;
  azurite: AzuriteHandle;
  url: string;
  apiKey: string;
  env: Record<string, string>;
  logs: string[];
  api<T = Record<string, unknown>>(
    method: string,
    p: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }>;
  /** Polls GET /api/v1/operations/{id} (every `pollMs`, default 200) until it leaves "running". */
  waitForOperation(id: string, timeoutMs?: number, pollMs?: number): Promise<Record<string, unknown>>;
  killHost(): Promise<void>;
  startHost(): Promise<void>;
  /** An SSH client to whatever VM answers at `address` (a public IP), with the control plane's key. */
  guest(address: string, hostKeySha256?: string): GuestClient;
  /** The Azure gateway as the app builds it (for Run Command, reads of the emulator's VMs). */
  gateway(): AzureGateway;
  close(): Promise<void>;
}

export async function startTwinHarness(
  opts: {
    emulator?: Parameters<typeof startTwinAzure>[0];
    env?: Record<string, string>;
    /** Azurite in a child process of its own (benchmarks: storage is another machine on Azure). */
    azuriteProcess?: boolean;
    /** false: claws created through api() get no Telegram token of their own. */
    telegramTokens?: boolean;
    /** The app entry the dev host loads (default: the repository's dist/functions/index.js). */
    app?: string;
  } = {},
): Promise<TwinHarness> {
  const [azurite, twin] = await Promise.all([
    opts.azuriteProcess ? startAzuriteProcess() : startAzurite({ blobPort: 0, queuePort: 0, tablePort: 0 }),
    startTwinAzure({
      latency: { profile: "instant" },
      throttling: { enabled: false },
      log: () => undefined,
      ...opts.emulator,
    }),
  ]);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "openclawps-e2e-"));
  const secretsFile = path.join(dir, "local.secrets.json");
  fs.writeFileSync(
    secretsFile,
    JSON.stringify({ fleet: { ANTHROPIC_API_KEY: SECRET_VALUES.ANTHROPIC_API_KEY }, claws: {} }),
    { mode: 0o600 },
  );
  const apiKey = "e2e-api-key";
  const env: Record<string, string> = {
    ...twin.settings,
    AzureWebJobsStorage: azurite.connectionString,
    DEVHOST_API_KEY: apiKey,
    DURABLE_HUB_NAME: `E2E${Math.random().toString(36).slice(2, 8)}`,
    LOCAL_SECRETS_FILE: secretsFile,
    DURABLE_RETRY_WAIT_SCALE: "0.01",
    LOG_LEVEL: "info",
    // Tests and benchmarks turn it on when they look at it (the twin's default writes .data/telemetry).
    TELEMETRY_EXPORTER: "none",
    ...opts.env,
  };
  const logs: string[] = [];
  let child: ChildProcess | undefined;
  let url = "";

  async function startHost(): Promise<void> {
    const args = [
      path.join(ROOT, "dist/local/host/main.js"),
      "--port",
      "0",
      ...(opts.app ? ["--app", opts.app] : []),
    ];
    const proc = spawn(process.execPath, args, {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child = proc;
    url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`dev host did not start:\n${logs.slice(-30).join("\n")}`)),
        // A restart inside a busy suite (two e2e files at once) can take well over 30 s.
        90_000,
      );
      const onLine = (chunk: Buffer) => {
        for (const line of chunk.toString().split("\n")) {
          if (!line) continue;
          logs.push(line);
          const m = /Dev host: (http:\/\/[^\s/]+)/.exec(line);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]);
          }
        }
      };
      proc.stdout!.on("data", onLine);
      proc.stderr!.on("data", onLine);
      proc.once("exit", (code) =>
        reject(new Error(`dev host exited with ${code}:\n${logs.slice(-30).join("\n")}`)),
      );
    });
  }

  async function killHost(): Promise<void> {
    const c = child;
    if (!c || c.exitCode !== null) return;
    const gone = new Promise((r) => c.once("exit", r));
    c.kill("SIGKILL");
    await gone;
  }

  async function api<T>(method: string, p: string, body?: unknown) {
    const name = (body as { name?: unknown } | undefined)?.name;
    if (method === "POST" && p === "/v1/claws" && typeof name === "string" && opts.telegramTokens !== false) {
      await updateLocalSecretsFile(secretsFile, (data) => {
        data.claws[name] = { TELEGRAM_BOT_TOKEN: telegramTokenFor(name), ...(data.claws[name] ?? {}) };
      });
    }
    const res = await fetch(`${url}/api${p}`, {
      method,
      headers: {
        "x-functions-key": apiKey,
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON
    }
    return { status: res.status, body: parsed as T };
  }

  async function waitForOperation(id: string, timeoutMs = 90_000, pollMs = 200) {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const r = await api<Record<string, unknown>>("GET", `/v1/operations/${id}`).catch(() => undefined);
      const status = r?.body?.status;
      if (r?.status === 200 && status && status !== "running") return r.body;
      if (Date.now() > until)
        throw new Error(
          `operation ${id} still ${String(status)} after ${timeoutMs} ms\n${logs.slice(-40).join("\n")}`,
        );
      await new Promise((res) => setTimeout(res, pollMs));
    }
  }

  function guest(address: string, hostKeySha256?: string): GuestClient {
    const secrets = JSON.parse(fs.readFileSync(secretsFile, "utf8")) as { sshPrivateKey: string };
    return createGuestClient({
      address,
      resolveEndpoint: endpointMapResolver({
        url: env.SSH_ENDPOINT_MAP_URL,
        ...(env.SSH_ENDPOINT_MAP_CA_FILE ? { ca: fs.readFileSync(env.SSH_ENDPOINT_MAP_CA_FILE) } : {}),
      }),
      username: "clawadmin",
      privateKey: secrets.sshPrivateKey,
      ...(hostKeySha256 ? { hostKeySha256 } : {}),
      retry: { attempts: 2, delayMs: 200 },
      connectTimeoutMs: 3_000,
    });
  }
  let gw: AzureGateway | undefined;

  await startHost();
  return {
    twin,
    azurite,
    get url() {
      return url;
    },
    apiKey,
    env,
    logs,
    api,
    waitForOperation,
    killHost,
    startHost,
    guest,
    gateway: () => (gw ??= createAzureGatewayFromConfig(env)),
    async close() {
      await killHost();
      await twin.emulator.close();
      await azurite.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

function findRoot(): string {
  for (const dir of [path.resolve(__dirname, ".."), path.resolve(__dirname, "../..")]) {
    if (fs.existsSync(path.join(dir, "host.json"))) return dir;
  }
  throw new Error("cannot find the project root (host.json)");
}
