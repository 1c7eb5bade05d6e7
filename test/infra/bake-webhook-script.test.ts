import { execFile } from "node:child_process";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { BAKE_WEBHOOK_HEADERS, verifyBakeWebhook } from "../../core/bake-signature";

// The bake workflow's own signer, run as the workflow runs it, checked against the app's verifier.
const SCRIPT = path.resolve(__dirname, "../../scripts/sign-bake-webhook.mjs");
const SECRET = "bake-secret-for-tests";
const GALLERY_IMAGE_ID =
  "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-claw-fleet/providers/Microsoft.Compute/galleries/clawGallery/images/claw-desktop-gpu/versions/2.1.0";
const ARGS = [
  "--image-version",
  "2.1.0",
  "--gallery-image-id",
  GALLERY_IMAGE_ID,
  "--git-sha",
  "0123456789abcdef0123456789abcdef01234567",
  "--baked-at",
  "2026-03-04T05:06:07Z",
];
const run = promisify(execFile);

function runScript(args: string[], env: Record<string, string> = {}) {
  return run(process.execPath, [SCRIPT, ...args], {
    env: { PATH: process.env.PATH ?? "", BAKE_WEBHOOK_SECRET: SECRET, ...env },
    timeout: 20_000,
  });
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

let closeServer: (() => Promise<void>) | undefined;
afterEach(async () => {
  await closeServer?.();
  closeServer = undefined;
});

describe("sign-bake-webhook.mjs", () => {
  it("dry run: prints a request the app's verifier accepts, with the contract's body", async () => {
    const { stdout } = await runScript(["--dry-run", ...ARGS]);
    const out = JSON.parse(stdout) as { headers: Record<string, string>; body: string };
    expect(JSON.parse(out.body)).toEqual({
      imageVersion: "2.1.0",
      galleryImageId: GALLERY_IMAGE_ID,
      gitSha: "0123456789abcdef0123456789abcdef01234567",
      bakedAt: "2026-03-04T05:06:07.000Z",
    });
    expect(out.headers[BAKE_WEBHOOK_HEADERS.delivery]).toMatch(/^[0-9a-f-]{36}$/);
    const verdict = verifyBakeWebhook({
      secret: SECRET,
      body: out.body,
      timestamp: out.headers[BAKE_WEBHOOK_HEADERS.timestamp],
      signature: out.headers[BAKE_WEBHOOK_HEADERS.signature],
      now: new Date(),
    });
    expect(verdict).toEqual({ ok: true });
    expect(stdout).not.toContain(SECRET);
  });

  it("dry run: the app refuses the script's signature under a different secret", async () => {
    const { stdout } = await runScript(["--dry-run", ...ARGS]);
    const out = JSON.parse(stdout) as { headers: Record<string, string>; body: string };
    const verdict = verifyBakeWebhook({
      secret: "not-the-bake-secret",
      body: out.body,
      timestamp: out.headers[BAKE_WEBHOOK_HEADERS.timestamp],
      signature: out.headers[BAKE_WEBHOOK_HEADERS.signature],
      now: new Date(),
    });
    expect(verdict).toEqual({ ok: false, reason: "signature-mismatch" });
  });

  it("post: delivers raw bytes and headers that verify on the receiving side", async () => {
    const received: { body: string; headers: IncomingHttpHeaders; url: string }[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        received.push({
          body: Buffer.concat(chunks).toString("utf8"),
          headers: req.headers,
          url: req.url ?? "",
        });
        res.writeHead(202, { "content-type": "application/json" }).end('{"accepted":true}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    closeServer = () => new Promise((resolve) => server.close(() => resolve()));
    const { port } = server.address() as AddressInfo;

    const { stdout } = await runScript(ARGS, {
      BAKE_WEBHOOK_URL: `http://127.0.0.1:${port}/api/v1/hooks/image-baked`,
    });
    expect(JSON.parse(stdout)).toMatchObject({ ok: true, status: 202 });
    expect(received).toHaveLength(1);
    const [req] = received;
    expect(req.url).toBe("/api/v1/hooks/image-baked");
    expect(header(req.headers, "content-type")).toBe("application/json");
    const verdict = verifyBakeWebhook({
      secret: SECRET,
      body: req.body,
      timestamp: header(req.headers, BAKE_WEBHOOK_HEADERS.timestamp),
      signature: header(req.headers, BAKE_WEBHOOK_HEADERS.signature),
      now: Date.now(),
    });
    expect(verdict).toEqual({ ok: true });
  });

  it("post: gives up at once on a 401 and exits non-zero without printing the secret", async () => {
    let calls = 0;
    const server = createServer((req, res) => {
      calls++;
      req.resume();
      req.on("end", () => res.writeHead(401).end("bad signature"));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    closeServer = () => new Promise((resolve) => server.close(() => resolve()));
    const { port } = server.address() as AddressInfo;

    const error = (await runScript([...ARGS, "--url", `http://127.0.0.1:${port}/hook?code=fn-key`]).catch(
      (e: unknown) => e,
    )) as { code?: number; stderr?: string };
    expect(error.code).toBe(1);
    expect(calls).toBe(1);
    expect(error.stderr).toContain("code=***");
    expect(error.stderr).not.toContain("fn-key");
    expect(error.stderr).not.toContain(SECRET);
  });

  it("arguments: refuses to run without the secret", async () => {
    const error = (await runScript(["--dry-run", ...ARGS], { BAKE_WEBHOOK_SECRET: "" }).catch(
      (e: unknown) => e,
    )) as { code?: number; stderr?: string };
    expect(error.code).toBe(2);
    expect(error.stderr).toContain("BAKE_WEBHOOK_SECRET");
  });
});
