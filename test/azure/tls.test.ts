/**
 * The emulator over HTTPS (its default): a CA and server certificate generated at start, the CA
 * written to the state dir and named in its settings. The unmodified SDK clients, with their own
 * bearer-token policy and a static token, work when told to trust that CA and only then.
 */
import { createPrivateKey, X509Certificate } from "node:crypto";
import * as fs from "node:fs";
import * as https from "node:https";
import * as os from "node:os";
import * as path from "node:path";
import { ComputeManagementClient } from "@azure/arm-compute";
import { NetworkManagementClient } from "@azure/arm-network";
import type { TokenCredential } from "@azure/core-auth";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_SEED, generateEmulatorTls, startAzureEmulator, type AzureEmulator } from "../../local/azure";
import { staticTokenCredential } from "../../core/azure";
import { createEndpointResolver } from "../../core/guest/endpoints";

const SUB = DEFAULT_SEED.subscriptionId;
const RG = DEFAULT_SEED.resourceGroup;
const LOCATION = DEFAULT_SEED.location;

let emulator: AzureEmulator;
const cleanup: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  emulator = await startAzureEmulator({
    guests: { enabled: false },
    throttling: { enabled: false },
    log: () => undefined,
    seed: DEFAULT_SEED,
  });
});

afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
  await emulator?.close();
});

/** A static token credential that counts how often the SDK's bearer policy asked for a token. */
function countingCredential(): TokenCredential & { calls: number } {
  const inner = staticTokenCredential();
  const c = {
    calls: 0,
    getToken: (scopes: string | string[]) => {
      c.calls++;
      return inner.getToken(scopes);
    },
  };
  return c;
}

function policyNames(client: { pipeline: { getOrderedPolicies(): { name: string }[] } }): string[] {
  return client.pipeline.getOrderedPolicies().map((p) => p.name);
}

const emptyDisk = {
  location: LOCATION,
  sku: { name: "Premium_LRS" as const },
  creationData: { createOption: "Empty" as const },
  diskSizeGB: 8,
};

describe("emulator TLS", () => {
  it("generateEmulatorTls: the server certificate is signed by the CA and names the loopback hosts", () => {
    const tls = generateEmulatorTls();
    const ca = new X509Certificate(tls.caCertPem);
    const leaf = new X509Certificate(tls.certPem);
    expect(ca.ca).toBe(true);
    expect(leaf.ca).toBe(false);
    expect(leaf.checkIssued(ca)).toBe(true);
    expect(leaf.verify(ca.publicKey)).toBe(true);
    expect(leaf.checkIP("127.0.0.1")).toBe("127.0.0.1");
    expect(leaf.checkHost("localhost")).toBe("localhost");
    expect(leaf.checkPrivateKey(createPrivateKey(tls.keyPem))).toBe(true);
  });

  it("startAzureEmulator: serves https by default, with its CA in the state dir and in its settings", () => {
    expect(emulator.url).toBe(`https://127.0.0.1:${emulator.port}`);
    expect(emulator.caCertFile).toBe(path.join(emulator.stateDir, "emulator-ca.pem"));
    expect(fs.readFileSync(emulator.caCertFile!, "utf8")).toBe(emulator.caCertPem);
    expect(emulator.settings).toMatchObject({
      ARM_ENDPOINT: emulator.url,
      ARM_CA_CERT_FILE: emulator.caCertFile,
      SSH_ENDPOINT_MAP_URL: `${emulator.url}/_emulator/ssh-endpoints`,
      SSH_ENDPOINT_MAP_CA_FILE: emulator.caCertFile,
    });
  });

  it("arm-compute: the unmodified client (bearer policy, static token) works when trusting the CA", async () => {
    const credential = countingCredential();
    const agent = new https.Agent({ ca: emulator.caCertPem });
    cleanup.push(() => agent.destroy());
    const compute = new ComputeManagementClient(credential, SUB, { endpoint: emulator.url, agent });
    const network = new NetworkManagementClient(credential, SUB, { endpoint: emulator.url, agent });
    expect(policyNames(compute)).toContain("bearerTokenAuthenticationPolicy");
    expect(policyNames(network)).toContain("bearerTokenAuthenticationPolicy");

    // A long-running create: the PUT and the polls of its https Azure-AsyncOperation URL.
    const disk = await compute.disks.beginCreateOrUpdateAndWait(RG, "tls-disk", emptyDisk);
    expect(disk.provisioningState).toBe("Succeeded");
    const ip = await network.publicIPAddresses.beginCreateOrUpdateAndWait(RG, "tls-ip", {
      location: LOCATION,
      sku: { name: "Standard" },
      publicIPAllocationMethod: "Static",
    });
    expect(ip.provisioningState).toBe("Succeeded");
    expect(credential.calls).toBeGreaterThan(0);
    const ops = emulator.requests.list().map((r) => `${r.operationId} ${r.status}`);
    expect(ops).toContain("Disks_CreateOrUpdate 202");
    expect(ops).toContain("PublicIPAddresses_CreateOrUpdate 201");
  });

  it("arm-compute: without the CA the client fails on the certificate and nothing reaches ARM", async () => {
    const before = emulator.requests.list().length;
    const compute = new ComputeManagementClient(staticTokenCredential(), SUB, {
      endpoint: emulator.url,
      retryOptions: { maxRetries: 0 },
    });
    await expect(compute.disks.get(RG, "tls-disk")).rejects.toThrow(/certificate/i);
    expect(emulator.requests.list().length).toBe(before);
  });

  it("arm-compute: over plain http (tls: false) the bearer policy refuses to send the token", async () => {
    const plain = await startAzureEmulator({ guests: { enabled: false }, log: () => undefined, tls: false });
    cleanup.push(() => plain.close());
    expect(plain.url).toBe(`http://127.0.0.1:${plain.port}`);
    expect(plain.caCertFile).toBeUndefined();
    expect(plain.settings.ARM_CA_CERT_FILE).toBeUndefined();
    const compute = new ComputeManagementClient(staticTokenCredential(), SUB, {
      endpoint: plain.url,
      allowInsecureConnection: true,
      retryOptions: { maxRetries: 0 },
    });
    await expect(compute.disks.get(RG, "any")).rejects.toThrow(/non-TLS|https/i);
  });

  it("SSH endpoint map: read over https with SSH_ENDPOINT_MAP_CA_FILE, refused without it", async () => {
    const s = emulator.settings;
    const trusted = createEndpointResolver({
      mapUrl: s.SSH_ENDPOINT_MAP_URL,
      mapCaFile: s.SSH_ENDPOINT_MAP_CA_FILE,
    });
    // The map was fetched and parsed: it just has no running VM of that name.
    await expect(trusted("no-such-vm")).rejects.toThrow(/no SSH endpoint for 'no-such-vm'/);
    const untrusted = createEndpointResolver({ mapUrl: s.SSH_ENDPOINT_MAP_URL });
    await expect(untrusted("no-such-vm")).rejects.toThrow(/SSH endpoint map .* failed: .*certificate/i);
  });

  it("persist: a restarted emulator writes its new CA over the previous run's", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "emu-tls-"));
    cleanup.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const first = await startAzureEmulator({
      persistDir: dir,
      guests: { enabled: false },
      log: () => undefined,
    });
    const firstCa = first.caCertPem;
    await first.close();
    const second = await startAzureEmulator({
      persistDir: dir,
      guests: { enabled: false },
      log: () => undefined,
    });
    cleanup.push(() => second.close());
    expect(second.caCertPem).not.toBe(firstCa);
    expect(fs.readFileSync(path.join(dir, "emulator-ca.pem"), "utf8")).toBe(second.caCertPem);
  });
});
