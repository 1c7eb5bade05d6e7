/**
 * POST /api/v1/hooks/image-baked: the bake workflow's signed call. Anonymous at the Functions level
 * (GitHub holds no function key) but HMAC-verified, time-windowed and replay-protected in
 * core/fleet/bake-webhook.ts; anything unverified answers 401, is audited, and starts nothing.
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import { appRoot } from "../../core/app";
import { receiveBakeWebhook } from "../../core/fleet/bake-webhook";
import { imageBakedInstanceId } from "../../core/sagas";
import { traceSagaStart } from "../../core/telemetry";
import { isJsonType } from "../http/request";
import { traced } from "../traced";

/** Largest delivery accepted (the workflow sends a few hundred bytes). */
const MAX_BODY = 16 * 1024;

export async function imageBakedHook(
  req: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  try {
    const raw = await req.text();
    if (Buffer.byteLength(raw, "utf8") > MAX_BODY)
      return { status: 413, jsonBody: { error: "PAYLOAD_TOO_LARGE" } };
    if (!isJsonType(req.headers.get("content-type"))) {
      const message = "send the delivery as JSON with Content-Type: application/json";
      return { status: 415, jsonBody: { error: "UNSUPPORTED_MEDIA_TYPE", message } };
    }
    const deps = await appRoot().fleet();
    const answer = await receiveBakeWebhook(
      {
        fleet: deps.fleet,
        audit: deps.state.audit,
        now: deps.now,
        log: deps.log,
        secret: process.env.BAKE_WEBHOOK_SECRET,
        start: (input) => {
          const instanceId = imageBakedInstanceId(input.deliveryId);
          return traceSagaStart(
            "imageBaked",
            undefined,
            {},
            () => df.getClient(context).startNew("imageBaked", { instanceId, input }),
            instanceId,
          );
        },
      },
      { header: (n) => req.headers.get(n), rawBody: raw },
    );
    return { status: answer.status, jsonBody: answer.body };
  } catch (e) {
    context.error("the image-baked webhook failed", e);
    return {
      status: 500,
      jsonBody: { error: "INTERNAL", message: `try again (invocation ${context.invocationId})` },
    };
  }
}

app.http("imageBakedHook", {
  route: "v1/hooks/image-baked",
  methods: ["POST"],
  authLevel: "anonymous",
  extraInputs: [df.input.durableClient()],
  handler: traced("http", "POST imageBakedHook", imageBakedHook),
});
