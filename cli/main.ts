#!/usr/bin/env node
/**
 * `openclawps`: the operator's command line, a thin client of the HTTP API v1 (anything it does,
 * the API does). Exit codes: 0 done; 1 the API refused or the saga failed; 2 bad usage or
 * configuration.
 */
import { Command, CommanderError, Option } from "commander";
import { ApiError, createClient, type Client } from "./client";
import { configPath, resolveConfig, UsageError, writeConfig } from "./config";
import { readSecret } from "./prompt";
import { ago, table } from "./table";
import { seconds, waitForOperation, type Operation } from "./wait";

interface Globals {
  url?: string;
  config?: string;
  json?: boolean;
}

const out = process.stdout;
const SAGAS = ["deploy", "upgrade", "park", "wake", "verify", "refresh"] as const;
const ROLLOUT_CONTROLS = ["approve", "reject", "pause", "resume", "cancel"] as const;

type Row = Record<string, unknown>;
const enc = encodeURIComponent;

function print(json: boolean | undefined, data: unknown, text: () => string): void {
  out.write(json ? JSON.stringify(data, null, 2) + "\n" : text());
}

function intArg(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n)) throw new UsageError(`${name} must be a whole number; got '${v}'`);
    return n;
  };
}

export function buildProgram(): Command {
  const program = new Command("openclawps")
    .description(
      "Operate an OpenClawps fleet through its HTTP API (OPENCLAWPS_URL / OPENCLAWPS_KEY or 'openclawps login')",
    )
    .option(
      "--url <origin>",
      "the control plane's origin, e.g. http://127.0.0.1:7071 (overrides OPENCLAWPS_URL and the config file)",
    )
    .option("--config <file>", "config file (default $OPENCLAWPS_CONFIG or ~/.config/openclawps/config.json)")
    .option("--json", "print the API's JSON answer (for scripts)")
    .showHelpAfterError()
    .exitOverride();

  const globals = (): Globals => program.opts<Globals>();
  const client = (): Client => createClient(resolveConfig(globals()));

  program
    .command("login")
    .description(
      "store the control plane's URL (--url, required) and API key in the config file (mode 0600); the key is asked for, never an argument",
    )
    .action(async () => {
      const url = globals().url;
      if (!url)
        throw new UsageError("login needs --url, the control plane's origin (e.g. http://127.0.0.1:7071)");
      const key = await readSecret("API key: ");
      const file = configPath(process.env, globals().config);
      const cfg = resolveConfig({ url }, { OPENCLAWPS_KEY: key, OPENCLAWPS_CONFIG: "/nonexistent" });
      await createClient(cfg).call("GET", "/health");
      writeConfig(file, cfg);
      out.write(`saved ${cfg.url} to ${file}\n`);
    });

  program
    .command("claws")
    .description("list the claws")
    .action(async () => {
      const r = await client().call<{ claws: Row[] }>("GET", "/fleet");
      print(globals().json, r, () =>
        table(
          ["NAME", "POWER", "IMAGE", "HEALTH", "NEXT", "OPERATION"],
          r.claws.map((c) => {
            const o = c.observed as Row;
            const v = o.lastVerify as { ok: boolean; at: string; failed: string[] } | undefined;
            const next = c.next as { action: string; at: string } | undefined;
            const op = c.operation as { kind: string; step?: string } | undefined;
            return [
              c.name as string,
              (o.powerState as string) ?? "not deployed",
              (o.imageVersion as string) ?? `(${(c.spec as Row).imageVersion as string})`,
              v ? `${v.ok ? "healthy" : `failing ${v.failed.join(",")}`} ${ago(v.at)}` : "unknown",
              next ? `${next.action} ${next.at}` : "",
              op ? `${op.kind}: ${op.step ?? "starting"}` : "",
            ];
          }),
        ),
      );
    });

  program
    .command("claw <name>")
    .description("one claw: spec, observed state, last verify")
    .action(async (name: string) => {
      const c = await client().call<Row>("GET", `/claws/${enc(name)}`);
      print(globals().json, c, () => {
        const s = c.spec as Row;
        const o = c.observed as Row;
        const v = o.lastVerify as { ok: boolean; at: string; total: number; failed: string[] } | undefined;
        return [
          `name:        ${c.name as string}`,
          `region:      ${s.region as string}`,
          `vm size:     ${s.vmSize as string}`,
          `image:       ${(o.imageVersion as string) ?? "-"} (desired ${s.imageVersion as string})`,
          `power:       ${(o.powerState as string) ?? "not deployed"}`,
          `public ip:   ${(o.publicIp as string) ?? "-"}`,
          `schedule:    ${s.schedule ? JSON.stringify(s.schedule) : "fleet default"}`,
          `last verify: ${v ? `${v.ok ? "passed" : `failed (${v.failed.join(", ")})`}, ${v.total} checks, ${ago(v.at)}` : "never"}`,
          `operation:   ${(c.runningOperationId as string) ?? "-"}`,
          "",
        ].join("\n");
      });
    });

  program
    .command("create <name>")
    .description("create a claw (desired state; 'deploy' starts it)")
    .requiredOption("--region <region>", "Azure region, e.g. westus")
    .requiredOption("--vm-size <size>", "VM size, e.g. Standard_D2s_v5")
    .requiredOption("--image <version>", "gallery image version, e.g. 1.0.0")
    .option("--schedule <json>", 'schedule as JSON, e.g. \'{"mode":"always-on"}\'')
    .option("--model <id>", "the agent's default model")
    .action(
      async (
        name: string,
        o: { region: string; vmSize: string; image: string; schedule?: string; model?: string },
      ) => {
        const spec: Row = { name, region: o.region, vmSize: o.vmSize, imageVersion: o.image };
        if (o.schedule) {
          try {
            spec.schedule = JSON.parse(o.schedule);
          } catch {
            throw new UsageError(`--schedule must be JSON, like '{"mode":"always-on"}'`);
          }
        }
        if (o.model) spec.defaultModel = o.model;
        const c = await client().call<Row>("POST", "/claws", spec);
        print(
          globals().json,
          c,
          () =>
            `created ${c.name as string}; give it its own Telegram bot (openclawps secrets set ${c.name as string} TELEGRAM_BOT_TOKEN), then deploy it: openclawps deploy ${c.name as string}\n`,
        );
      },
    );

  for (const saga of SAGAS) {
    const cmd = program
      .command(`${saga} <name>`)
      .description(`start the ${saga} saga${saga === "upgrade" ? " (--to VERSION)" : ""}`)
      .option("--wait", "follow the saga's steps until it ends; exit 1 when it failed");
    if (saga === "upgrade") cmd.requiredOption("--to <version>", "image version to upgrade to");
    if (saga === "wake")
      cmd.addOption(new Option("--hours <n>", "stay awake this many hours").argParser(intArg("--hours")));
    cmd.action(async (name: string, o: { wait?: boolean; to?: string; hours?: number }) => {
      const body =
        saga === "upgrade"
          ? { toVersion: o.to }
          : saga === "wake" && o.hours
            ? { awakeHours: o.hours }
            : undefined;
      const c = client();
      const r = await c.call<{ operationId: string; statusUrl: string }>(
        "POST",
        `/claws/${enc(name)}/${saga}`,
        body,
      );
      await followOrPrint(c, r, o.wait, `${saga} ${name}`);
    });
  }

  program
    .command("destroy <name>")
    .description("delete the claw's VM, NIC and IP (the data disk stays unless --delete-disk)")
    .option("--delete-disk", "also delete the data disk, after a final snapshot")
    .option("--yes", "do not ask for confirmation (required when not on a terminal)")
    .option("--wait", "follow the saga until it ends")
    .action(async (name: string, o: { deleteDisk?: boolean; yes?: boolean; wait?: boolean }) => {
      if (!o.yes) {
        if (!process.stdin.isTTY)
          throw new UsageError(
            `destroy asks for confirmation; pass --yes to destroy ${name} without a terminal`,
          );
        const answer = await readSecret(
          `type the claw's name (${name}) to destroy it${o.deleteDisk ? " AND its data disk" : ""}: `,
          false,
        );
        if (answer.trim() !== name) throw new UsageError("not confirmed; nothing was destroyed");
      }
      const c = client();
      const r = await c.call<{ operationId: string; statusUrl: string }>(
        "DELETE",
        `/claws/${enc(name)}${o.deleteDisk ? "?deleteDisk=true" : ""}`,
      );
      await followOrPrint(c, r, o.wait, `destroy ${name}`);
    });

  program
    .command("ops")
    .description("operations, newest first")
    .option("--claw <name>", "only this claw's")
    .option("--status <status>", "running | succeeded | failed | compensated")
    .addOption(new Option("--limit <n>", "at most this many").argParser(intArg("--limit")).default(30))
    .action(async (o: { claw?: string; status?: string; limit: number }) => {
      const q = new URLSearchParams({ limit: String(o.limit) });
      if (o.claw) q.set("claw", o.claw);
      if (o.status) q.set("status", o.status);
      const r = await client().call<{ operations: Operation[] }>("GET", `/operations?${q}`);
      print(globals().json, r, () =>
        table(
          ["ID", "KIND", "CLAW", "STATUS", "STARTED", "TOOK", "ERROR"],
          r.operations.map((op) => [
            op.id,
            op.kind,
            op.claw,
            op.status,
            ago(op.startedAt),
            op.endedAt ? seconds(Date.parse(op.endedAt) - Date.parse(op.startedAt)) : "",
            op.error ? `${op.error.code}: ${op.error.message}`.slice(0, 80) : "",
          ]),
        ),
      );
    });

  program
    .command("op <id>")
    .description("one operation with its steps")
    .option("--wait", "follow it until it ends")
    .action(async (id: string, o: { wait?: boolean }) => {
      const c = client();
      if (o.wait) return finish(await waitForOperation(c, id, { out, quiet: globals().json }));
      const op = await c.call<Operation>("GET", `/operations/${enc(id)}`);
      print(globals().json, op, () => describe(op));
    });

  const rollout = program
    .command("rollout")
    .description("fleet upgrades: create, show, approve, reject, pause, resume, cancel");
  rollout
    .command("create")
    .description("start a rollout to an image version")
    .requiredOption("--version <version>", "image version")
    .addOption(new Option("--canary <n>", "canary claws (a count)").argParser(intArg("--canary")))
    .addOption(new Option("--batch-size <n>", "claws per batch").argParser(intArg("--batch-size")))
    .addOption(new Option("--soak <minutes>", "wait between batches").argParser(Number))
    .addOption(
      new Option("--max-unhealthy <n>", "halt after more failures than this").argParser(
        intArg("--max-unhealthy"),
      ),
    )
    .option("--approval", "wait for an approval after the canary")
    .action(
      async (o: {
        version: string;
        canary?: number;
        batchSize?: number;
        soak?: number;
        maxUnhealthy?: number;
        approval?: boolean;
      }) => {
        const body: Row = { version: o.version };
        if (o.canary !== undefined) body.canary = o.canary;
        if (o.batchSize !== undefined) body.batchSize = o.batchSize;
        if (o.soak !== undefined) body.soakMinutes = o.soak;
        if (o.maxUnhealthy !== undefined) body.maxUnhealthy = o.maxUnhealthy;
        if (o.approval) body.approval = true;
        const r = await client().call<{ rolloutId: string }>("POST", "/rollouts", body);
        print(
          globals().json,
          r,
          () => `rollout ${r.rolloutId} started; follow it with: openclawps rollout show ${r.rolloutId}\n`,
        );
      },
    );
  rollout
    .command("show [id]")
    .description("one rollout with its claws, or the list")
    .action(async (id?: string) => {
      const c = client();
      if (!id) {
        const r = await c.call<{ rollouts: Row[] }>("GET", "/rollouts");
        return print(globals().json, r, () =>
          table(
            ["ID", "VERSION", "STATUS", "PHASE", "CREATED"],
            r.rollouts.map((x) => [
              x.id as string,
              x.version as string,
              x.status as string,
              (x.phase ?? x.reason) as string,
              ago(x.createdAt as string),
            ]),
          ),
        );
      }
      const r = await c.call<Row & { claws: Row[] }>("GET", `/rollouts/${enc(id)}`);
      print(
        globals().json,
        r,
        () =>
          `rollout ${r.id as string} to ${r.version as string}: ${r.status as string}${r.phase ? ` (${r.phase as string})` : ""}${r.reason ? ` — ${r.reason as string}` : ""}\n` +
          table(
            ["CLAW", "PHASE", "STATUS", "DETAIL"],
            r.claws.map((x) => [x.claw as string, x.phase as string, x.status as string, x.detail as string]),
          ),
      );
    });
  for (const control of ROLLOUT_CONTROLS) {
    rollout
      .command(`${control} <id>`)
      .description(`${control} the rollout`)
      .action(async (id: string) => {
        const r = await client().call<Row>("POST", `/rollouts/${enc(id)}/${control}`);
        print(globals().json, r, () => `${control}: sent to rollout ${id}\n`);
      });
  }

  program
    .command("images")
    .description("gallery image versions the control plane knows")
    .action(async () => {
      const r = await client().call<{ images: Row[] }>("GET", "/images");
      print(globals().json, r, () =>
        table(
          ["VERSION", "STATE", "REGIONS", "REGISTERED"],
          r.images.map((i) => [
            i.version as string,
            i.state as string,
            ((i.regions as string[]) ?? []).join(","),
            ago(i.registeredAt as string),
          ]),
        ),
      );
    });

  const secrets = program
    .command("secrets")
    .description("a claw's secrets (write-only: values are never shown)");
  secrets
    .command("set <claw> <key>")
    .description("set a secret; the value comes from stdin or a hidden prompt, never an argument")
    .action(async (claw: string, key: string) => {
      const value = (await readSecret(`${key} for ${claw}: `)).replace(/\r?\n$/, "");
      if (!value) throw new UsageError("the value is empty; pipe it on stdin or type it at the prompt");
      const r = await client().call<Row>("PUT", `/claws/${enc(claw)}/secrets/${enc(key)}`, { value });
      print(globals().json, r, () => `set ${key} on ${claw}\n`);
    });
  secrets
    .command("rm <claw> <key>")
    .description("delete a secret")
    .action(async (claw: string, key: string) => {
      const r = await client().call<Row>("DELETE", `/claws/${enc(claw)}/secrets/${enc(key)}`);
      print(globals().json, r, () => `removed ${key} from ${claw}\n`);
    });
  secrets
    .command("ls <claw>")
    .description("secret names, versions and when each was last delivered")
    .action(async (claw: string) => {
      const r = await client().call<{ secrets?: Row[] }>("GET", `/claws/${enc(claw)}/secrets`);
      print(globals().json, r, () =>
        table(
          ["KEY", "VERSION", "DELIVERED"],
          (r.secrets ?? []).map((s) => [
            (s.key ?? s.name) as string,
            s.version as string,
            (s.deliveredAt ?? s.lastDeliveredAt) as string,
          ]),
        ),
      );
    });

  program
    .command("logs <name>")
    .description("the last lines of a running claw's log (secrets redacted)")
    .addOption(
      new Option("--source <source>", "log to read")
        .choices(["boot", "gateway", "updates", "verify"])
        .default("boot"),
    )
    .addOption(
      new Option("--lines <n>", "how many lines (1..2000)").argParser(intArg("--lines")).default(200),
    )
    .action(async (name: string, o: { source: string; lines: number }) => {
      const r = await client().call<{ lines: string[] }>(
        "GET",
        `/claws/${enc(name)}/logs?source=${o.source}&lines=${o.lines}`,
      );
      print(globals().json, r, () => r.lines.map((l) => l + "\n").join(""));
    });

  async function followOrPrint(
    c: Client,
    r: { operationId: string; statusUrl: string },
    wait: boolean | undefined,
    what: string,
  ) {
    if (!wait)
      return print(
        globals().json,
        r,
        () =>
          `${what}: started operation ${r.operationId}; follow it with: openclawps op ${r.operationId} --wait\n`,
      );
    finish(await waitForOperation(c, r.operationId, { out, quiet: globals().json }));
  }

  function finish(op: Operation): void {
    if (globals().json) out.write(JSON.stringify(op, null, 2) + "\n");
    else
      out.write(
        `${op.kind} ${op.claw}: ${op.status}${op.endedAt ? ` in ${seconds(Date.parse(op.endedAt) - Date.parse(op.startedAt))}` : ""}\n`,
      );
    if (op.status !== "succeeded") {
      const why = op.error
        ? `${op.error.step ? `${op.error.step}: ` : ""}${op.error.message} (${op.error.code})`
        : "no error recorded";
      process.stderr.write(`openclawps: ${op.kind} ${op.claw} ${op.status}: ${why}\n`);
      process.exitCode = 1;
    }
  }

  return program;
}

function describe(op: Operation): string {
  const lines = [`${op.kind} ${op.claw}: ${op.status} (operation ${op.id}, started ${op.startedAt})`];
  for (const s of op.steps) {
    const ms = (s.endedAt ? Date.parse(s.endedAt) : Date.now()) - Date.parse(s.startedAt);
    lines.push(
      `  ${s.endedAt ? (s.ok === false ? "✗" : "✓") : "…"} ${s.name.padEnd(28)} ${seconds(ms).padStart(9)}${s.detail ? `  ${s.detail}` : ""}`,
    );
  }
  if (op.error)
    lines.push(`error: ${op.error.step ? `${op.error.step}: ` : ""}${op.error.message} (${op.error.code})`);
  return lines.join("\n") + "\n";
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (e instanceof UsageError) {
      process.stderr.write(`openclawps: ${e.message}\n`);
      return 2;
    }
    if (e instanceof ApiError) {
      process.stderr.write(`openclawps: ${e.message}${e.code.startsWith("HTTP_") ? "" : ` (${e.code})`}\n`);
      if (e.operationId) process.stderr.write(`openclawps: running operation: ${e.operationId}\n`);
      return e.status === 0 ? 2 : 1;
    }
    process.stderr.write(`openclawps: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}

if (require.main === module) {
  void main(process.argv).then((code) => {
    process.exitCode = code;
  });
}
