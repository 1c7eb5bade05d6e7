import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { SecretProperties } from "@azure/keyvault-secrets";
import { afterEach, describe, expect, it } from "vitest";
import {
  clawSecretName,
  createKeyVaultSecretStore,
  createLocalFileSecretStore,
  createSecretStore,
  fleetSecretName,
  redact,
  sshPublicKeyOf,
  type SecretClientLike,
} from "../../core/secrets";
import { clawError } from "../helpers/errors";
import { generateSshKeyPair } from "../../core/guest/keys";

const dirs: string[] = [];
function tempFile(content?: unknown): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "secrets-"));
  dirs.push(dir);
  const file = path.join(dir, "local.secrets.json");
  if (content !== undefined)
    fs.writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content), { mode: 0o600 });
  return file;
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe("local secrets file", () => {
  it("getClawSecrets: fleet secrets overlaid with the claw's own", async () => {
    const file = tempFile({
      fleet: { ANTHROPIC_API_KEY: "fleet-key", OPENAI_API_KEY: "o" },
      claws: { alice: { ANTHROPIC_API_KEY: "alice-key", TELEGRAM_BOT_TOKEN: "t" } },
    });
    const store = createLocalFileSecretStore({ file });
    expect(await store.getClawSecrets("alice")).toEqual({
      ANTHROPIC_API_KEY: "alice-key",
      OPENAI_API_KEY: "o",
      TELEGRAM_BOT_TOKEN: "t",
    });
    expect(await store.getClawSecrets("bob")).toEqual({
      ANTHROPIC_API_KEY: "fleet-key",
      OPENAI_API_KEY: "o",
    });
  });

  it("getControlPlaneSshKey: generates an ed25519 key into the file (0600) once, then reuses it", async () => {
    const file = tempFile({ claws: { alice: { K: "v" } } });
    const store = createLocalFileSecretStore({ file, generateSshKey: true });
    const [k1, k2] = await Promise.all([store.getControlPlaneSshKey(), store.getControlPlaneSshKey()]);
    expect(k1).toBe(k2);
    expect(k1).toContain("OPENSSH PRIVATE KEY");
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const saved = JSON.parse(fs.readFileSync(file, "utf8"));
    expect(saved.sshPrivateKey).toBe(k1);
    expect(saved.claws).toEqual({ alice: { K: "v" } });
    const again = createLocalFileSecretStore({ file, generateSshKey: true });
    expect(await again.getControlPlaneSshKey()).toBe(k1);
    expect(await again.getControlPlaneSshPublicKey()).toMatch(/^ssh-ed25519 AAAA[A-Za-z0-9+/=]+$/);
    expect(fs.readdirSync(path.dirname(file))).toEqual(["local.secrets.json"]);
  });

  it("getControlPlaneSshKey: creates the file when it does not exist (twin)", async () => {
    const file = tempFile();
    await createLocalFileSecretStore({ file, generateSshKey: true }).getControlPlaneSshKey();
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(await createLocalFileSecretStore({ file }).getClawSecrets("alice")).toEqual({});
  });

  it("getControlPlaneSshKey: without generation a missing key is an error", async () => {
    const e = await clawError(createLocalFileSecretStore({ file: tempFile({}) }).getControlPlaneSshKey());
    expect(e.message).toMatch(/has no sshPrivateKey/);
  });

  it("load: a malformed file is an error that never quotes a secret", async () => {
    const notJson = await clawError(
      createLocalFileSecretStore({ file: tempFile('{"fleet": {"K": "s3cr3t-value"') }).getClawSecrets("a"),
    );
    expect(notJson.message).toMatch(/is not valid JSON/);
    expect(notJson.message).not.toContain("s3cr3t");
    const badKey = await clawError(
      createLocalFileSecretStore({
        file: tempFile({ fleet: { "bad-key": "s3cr3t-value", N: 5 } }),
      }).getClawSecrets("a"),
    );
    expect(badKey.message).toMatch(/malformed: .*fleet.*must be an env-style name/);
    expect(badKey.message).toMatch(/fleet\.N: expected string, received number/);
    expect(badKey.message).not.toContain("s3cr3t");
  });
});

/** An in-memory stand-in for SecretClient's two calls. */
function fakeVault(
  secrets: { name: string; value: string; enabled?: boolean; tags?: Record<string, string> }[],
): SecretClientLike & { gets: string[] } {
  const gets: string[] = [];
  return {
    gets,
    getSecret: async (name: string) => {
      gets.push(name);
      const s = secrets.find((x) => x.name === name);
      if (!s) throw Object.assign(new Error("SecretNotFound"), { statusCode: 404 });
      return { name, value: s.value, properties: { name, vaultUrl: "https://v" } };
    },
    listPropertiesOfSecrets: () => {
      const props = secrets.map(
        (s) =>
          ({ name: s.name, enabled: s.enabled, tags: s.tags, vaultUrl: "https://v" }) as SecretProperties,
      );
      async function* iter() {
        yield* props;
      }
      return Object.assign(iter(), {
        byPage: () => {
          throw new Error("not used");
        },
      });
    },
  } as unknown as SecretClientLike & { gets: string[] };
}

describe("key vault secret store", () => {
  it("naming: env names become lower-case hyphenated secret names", () => {
    expect(clawSecretName("alice", "TELEGRAM_BOT_TOKEN")).toBe("claw-alice-telegram-bot-token");
    expect(fleetSecretName("ANTHROPIC_API_KEY")).toBe("fleet-anthropic-api-key");
  });

  it("getClawSecrets: maps claw and fleet secrets back to env names; the claw's win; disabled ones are skipped", async () => {
    const client = fakeVault([
      { name: "fleet-anthropic-api-key", value: "fleet" },
      { name: "claw-alice-anthropic-api-key", value: "alice" },
      { name: "claw-alice-telegram-bot-token", value: "tok" },
      { name: "claw-alice-old-key", value: "x", enabled: false },
      { name: "claw-alice-bob-token", value: "bobs", tags: { claw: "alice-bob" } },
      { name: "claw-alice-weird", value: "w", tags: { env: "Weird_Name" } },
      { name: "claw-bob-telegram-bot-token", value: "other" },
      { name: "control-plane-ssh-key", value: "k" },
    ]);
    const store = createKeyVaultSecretStore({ vaultUrl: "https://v.vault.azure.net", client });
    expect(await store.getClawSecrets("alice")).toEqual({
      ANTHROPIC_API_KEY: "alice",
      TELEGRAM_BOT_TOKEN: "tok",
      Weird_Name: "w",
    });
    expect(await store.getClawSecrets("alice-bob")).toEqual({ ANTHROPIC_API_KEY: "fleet", TOKEN: "bobs" });
    expect(client.gets).not.toContain("claw-alice-old-key");
  });

  it("getControlPlaneSshKey: reads the configured secret; a missing one is a clear error", async () => {
    const key = generateSshKeyPair();
    const client = fakeVault([{ name: "my-ssh", value: key.private }]);
    const store = createKeyVaultSecretStore({ vaultUrl: "https://v", client, sshKeySecretName: "my-ssh" });
    expect(await store.getControlPlaneSshKey()).toBe(key.private);
    expect(await store.getControlPlaneSshPublicKey()).toBe(
      key.public.trim().split(" ").slice(0, 2).join(" "),
    );
    const missing = createKeyVaultSecretStore({ vaultUrl: "https://v", client });
    const e = await clawError(missing.getControlPlaneSshKey());
    expect(e.message).toBe("Key Vault secret 'control-plane-ssh-key' could not be read (404)");
    expect(e.retryable).toBe(false);
  });
});

describe("secret helpers", () => {
  it("redact: masks every occurrence, longest first, ignoring trivial values", () => {
    const text = "token=abc123XYZ and again abc123XYZ; key=abc123; flag=1";
    expect(redact(text, { T: "abc123XYZ", K: "abc123", F: "1" })).toBe(
      "token=[REDACTED] and again [REDACTED]; key=[REDACTED]; flag=1",
    );
    expect(redact("nothing here", ["secretvalue"])).toBe("nothing here");
  });

  it("sshPublicKeyOf: refuses text that is not a key", () => {
    expect(() => sshPublicKeyOf("not a key")).toThrow(/cannot be parsed/);
  });

  it("createSecretStore: Key Vault when configured, else the local file, else an error", async () => {
    const file = tempFile({ fleet: { A: "1" } });
    expect(await createSecretStore({ localSecretsFile: file }).getClawSecrets("x")).toEqual({ A: "1" });
    expect(() => createSecretStore({})).toThrow(/KEY_VAULT_URI or LOCAL_SECRETS_FILE/);
  });
});
