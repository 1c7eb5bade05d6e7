#!/usr/bin/env node
// Summary: sign and POST the image-baked webhook to the control plane (used by .github/workflows/bake-image.yml).
// Usage: BAKE_WEBHOOK_SECRET=... node scripts/sign-bake-webhook.mjs --image-version 1.2.3 \
//          --gallery-image-id /subscriptions/.../versions/1.2.3 --git-sha <sha> [--baked-at <ISO>] \
//          [--url https://<app>.azurewebsites.net/api/v1/hooks/image-baked] [--dry-run]
//
// The URL comes from --url or BAKE_WEBHOOK_URL. --dry-run prints {url, headers, body} as JSON instead of
// sending. The signature is HMAC-SHA256(secret, timestamp + "." + rawBody) as `sha256=<hex>`, the scheme
// core/bake-signature.ts verifies; a test signs with this script and verifies with the app's code. No
// dependencies on purpose: the bake job runs it without `npm ci`.
import { createHmac, randomUUID } from "node:crypto";
import { parseArgs } from "node:util";

const NAME = "sign-bake-webhook";
const ATTEMPTS = 4;
const REQUEST_TIMEOUT_MS = 30_000;

function fail(message) {
  process.stderr.write(`${NAME}: ${message}\n`);
  process.exit(2);
}

/** Returns the X-OpenClawps-Signature value for a body and unix-seconds timestamp. */
function sign(secret, rawBody, timestamp) {
  const hmac = createHmac("sha256", secret);
  hmac.update(`${timestamp}.${rawBody}`, "utf8");
  return `sha256=${hmac.digest("hex")}`;
}

function readOptions(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      "image-version": { type: "string" },
      "gallery-image-id": { type: "string" },
      "git-sha": { type: "string" },
      "baked-at": { type: "string" },
      url: { type: "string" },
      "dry-run": { type: "boolean", default: false },
    },
    strict: true,
  });
  const imageVersion = values["image-version"] ?? "";
  if (!/^\d+\.\d+\.\d+$/.test(imageVersion)) fail(`--image-version must be x.y.z, got '${imageVersion}'`);
  const galleryImageId = values["gallery-image-id"] ?? "";
  if (
    !/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Compute\/galleries\//i.test(
      galleryImageId,
    )
  ) {
    fail("--gallery-image-id must be a Compute Gallery image version resource id");
  }
  const gitSha = values["git-sha"] ?? "";
  if (!/^[0-9a-f]{7,40}$/i.test(gitSha)) fail("--git-sha must be a hex commit id");
  const bakedAt = values["baked-at"] ?? new Date().toISOString();
  if (Number.isNaN(Date.parse(bakedAt))) fail(`--baked-at must be an ISO date, got '${bakedAt}'`);
  const url = values.url ?? process.env.BAKE_WEBHOOK_URL ?? "";
  if (!values["dry-run"] && !/^https?:\/\//.test(url)) fail("set --url or BAKE_WEBHOOK_URL");
  const secret = process.env.BAKE_WEBHOOK_SECRET ?? "";
  if (!secret) fail("BAKE_WEBHOOK_SECRET is not set");
  return { imageVersion, galleryImageId, gitSha, bakedAt, url, dryRun: values["dry-run"], secret };
}

/** Builds one signed request; a retry calls it again with the same delivery id and a fresh timestamp. */
function buildRequest(secret, rawBody, delivery) {
  const timestamp = String(Math.floor(Date.now() / 1000));
  return {
    "Content-Type": "application/json",
    "X-OpenClawps-Timestamp": timestamp,
    "X-OpenClawps-Delivery": delivery,
    "X-OpenClawps-Signature": sign(secret, rawBody, timestamp),
  };
}

function redactUrl(url) {
  // A function key in ?code= is a credential: never echo it.
  return url.replace(/([?&]code=)[^&]*/i, "$1***");
}

async function send(url, secret, rawBody, delivery) {
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    let status = 0;
    let detail = "";
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: buildRequest(secret, rawBody, delivery),
        body: rawBody,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      status = res.status;
      detail = (await res.text()).slice(0, 500);
      if (res.ok) {
        process.stdout.write(`${JSON.stringify({ ok: true, status, delivery, response: detail })}\n`);
        return 0;
      }
    } catch (error) {
      detail = error instanceof Error ? error.message : String(error);
    }
    process.stderr.write(
      `${NAME}: attempt ${attempt} to ${redactUrl(url)} failed (${status || "no response"}): ${detail}\n`,
    );
    // 4xx other than 408/429 will not get better by retrying (bad signature, bad body, conflict).
    if (status >= 400 && status < 500 && status !== 408 && status !== 429) break;
    if (attempt < ATTEMPTS) await new Promise((resolve) => setTimeout(resolve, 2 ** attempt * 1000));
  }
  process.stderr.write(`${NAME}: giving up on delivery ${delivery}\n`);
  return 1;
}

async function main() {
  const options = readOptions(process.argv.slice(2));
  const rawBody = JSON.stringify({
    imageVersion: options.imageVersion,
    galleryImageId: options.galleryImageId,
    gitSha: options.gitSha,
    bakedAt: new Date(options.bakedAt).toISOString(),
  });
  const delivery = randomUUID();
  if (options.dryRun) {
    const headers = buildRequest(options.secret, rawBody, delivery);
    process.stdout.write(`${JSON.stringify({ url: redactUrl(options.url), headers, body: rawBody })}\n`);
    return 0;
  }
  return send(options.url, options.secret, rawBody, delivery);
}

process.exitCode = await main();
