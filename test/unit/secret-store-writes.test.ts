import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { KeyVaultSecret, SecretProperties } from "@azure/keyvault-secrets";
import { afterEach, describe, expect, it } from "vitest";
import {
  checkSecretValue,
  createKeyVaultSecretStore,
  createLocalFileSecretStore,
  declaredSecretKeys,
  generateAccessPassword,
  secretKeySpec,
  type SecretClientLike,
} from "../../core/secrets";
import { clawError } from "../helpers/errors";

const dirs: string[] = [];
function tempFile(content: unknown): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "secret-writes-"));
  dirs.push(dir);
  const file = path.join(dir, "local.secrets.json");
  fs.writeFileSync(file, JSON.stringify(content), { mode: 0o600 });
  return file;
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const TOKEN_A = "111111:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
const TOKEN_B = "222222:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB";

describe("secret catalogue", () => {
  it("secretKeySpec: known and declared keys pass; unknown and malformed names say what to fix", () => {
    expect(secretKeySpec("ANTHROPIC_API_KEY", []).provider).toBe(true);
    expect(secretKeySpec("MY_TOOL_TOKEN", ["MY_TOOL_TOKEN"]).key).toBe("MY_TOOL_TOKEN");
    expect(() => secretKeySpec("MY_TOOL_TOKEN", [])).toThrow(
      /unknown secret 'MY_TOOL_TOKEN': allowed are TELEGRAM_BOT_TOKEN/,
    );
    expect(() => secretKeySpec("my-key", [])).toThrow(/is malformed: use upper-case letters/);
  });

  it("checkSecretValue: refuses empty, too long, control characters, padding and bad shapes, never quoting the value", () => {
    const tg = secretKeySpec("TELEGRAM_BOT_TOKEN", []);
    expect(checkSecretValue(tg, TOKEN_A)).toBe(TOKEN_A);
    for (const bad of ["", "x".repeat(9000), "123:abc\nX=1", ` ${TOKEN_A}`, "123456:short", 5]) {
      let message = "";
      try {
        checkSecretValue(tg, bad);
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message, String(bad)).toMatch(/^value of TELEGRAM_BOT_TOKEN: /);
      if (typeof bad === "string" && bad.length > 3) expect(message).not.toContain(bad.trim());
    }
    expect(() => checkSecretValue(secretKeySpec("TAILSCALE_AUTHKEY", []), "abc")).toThrow(/tskey-/);
  });

  it("declaredSecretKeys: reads EXTRA_SECRET_KEYS and refuses a malformed one", () => {
    expect(declaredSecretKeys({ EXTRA_SECRET_KEYS: "GH_TOKEN, SLACK_TOKEN" })).toEqual([
      "GH_TOKEN",
      "SLACK_TOKEN",
    ]);
    expect(() => declaredSecretKeys({ EXTRA_SECRET_KEYS: "gh-token" })).toThrow(
      /EXTRA_SECRET_KEYS holds 'gh-token'/,
    );
  });

  it("generateAccessPassword: 24 characters of each class, different every time", () => {
    const a = generateAccessPassword();
    expect(a).toMatch(/^[A-Za-z2-9]{24}$/);
    expect(a).toMatch(/[A-Z]/);
    expect(a).toMatch(/[a-z]/);
    expect(a).toMatch(/[2-9]/);
    expect(generateAccessPassword()).not.toBe(a);
  });
});

describe("local secrets file: writes", () => {
  it("put/list/delete: versions count up per key; list shows names and versions, the fleet's inherited ones too", async () => {
    const file = tempFile({
      fleet: { ANTHROPIC_API_KEY: "f", OPENAI_API_KEY: "o" },
      claws: { alice: { OPENAI_API_KEY: "mine" } },
    });
    const store = createLocalFileSecretStore({ file });
    expect((await store.putClawSecret("alice", "XAI_API_KEY", "x1")).version).toBe("1");
    expect((await store.putClawSecret("alice", "XAI_API_KEY", "x2")).version).toBe("2");
    const listed = await store.listClawSecrets("alice");
    expect(listed.map((s) => [s.key, s.scope, s.version])).toEqual([
      ["OPENAI_API_KEY", "claw", "0"],
      ["XAI_API_KEY", "claw", "2"],
      ["ANTHROPIC_API_KEY", "fleet", "0"],
    ]);
    expect(JSON.stringify(listed)).not.toMatch(/"x2"|"mine"/);
    expect(await store.deleteClawSecret("alice", "XAI_API_KEY")).toBe(true);
    expect(await store.deleteClawSecret("alice", "XAI_API_KEY")).toBe(false);
    expect((await store.getClawSecrets("alice")).XAI_API_KEY).toBeUndefined();
    // A value put again after a delete gets a version never seen before.
    expect((await store.putClawSecret("alice", "XAI_API_KEY", "x3")).version).toBe("3");
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  it("findClawHolding: names the other claw with the same value, never the asking one", async () => {
    const file = tempFile({
      claws: { alice: { TELEGRAM_BOT_TOKEN: TOKEN_A }, bob: { TELEGRAM_BOT_TOKEN: TOKEN_B } },
    });
    const store = createLocalFileSecretStore({ file });
    expect(await store.findClawHolding("TELEGRAM_BOT_TOKEN", TOKEN_A, "carol")).toBe("alice");
    expect(await store.findClawHolding("TELEGRAM_BOT_TOKEN", TOKEN_A, "alice")).toBeUndefined();
    expect(await store.findClawHolding("TELEGRAM_BOT_TOKEN", "999:none", "carol")).toBeUndefined();
  });

  it("getClawSecrets: a fleet-wide TELEGRAM_BOT_TOKEN is refused, saying how to move it", async () => {
    const store = createLocalFileSecretStore({ file: tempFile({ fleet: { TELEGRAM_BOT_TOKEN: TOKEN_A } }) });
    const e = await clawError(store.getClawSecrets("alice"));
    expect(e.code).toBe("CONFLICT");
    expect(e.message).toMatch(/TELEGRAM_BOT_TOKEN is set for the whole fleet .*every claw needs its own bot/);
    expect(e.message).not.toContain(TOKEN_A);
  });

  it("access password: absent before the first set, then versioned and kept apart from the env", async () => {
    const file = tempFile({});
    const store = createLocalFileSecretStore({ file });
    expect(await store.getAccessPassword("alice")).toBeUndefined();
    expect((await store.setAccessPassword("alice", "pw-1")).version).toBe("1");
    expect((await store.setAccessPassword("alice", "pw-2")).version).toBe("2");
    expect(await store.getAccessPassword("alice")).toEqual({ password: "pw-2", version: "2" });
    expect(await store.getClawSecrets("alice")).toEqual({});
  });
});

/** An in-memory Key Vault: versions, tags, enabled flags, as SecretClient reports them. */
function fakeVault() {
  const versions = new Map<
    string,
    { value: string; version: string; enabled: boolean; tags?: Record<string, string>; at: Date }[]
  >();
  let n = 0;
  const props = (
    name: string,
    v: { version: string; enabled: boolean; tags?: Record<string, string>; at: Date },
  ) =>
    ({
      name,
      version: v.version,
      enabled: v.enabled,
      tags: v.tags,
      updatedOn: v.at,
      vaultUrl: "https://v",
    }) as SecretProperties;
  const latest = (name: string) => versions.get(name)?.at(-1);
  const client = {
    gets: [] as string[],
    async getSecret(name: string) {
      client.gets.push(name);
      const v = latest(name);
      if (!v) throw Object.assign(new Error("SecretNotFound"), { statusCode: 404 });
      return { name, value: v.value, properties: props(name, v) } as KeyVaultSecret;
    },
    async setSecret(
      name: string,
      value: string,
      opts: { tags?: Record<string, string>; enabled?: boolean } = {},
    ) {
      const v = { value, version: `v${++n}`, enabled: opts.enabled ?? true, tags: opts.tags, at: new Date() };
      versions.set(name, [...(versions.get(name) ?? []), v]);
      return { name, value, properties: props(name, v) } as KeyVaultSecret;
    },
    async updateSecretProperties(name: string, version: string, opts: { enabled?: boolean }) {
      const v = versions.get(name)?.find((x) => x.version === version);
      if (!v) throw Object.assign(new Error("not found"), { statusCode: 404 });
      if (opts.enabled !== undefined) v.enabled = opts.enabled;
      return props(name, v);
    },
    listPropertiesOfSecrets() {
      const all = [...versions.entries()].map(([name]) => props(name, latest(name)!));
      async function* iter() {
        yield* all;
      }
      return Object.assign(iter(), { byPage: () => iter() });
    },
  };
  return client;
}

describe("key vault secret store: writes", () => {
  it("put: a new version tagged with the owner, env name and a keyed fingerprint (never the value)", async () => {
    const vault = fakeVault();
    const store = createKeyVaultSecretStore({
      vaultUrl: "https://v",
      client: vault as unknown as SecretClientLike,
    });
    const a = await store.putClawSecret("alice", "TELEGRAM_BOT_TOKEN", TOKEN_A);
    const b = await store.putClawSecret("alice", "TELEGRAM_BOT_TOKEN", TOKEN_B);
    expect(a.version).not.toBe(b.version);
    const p = (await vault.getSecret("claw-alice-telegram-bot-token")).properties;
    expect(p.tags).toMatchObject({
      claw: "alice",
      env: "TELEGRAM_BOT_TOKEN",
      fp: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(JSON.stringify(p.tags)).not.toContain(TOKEN_B.split(":")[1]);
    expect(await store.getClawSecrets("alice")).toEqual({ TELEGRAM_BOT_TOKEN: TOKEN_B });
  });

  it("findClawHolding: compares fingerprints without reading values, and hashes values written by hand", async () => {
    const vault = fakeVault();
    const store = createKeyVaultSecretStore({
      vaultUrl: "https://v",
      client: vault as unknown as SecretClientLike,
    });
    await store.putClawSecret("alice", "TELEGRAM_BOT_TOKEN", TOKEN_A);
    await vault.setSecret("claw-bob-telegram-bot-token", TOKEN_B); // by hand: no tags
    vault.gets.length = 0;
    expect(await store.findClawHolding("TELEGRAM_BOT_TOKEN", TOKEN_A, "carol")).toBe("alice");
    expect(vault.gets).not.toContain("claw-alice-telegram-bot-token");
    expect(await store.findClawHolding("TELEGRAM_BOT_TOKEN", TOKEN_B, "carol")).toBe("bob");
    expect(await store.findClawHolding("TELEGRAM_BOT_TOKEN", TOKEN_A, "alice")).toBeUndefined();
  });

  it("delete disables the current version (the vault's soft delete never blocks a later put); list skips it", async () => {
    const vault = fakeVault();
    const store = createKeyVaultSecretStore({
      vaultUrl: "https://v",
      client: vault as unknown as SecretClientLike,
    });
    await store.putClawSecret("alice", "XAI_API_KEY", "x1");
    await vault.setSecret("fleet-anthropic-api-key", "f");
    expect((await store.listClawSecrets("alice")).map((s) => `${s.key}:${s.scope}`)).toEqual([
      "XAI_API_KEY:claw",
      "ANTHROPIC_API_KEY:fleet",
    ]);
    expect(await store.deleteClawSecret("alice", "XAI_API_KEY")).toBe(true);
    expect(await store.deleteClawSecret("alice", "XAI_API_KEY")).toBe(false);
    expect(await store.getClawSecrets("alice")).toEqual({ ANTHROPIC_API_KEY: "f" });
    await store.putClawSecret("alice", "XAI_API_KEY", "x2");
    expect((await store.getClawSecrets("alice")).XAI_API_KEY).toBe("x2");
  });

  it("a fleet-scope TELEGRAM_BOT_TOKEN is refused; the access password is its own secret, outside the env", async () => {
    const vault = fakeVault();
    const store = createKeyVaultSecretStore({
      vaultUrl: "https://v",
      client: vault as unknown as SecretClientLike,
    });
    await store.setAccessPassword("alice", "pw-1");
    expect(await store.getAccessPassword("alice")).toMatchObject({ password: "pw-1" });
    expect(await store.getClawSecrets("alice")).toEqual({});
    await vault.setSecret("fleet-telegram-bot-token", TOKEN_A);
    const e = await clawError(store.getClawSecrets("alice"));
    expect(e.message).toMatch(/Key Vault secret 'fleet-telegram-bot-token'/);
  });
});
