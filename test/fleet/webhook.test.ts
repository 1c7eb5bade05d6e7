/**
 * The bake webhook's receiving end: a valid delivery starts the imageBaked saga; a bad signature, a
 * stale timestamp, a replayed delivery id or a missing secret answer 401, are audited, start nothing.
 */
import { describe, expect, it } from "vitest";
import { BAKE_WEBHOOK_HEADERS, signBakeWebhook } from "../../core/bake-signature";
import { receiveBakeWebhook, type BakeWebhookDeps } from "../../core/fleet/bake-webhook";
import type { FleetState } from "../../core/fleet/fleet-state";
import type { AuditInput } from "../../core/state";

const SECRET = "test-bake-secret-0123456789";
const NOW = new Date("2024-06-03T12:00:00Z");
const nowSec = Math.floor(NOW.getTime() / 1000);

function world(secret: string | undefined = SECRET) {
  const deliveries = new Set<string>();
  const audits: AuditInput[] = [];
  const started: unknown[] = [];
  const deps: BakeWebhookDeps = {
    fleet: {
      claimDelivery: async (id: string) => (deliveries.has(id) ? false : (deliveries.add(id), true)),
    } as unknown as FleetState,
    audit: { record: async (e: AuditInput) => (audits.push(e), { ...e, at: "" }) },
    now: () => NOW,
    log: () => undefined,
    secret,
    start: async (input) => {
      started.push(input);
      return `image-baked-${input.deliveryId}`;
    },
  };
  return { deps, audits, started };
}

function delivery(
  opts: { body?: string; ts?: number; secret?: string; id?: string; signature?: string } = {},
) {
  const body =
    opts.body ?? JSON.stringify({ imageVersion: "1.4.0", gitSha: "abcdef1", bakedAt: NOW.toISOString() });
  const ts = opts.ts ?? nowSec;
  const headers: Record<string, string> = {
    [BAKE_WEBHOOK_HEADERS.timestamp.toLowerCase()]: String(ts),
    [BAKE_WEBHOOK_HEADERS.delivery.toLowerCase()]: opts.id ?? "3f2a9c1e-7d4b-4e55-9a61-0c2b5d8e9f10",
    [BAKE_WEBHOOK_HEADERS.signature.toLowerCase()]:
      opts.signature ?? signBakeWebhook(opts.secret ?? SECRET, body, ts),
  };
  return { header: (n: string) => headers[n.toLowerCase()], rawBody: body };
}

describe("bake webhook", () => {
  it("image-baked: a valid delivery starts the saga with the version and bake facts", async () => {
    const { deps, audits, started } = world();
    const res = await receiveBakeWebhook(deps, delivery());
    expect(res.status).toBe(202);
    expect(started).toEqual([
      {
        version: "1.4.0",
        deliveryId: "3f2a9c1e-7d4b-4e55-9a61-0c2b5d8e9f10",
        bake: { gitSha: "abcdef1", bakedAt: NOW.toISOString() },
      },
    ]);
    expect(audits).toMatchObject([{ channel: "webhook", kind: "image-baked", accepted: true }]);
  });

  it("image-baked: a bad signature is 401, audited, and starts nothing", async () => {
    const { deps, audits, started } = world();
    const res = await receiveBakeWebhook(deps, delivery({ secret: "someone-elses-secret" }));
    expect(res.status).toBe(401);
    expect(started).toEqual([]);
    expect(audits).toMatchObject([{ accepted: false, reason: "signature-mismatch" }]);
  });

  it("image-baked: a body changed after signing is refused", async () => {
    const { deps, started } = world();
    const d = delivery();
    const res = await receiveBakeWebhook(deps, { ...d, rawBody: d.rawBody.replace("1.4.0", "9.9.9") });
    expect(res.status).toBe(401);
    expect(started).toEqual([]);
  });

  it("image-baked: a timestamp outside ±5 minutes is 401 even with a valid signature", async () => {
    const { deps, audits, started } = world();
    const res = await receiveBakeWebhook(deps, delivery({ ts: nowSec - 301 }));
    expect(res.status).toBe(401);
    expect(started).toEqual([]);
    expect(audits[0]).toMatchObject({ accepted: false, reason: "timestamp-outside-tolerance" });
    expect(
      (await receiveBakeWebhook(deps, delivery({ ts: nowSec + 299, id: "other-delivery-1" }))).status,
    ).toBe(202);
  });

  it("image-baked: a replayed delivery id is 401 and starts nothing the second time", async () => {
    const { deps, audits, started } = world();
    expect((await receiveBakeWebhook(deps, delivery())).status).toBe(202);
    const again = await receiveBakeWebhook(deps, delivery({ ts: nowSec + 10 }));
    expect(again.status).toBe(401);
    expect(started).toHaveLength(1);
    expect(audits[1]).toMatchObject({ accepted: false, reason: "replayed delivery id" });
  });

  it("image-baked: without a configured secret every delivery is refused", async () => {
    const { deps, started } = world("");
    expect((await receiveBakeWebhook(deps, delivery())).status).toBe(401);
    expect(started).toEqual([]);
  });

  it("image-baked: a signed but invalid body is 400 and burns no delivery id", async () => {
    const { deps, started } = world();
    const bad = delivery({ body: JSON.stringify({ imageVersion: "latest" }) });
    const res = await receiveBakeWebhook(deps, bad);
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/imageVersion/);
    expect(started).toEqual([]);
  });
});
