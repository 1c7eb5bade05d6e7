/**
 * The gateway over https:// with a CA it is told to trust (the setup for an emulator that serves
 * TLS, issue 3). The emulator itself serves http only today, so a TLS-terminating proxy with a
 * freshly generated certificate stands in front of it, and the emulator advertises the proxy's
 * https:// URL in its async-operation headers.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import * as os from "node:os";
import * as path from "node:path";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_SEED, startAzureEmulator, type AzureEmulator } from "../../local/azure";
import { createAzureGateway, createAzureGatewayFromConfig, staticTokenCredential } from "../../core/azure";
import { ClawError } from "../../core/errors";
import { LOCATION, RG, SUB } from "./gateway-twin";

function hasOpenssl(): boolean {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

let dir: string;
let cert: Buffer;
let emulator: AzureEmulator;
let proxy: https.Server;
let url: string;

describe.skipIf(!hasOpenssl())("azure gateway over TLS", () => {
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "openclawps-tls-"));
    execFileSync(
      "openssl",
      [
        ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"],
        ...["-keyout", path.join(dir, "key.pem"), "-out", path.join(dir, "cert.pem"), "-days", "1"],
        ...["-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
      ],
      { stdio: "ignore" },
    );
    cert = fs.readFileSync(path.join(dir, "cert.pem"));
    let target = 0;
    proxy = https.createServer({ key: fs.readFileSync(path.join(dir, "key.pem")), cert }, (req, res) => {
      const up = http.request(
        { host: "127.0.0.1", port: target, method: req.method, path: req.url, headers: req.headers },
        (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        },
      );
      up.on("error", () => res.destroy());
      req.pipe(up);
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    url = `https://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    emulator = await startAzureEmulator({
      guests: { enabled: false },
      throttling: { enabled: false },
      log: () => undefined,
      advertisedBaseUrl: url,
      seed: DEFAULT_SEED,
      // The proxy terminates TLS with its own certificate in front of a plain-HTTP emulator.
      tls: false,
    });
    target = emulator.port;
  });

  afterAll(async () => {
    proxy?.closeAllConnections();
    await new Promise<void>((resolve) => (proxy ? proxy.close(() => resolve()) : resolve()));
    await emulator?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  function gateway(caCert?: Buffer) {
    return createAzureGateway({
      subscriptionId: SUB,
      resourceGroup: RG,
      location: LOCATION,
      subnetId: "unused",
      gallery: { resourceGroup: "g", name: "n", imageName: "i" },
      credential: staticTokenCredential(),
      endpoint: url,
      ...(caCert ? { caCert } : {}),
      retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 10 },
      pollIntervalMs: 5,
      sleep: async () => undefined,
    });
  }

  it("tls: trusts the emulator's CA through the SDK pipeline, bearer token and LRO polling included", async () => {
    const g = gateway(cert);
    const d = await g.ensureDataDisk({ claw: "alice", location: LOCATION, sizeGb: 8 });
    expect(d).toMatchObject({ created: true, name: "alice-data" });
    expect((await g.getDisk("alice-data"))?.provisioningState).toBe("Succeeded");
    // The network client goes through the same agent.
    expect((await g.ensurePublicIp({ claw: "alice", location: LOCATION })).ipAddress).toBeTruthy();
    // The operation was polled through the proxy's https URL the emulator advertised.
    expect(emulator.requests.list("Compute_GetOperation").length).toBeGreaterThan(0);
  });

  it("tls: without the CA the certificate is refused", async () => {
    const e = await gateway()
      .getDisk("alice-data")
      .catch((err: unknown) => err);
    expect(e).toBeInstanceOf(ClawError);
    expect((e as ClawError).message).toMatch(/certificate/i);
  });

  it("tls: createAzureGatewayFromConfig reads the CA from ARM_CA_CERT_FILE", async () => {
    const g = createAzureGatewayFromConfig(
      { ...emulator.settings, ARM_ENDPOINT: url, ARM_CA_CERT_FILE: path.join(dir, "cert.pem") },
      { sleep: async () => undefined, pollIntervalMs: 5 },
    );
    expect((await g.getImageVersion("1.0.0"))?.provisioningState).toBe("Succeeded");
  });
});
