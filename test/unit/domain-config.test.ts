import * as fs from "node:fs";
import { describe, expect, it } from "vitest";
import { loadConfig, SETTINGS_NOT_IN_CATALOGUE, type Env } from "../../core/config";
import { ClawError } from "../../core/errors";
import { SETTINGS } from "../../core/settings";

const SUB = "11111111-2222-3333-4444-555555555555";
const fleet: Env = {
  AZURE_SUBSCRIPTION_ID: SUB,
  FLEET_RESOURCE_GROUP: "rg-claw-fleet",
  FLEET_LOCATION: "westus",
  FLEET_SUBNET_ID: `/subscriptions/${SUB}/resourceGroups/rg-claw-fleet/providers/Microsoft.Network/virtualNetworks/vnet-claw/subnets/snet-claws`,
  GALLERY_RESOURCE_GROUP: "rg-claw-images",
  GALLERY_NAME: "clawGallery",
  GALLERY_IMAGE_NAME: "claw-desktop",
};
const twin: Env = {
  ...fleet,
  ARM_ENDPOINT: "http://127.0.0.1:4010",
  AzureWebJobsStorage: "UseDevelopmentStorage=true",
};
const azure: Env = {
  ...fleet,
  AzureWebJobsStorage__accountName: "clawstate",
  AzureWebJobsStorage__clientId: "cid",
  DURABLE_HUB_NAME: "ClawHub",
  AZURE_CLIENT_ID: "cid",
  KEY_VAULT_URI: "https://claw-kv.vault.azure.net",
  TELEGRAM_BOT_TOKEN: "t",
  TELEGRAM_WEBHOOK_SECRET: "w",
  TELEGRAM_OPERATOR_IDS: "123, 456",
  TELEGRAM_OPERATOR_CHAT_ID: "-1001",
  BAKE_WEBHOOK_SECRET: "b",
};

function configError(env: Env): string {
  try {
    loadConfig(env);
  } catch (e) {
    if (e instanceof ClawError) return e.message;
    throw e;
  }
  throw new Error("expected the configuration to be refused");
}

describe("config", () => {
  it("loadConfig: the twin needs only the fleet's names; secrets come from the local file", () => {
    const c = loadConfig(twin);
    expect(c.mode).toBe("twin");
    expect(c.storage).toEqual({ kind: "connectionString", connectionString: "UseDevelopmentStorage=true" });
    expect(c.azure).toMatchObject({
      subscriptionId: SUB,
      location: "westus",
      armEndpoint: "http://127.0.0.1:4010",
    });
    expect(c.azure.gallery).toEqual({
      resourceGroup: "rg-claw-images",
      name: "clawGallery",
      imageName: "claw-desktop",
    });
    expect(c.secrets).toEqual({
      keyVaultUri: undefined,
      sshKeySecretName: "control-plane-ssh-key",
      localSecretsFile: "local.secrets.json",
      generateSshKey: true,
    });
    expect(c.ssh.adminUsername).toBe("clawadmin");
    expect(c.rolloutPolicy).toBe("record");
  });

  it("loadConfig: Azure uses identity-based storage and Key Vault", () => {
    const c = loadConfig(azure);
    expect(c.mode).toBe("azure");
    expect(c.storage).toEqual({
      kind: "identity",
      accountName: "clawstate",
      tableUrl: "https://clawstate.table.core.windows.net",
      queueUrl: "https://clawstate.queue.core.windows.net",
      clientId: "cid",
    });
    expect(c.hubName).toBe("ClawHub");
    expect(c.keyVaultUri).toBe("https://claw-kv.vault.azure.net");
    expect(c.secrets.localSecretsFile).toBeUndefined();
    expect(c.secrets.generateSshKey).toBe(false);
    expect(c.telegram.operatorIds).toEqual(["123", "456"]);
  });

  it("loadConfig: names every missing setting at once, with a hint about the twin", () => {
    const message = configError({ AZURE_SUBSCRIPTION_ID: SUB, GALLERY_NAME: "" });
    expect(message).toContain(
      "missing FLEET_RESOURCE_GROUP, FLEET_LOCATION, FLEET_SUBNET_ID, GALLERY_RESOURCE_GROUP, GALLERY_NAME",
    );
    expect(message).toContain("KEY_VAULT_URI");
    expect(message).toContain("set ARM_ENDPOINT to run against the twin");
    expect(message).toContain("storage: set AzureWebJobsStorage");
  });

  it("loadConfig: says which setting is malformed and how", () => {
    const message = configError({
      ...twin,
      AZURE_SUBSCRIPTION_ID: "not-a-guid",
      FLEET_SUBNET_ID: "snet-claws",
      ROLLOUT_POLICY: "yolo",
      CLAW_ADMIN_USERNAME: "root",
      FLEET_DEFAULT_SCHEDULE: JSON.stringify({
        mode: "scheduled",
        timeZone: "Nowhere/Land",
        parkAt: "22:00",
        wakeAt: "07:00",
        days: ["mon"],
      }),
    });
    expect(message).toContain("AZURE_SUBSCRIPTION_ID: must be a subscription GUID; got 'not-a-guid'");
    expect(message).toContain("FLEET_SUBNET_ID: must be a subnet resource id");
    expect(message).toContain("ROLLOUT_POLICY:");
    expect(message).toContain("CLAW_ADMIN_USERNAME: is a name Azure refuses");
    expect(message).toContain("FLEET_DEFAULT_SCHEDULE: timeZone: must be an IANA time zone");
  });

  it("loadConfig: parses the default schedule and the SSH endpoint map (CA defaults to the emulator's)", () => {
    const c = loadConfig({
      ...twin,
      FLEET_DEFAULT_SCHEDULE: JSON.stringify({
        mode: "scheduled",
        timeZone: "Europe/Berlin",
        parkAt: "22:00",
        wakeAt: "07:00",
        days: ["mon", "tue"],
      }),
      SSH_ENDPOINT_MAP_URL: "https://127.0.0.1:4010/_emulator/ssh-endpoints",
      ARM_CA_CERT_FILE: "/tmp/ca.pem",
    });
    expect(c.fleetDefaultSchedule).toMatchObject({ mode: "scheduled", timeZone: "Europe/Berlin" });
    expect(c.ssh).toMatchObject({
      endpointMapUrl: "https://127.0.0.1:4010/_emulator/ssh-endpoints",
      endpointMapCaFile: "/tmp/ca.pem",
    });
  });

  it("config: every setting it reads is in core/settings.ts or listed as not yet catalogued", () => {
    const source = fs.readFileSync(require.resolve("../../core/config.ts"), "utf8");
    const read = new Set([...source.matchAll(/\be(?:\.|\[")([A-Za-z][A-Za-z0-9_]+)/g)].map((m) => m[1]));
    for (const m of source.matchAll(/"([A-Z][A-Z0-9_]{3,})"/g)) if (/_/.test(m[1])) read.add(m[1]);
    const known = new Set<string>([...SETTINGS.map((s) => s.name), ...SETTINGS_NOT_IN_CATALOGUE]);
    const unknown = [...read].filter((n) => /^[A-Z]/.test(n) && n.includes("_") && !known.has(n));
    expect(unknown).toEqual([]);
  });
});
