/**
 * The delivery activities alone, with stand-in ports: what travels to the claw, what is recorded,
 * and what a deploy is refused for before it touches Azure.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { agentSettings, createDeliveryActivities } from "../../orchestrations/activities/delivery";
import type { ActivityDeps } from "../../orchestrations/activities/ports";
import type { ClawObserved } from "../../core/state";
import { renderSecretsFile } from "../../core/guest/secrets-file";
import { clawError } from "../helpers/errors";

const sha = (s: string) => createHash("sha256").update(s).digest("hex");

function world(opts: { secrets?: Record<string, string>; holder?: string } = {}) {
  const spec = {
    name: "alice",
    region: "westus",
    vmSize: "Standard_D2s_v5",
    imageVersion: "1.0.0",
    tags: {},
    defaultModel: "xai/grok-4",
  };
  let observed: ClawObserved = { publicIp: "10.0.0.4", powerState: "running" };
  const secrets = { ...(opts.secrets ?? { ANTHROPIC_API_KEY: "sk-ant-1", TELEGRAM_BOT_TOKEN: "1:a" }) };
  const versions: Record<string, string> = Object.fromEntries(Object.keys(secrets).map((k) => [k, "1"]));
  const disk = new Map<string, string>();
  const sent: string[][] = [];
  const steps: string[] = [];
  const deps = {
    state: {
      operations: {
        startStep: async (_op: string, name: string) => void steps.push(name),
        endStep: async () => undefined,
      },
      claws: {
        require: async () => ({ name: "alice", spec, observed }),
        updateObserved: async (_n: string, patch: Partial<ClawObserved>) => {
          observed = { ...observed, ...patch };
        },
      },
    },
    guest: {
      exec: async () => ({
        code: 0,
        stdout: [...disk].map(([name, content]) => `${sha(content)}  ${name}`).join("\n"),
        stderr: "",
      }),
      deliverSecrets: async (a: {
        secrets: Record<string, string>;
        accessPassword?: string;
        settings?: Record<string, string>;
        only?: readonly string[];
      }) => {
        sent.push([...(a.only ?? [])]);
        if (a.only?.includes("secrets")) disk.set("claw.env", renderSecretsFile(a.secrets));
        if (a.only?.includes("access-password")) disk.set("access-password", `${a.accessPassword}\n`);
        if (a.only?.includes("settings")) disk.set("claw-settings.env", renderSecretsFile(a.settings ?? {}));
      },
    },
    secrets: {
      clawSecrets: async () => ({ ...secrets }),
      secretVersions: async () => ({ ...versions }),
      accessPassword: async () => ({ password: "Pw-AAAA-2222", version: "1", created: false }),
      clawHolding: async () => opts.holder,
    },
    agentDefaults: { operatorTelegramId: "42" },
  } as unknown as ActivityDeps;
  return {
    a: createDeliveryActivities(deps),
    sent,
    steps,
    secrets,
    versions,
    observed: () => observed,
  };
}

const input = { op: "op-1", claw: "alice" };

describe("deliverSecrets", () => {
  it("sends every file the first time, nothing when all are current, then only what changed", async () => {
    const w = world();
    expect((await w.a.deliverSecrets(input)).changed).toEqual(["secrets", "access-password", "settings"]);
    expect((await w.a.deliverSecrets(input)).changed).toEqual([]);
    expect(w.sent).toHaveLength(1);
    w.secrets.ANTHROPIC_API_KEY = "sk-ant-2";
    w.versions.ANTHROPIC_API_KEY = "2";
    expect((await w.a.deliverSecrets(input)).changed).toEqual(["secrets"]);
    expect(w.sent.at(-1)).toEqual(["secrets"]);
  });

  it("records per key the version on the claw and since when; never a value", async () => {
    const w = world();
    await w.a.deliverSecrets(input);
    const first = w.observed().delivered!;
    expect(first.secrets.ANTHROPIC_API_KEY.version).toBe("1");
    expect(first.accessPassword?.version).toBe("1");
    w.secrets.ANTHROPIC_API_KEY = "sk-ant-2";
    w.versions.ANTHROPIC_API_KEY = "2";
    await new Promise((r) => setTimeout(r, 5));
    await w.a.deliverSecrets(input);
    const second = w.observed().delivered!;
    expect(second.secrets.ANTHROPIC_API_KEY.version).toBe("2");
    expect(second.secrets.ANTHROPIC_API_KEY.at > first.secrets.ANTHROPIC_API_KEY.at).toBe(true);
    expect(second.secrets.TELEGRAM_BOT_TOKEN).toEqual(first.secrets.TELEGRAM_BOT_TOKEN);
    expect(JSON.stringify(second)).not.toMatch(/sk-ant|Pw-AAAA/);
  });

  it("agentSettings: the claw's values over the fleet's defaults", () => {
    const spec = { name: "alice", region: "w", vmSize: "v", imageVersion: "1.0.0", tags: {} };
    expect(agentSettings(spec, { defaultModel: "m", operatorTelegramId: "1" })).toEqual({
      CLAW_NAME: "alice",
      DEFAULT_MODEL: "m",
      OPERATOR_TELEGRAM_ID: "1",
    });
    expect(agentSettings({ ...spec, defaultModel: "own" }, { defaultModel: "m" }).DEFAULT_MODEL).toBe("own");
  });
});

describe("checkSecrets", () => {
  it("refuses a claw without a model key, naming the keys", async () => {
    const e = await clawError(world({ secrets: { TELEGRAM_BOT_TOKEN: "1:a" } }).a.checkSecrets(input));
    expect(e.code).toBe("BAD_REQUEST");
    expect(e.message).toMatch(/no model provider key: set at least one of XAI_API_KEY, OPENAI_API_KEY/);
  });

  it("refuses a claw without a Telegram bot token, saying how to set one", async () => {
    const e = await clawError(world({ secrets: { ANTHROPIC_API_KEY: "sk-ant-x" } }).a.checkSecrets(input));
    expect(e.code).toBe("BAD_REQUEST");
    expect(e.message).toMatch(/no Telegram bot token: .*secrets\/TELEGRAM_BOT_TOKEN/);
  });

  it("refuses a bot token another claw holds, naming that claw and not the token", async () => {
    const e = await clawError(world({ holder: "bob" }).a.checkSecrets(input));
    expect(e.code).toBe("CONFLICT");
    expect(e.message).toMatch(/the one claw 'bob' uses/);
    expect(e.message).not.toContain("1:a");
  });

  it("passes with a model key and a token of its own", async () => {
    const w = world();
    expect(await w.a.checkSecrets(input)).toEqual({ providers: ["ANTHROPIC_API_KEY"] });
    expect(w.steps).toEqual(["check-secrets"]);
  });
});
