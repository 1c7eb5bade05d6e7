/**
 * The image-bake webhook's receiving end, apart from the Functions binding: verify the HMAC
 * (timestamp + body, ±5 min), refuse a delivery id seen before, validate the body, audit, and hand
 * on to the imageBaked saga. Anything not verified answers 401, is audited, and starts nothing.
 */
import { z } from "zod";
import { BAKE_WEBHOOK_HEADERS, verifyBakeWebhook } from "../bake-signature";
import { bakeDeliverySchema } from "./bake-delivery";
import type { AuditInput } from "../state";
import type { FleetDeps } from "./deps";

export { bakeDeliverySchema };
export type BakeDelivery = z.infer<typeof bakeDeliverySchema>;

const DELIVERY_ID = /^[A-Za-z0-9_-]{8,128}$/;
const PRINCIPAL = "webhook:bake";

export interface BakeWebhookRequest {
  header(name: string): string | null | undefined;
  rawBody: string;
}

export interface BakeWebhookDeps extends Pick<FleetDeps, "fleet" | "now" | "log"> {
  audit: Pick<FleetDeps["state"]["audit"], "record">;
  /** BAKE_WEBHOOK_SECRET; empty means every delivery is refused. */
  secret: string | undefined;
  /** Starts the imageBaked saga; answers its instance id. */
  start(input: { version: string; deliveryId: string; bake: Record<string, string> }): Promise<string>;
}

export interface WebhookAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** Handles one delivery; see the module comment. */
export async function receiveBakeWebhook(
  deps: BakeWebhookDeps,
  req: BakeWebhookRequest,
): Promise<WebhookAnswer> {
  const delivery = req.header(BAKE_WEBHOOK_HEADERS.delivery) ?? undefined;
  const audit = async (accepted: boolean, reason: string, extra: Partial<AuditInput> = {}) => {
    try {
      await deps.audit.record({
        channel: "webhook",
        principal: PRINCIPAL,
        kind: "image-baked",
        command: { deliveryId: delivery?.slice(0, 128), bodyLength: req.rawBody.length },
        accepted,
        reason,
        ...extra,
      });
    } catch (e) {
      deps.log("error", `auditing a bake webhook delivery failed: ${String(e)}`);
    }
  };
  const refuse = async (reason: string) => {
    await audit(false, reason);
    return {
      status: 401,
      body: { error: "UNAUTHORIZED", message: "signature, timestamp or delivery id not accepted" },
    };
  };

  const verdict = verifyBakeWebhook({
    secret: deps.secret ?? "",
    body: req.rawBody,
    timestamp: req.header(BAKE_WEBHOOK_HEADERS.timestamp),
    signature: req.header(BAKE_WEBHOOK_HEADERS.signature),
    now: deps.now(),
  });
  if (!verdict.ok) {
    if (verdict.reason === "missing-secret")
      deps.log("error", "BAKE_WEBHOOK_SECRET is not set: refusing bake webhooks");
    return refuse(verdict.reason);
  }
  if (!delivery || !DELIVERY_ID.test(delivery)) return refuse("missing or malformed delivery id");

  let body: BakeDelivery;
  try {
    const parsed = bakeDeliverySchema.safeParse(JSON.parse(req.rawBody));
    if (!parsed.success) {
      const i = parsed.error.issues[0];
      await audit(false, `invalid body: ${i.path.join(".")}: ${i.message}`);
      return {
        status: 400,
        body: { error: "BAD_REQUEST", message: `${i.path.join(".") || "body"}: ${i.message}` },
      };
    }
    body = parsed.data;
  } catch {
    await audit(false, "invalid body: not JSON");
    return { status: 400, body: { error: "BAD_REQUEST", message: "the body must be JSON" } };
  }

  // Claimed only after the signature holds, so forged requests cannot burn delivery ids.
  if (!(await deps.fleet.claimDelivery(delivery, { version: body.imageVersion }))) {
    return refuse("replayed delivery id");
  }
  const bake: Record<string, string> = {};
  for (const k of ["galleryImageId", "gitSha", "bakedAt", "runUrl"] as const) if (body[k]) bake[k] = body[k]!;
  const instanceId = await deps.start({ version: body.imageVersion, deliveryId: delivery, bake });
  await audit(true, `image ${body.imageVersion} baked; registering (saga ${instanceId})`, {
    requestId: delivery,
  });
  return { status: 202, body: { accepted: true, version: body.imageVersion, instanceId } };
}
