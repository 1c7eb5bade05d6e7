/**
 * Real answers of the dev host against the OpenAPI document it serves: claws, the fleet view with a
 * pin, fleet hours, audit, rollouts (start, list, read, control), operations and refusals are
 * sampled over HTTP and each body is validated (ajv, JSON Schema 2020-12) against the schema the
 * document gives for that operation and status. The response schemas are strict, so a field the
 * code adds without documenting it fails here as well as a missing or retyped one.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Ajv2020, { type ValidateFunction } from "ajv/dist/2020";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AzuriteHandle } from "../../local/host/azurite";
import { createLogger } from "../../local/host/log";
import { startDevHost, type DevHost } from "../../local/host/main";
import { clawSpecSchema } from "../../core/domain/spec";
import { createStateStore } from "../../core/state";
import { eventually, startTestAzurite } from "../devhost/fixture";
import { removeTsApp, writeTsApp } from "./devhost-app";

const KEY = "openapi-function-key";
const APP = "test/api/openapi-app.ts";
let azurite: AzuriteHandle;
let host: DevHost;
let main: string | undefined;

interface Doc {
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>
  >;
  components: unknown;
}
let doc: Doc;
let ajv: Ajv2020;
const validators = new Map<string, ValidateFunction>();

/** Azurite and a dev host running the app with `settings`; the served document is read from it. */
function onDevHost(settings: Record<string, string> = {}) {
  beforeAll(async () => {
    azurite = await startTestAzurite();
    // One entry for both hosts: loading it again re-runs its registrations (see loadApp).
    main ??= writeTsApp(APP, { extensions: { http: { routePrefix: "api" } } });
    host = await startDevHost({
      appMain: main,
      port: 0,
      storageConnectionString: azurite.connectionString,
      settings: { DEVHOST_API_KEY: KEY, DURABLE_HUB_NAME: "OpenApiSamples", ...settings },
      disableTimers: true,
      log: createLogger({ level: "error" }),
    });
    const served = await call("GET", "/openapi.json");
    expect(served.status).toBe(200);
    doc = served.body as unknown as Doc;
    ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true });
    ajv.addKeyword("components");
    ajv.addKeyword("paths");
    ajv.addSchema({ $id: "openapi.json", paths: doc.paths, components: doc.components });
    validators.clear();
  }, 90_000);
  afterAll(async () => {
    await host?.close();
    await azurite?.close();
  });
}

afterAll(() => main && removeTsApp(main));

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

async function call(method: string, path: string, body?: unknown): Promise<Answer> {
  const res = await fetch(`${host.url}/api/v1${path}`, {
    method,
    headers: {
      "x-functions-key": KEY,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as Answer["body"]) : {} };
}

/** The documented schema of `docPath`'s `method` answering `status` as JSON, compiled once. */
function validatorFor(method: string, docPath: string, status: number): ValidateFunction {
  const id = `${method} ${docPath} ${status}`;
  const cached = validators.get(id);
  if (cached) return cached;
  const op = doc.paths[docPath]?.[method.toLowerCase()];
  expect(op, `${method} ${docPath} is documented`).toBeDefined();
  const response = op.responses[String(status)];
  expect(response, `${id}: the status is documented`).toBeDefined();
  const schema = response.content?.["application/json"]?.schema;
  expect(schema, `${id}: a JSON body is documented`).toBeDefined();
  // Resolve the operation's schema inside the served document, so its $refs point at its components.
  const pointer = ["paths", docPath, method.toLowerCase(), "responses", String(status), "content"]
    .map((s) => encodeURIComponent(s.replace(/~/g, "~0").replace(/\//g, "~1")))
    .join("/");
  const fn = ajv.compile({ $ref: `openapi.json#/${pointer}/application~1json/schema` });
  validators.set(id, fn);
  return fn;
}

/** The documented request body schema of `docPath`'s `method`. */
function requestValidatorFor(method: string, docPath: string): ValidateFunction {
  const id = `${method} ${docPath} request`;
  const cached = validators.get(id);
  if (cached) return cached;
  const op = doc.paths[docPath]?.[method.toLowerCase()] as { requestBody?: unknown } | undefined;
  expect(op?.requestBody, `${method} ${docPath} documents its body`).toBeDefined();
  const pointer = ["paths", docPath, method.toLowerCase(), "requestBody", "content"]
    .map((s) => encodeURIComponent(s.replace(/~/g, "~0").replace(/\//g, "~1")))
    .join("/");
  const fn = ajv.compile({ $ref: `openapi.json#/${pointer}/application~1json/schema` });
  validators.set(id, fn);
  return fn;
}

/**
 * Calls the route and validates the answer against the document (and a body the handler accepted
 * against the documented request schema); returns the answer for further checks.
 */
async function sample(
  method: string,
  docPath: string,
  path: string,
  expected: number | number[],
  body?: unknown,
): Promise<Answer> {
  const res = await call(method, path, body);
  expect([expected].flat(), `${method} ${path}: ${JSON.stringify(res.body).slice(0, 300)}`).toContain(
    res.status,
  );
  if (body !== undefined && res.status < 300) {
    const accepts = requestValidatorFor(method, docPath);
    expect(accepts(body) ? [] : accepts.errors, `${method} ${path}: the documented body accepts it`).toEqual(
      [],
    );
  }
  const validate = validatorFor(method, docPath, res.status);
  const valid = validate(res.body);
  expect(valid ? [] : validate.errors, `${method} ${path} ${res.status} against the document`).toEqual([]);
  return res;
}

const spec = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  region: "eastus",
  vmSize: "Standard_D4s_v5",
  imageVersion: "1.0.0",
  ...extra,
});

describe("API answers against the served OpenAPI document (dev host, stub sagas)", () => {
  onDevHost();

  it("health: liveness, and readiness whichever way the host's dependencies answer", async () => {
    const anonymous = await fetch(`${host.url}/api/v1/health`);
    expect(anonymous.status).toBe(401);
    const validate = validatorFor("GET", "/health", 401);
    expect(validate(await anonymous.json()), JSON.stringify(validate.errors)).toBe(true);
    await sample("GET", "/health", "/health", 200);
    await sample("GET", "/health/ready", "/health/ready", [200, 503]);
  });

  it("claws and operations: create, deploy, read, list, refusals", async () => {
    await sample("POST", "/claws", "/claws", 201, spec("alice"));
    await sample(
      "POST",
      "/claws",
      "/claws",
      201,
      spec("bob", {
        schedule: {
          mode: "scheduled",
          timeZone: "Europe/Berlin",
          parkAt: "22:00",
          wakeAt: "07:00",
          days: ["mon"],
        },
      }),
    );
    await sample("POST", "/claws", "/claws", 409, spec("alice"));
    await sample("POST", "/claws", "/claws", 400, spec("carol", { colour: "red" }));
    const deploy = await sample("POST", "/claws/{name}/deploy", "/claws/alice/deploy", 202);
    const opPath = `/operations/${String(deploy.body.operationId)}`;
    await eventually(async () =>
      (await call("GET", opPath)).body.status === "succeeded" ? true : undefined,
    );
    // What a deploy's verify leaves on the record, so the sample carries the observed fields too.
    const state = createStateStore(azurite.connectionString);
    await state.claws.updateObserved("alice", {
      powerState: "running",
      imageVersion: "1.0.0",
      vmId: "vm-alice",
      vmName: "alice",
      hostKeySha256: "SHA256:abc",
      lastVerify: { at: new Date().toISOString(), ok: true, total: 12, failed: [] },
    });
    await sample("GET", "/claws/{name}", "/claws/alice", 200);
    await sample("GET", "/claws", "/claws", 200);
    await sample("GET", "/claws/{name}", "/claws/ghost", 404);
    await sample("GET", "/operations/{id}", opPath, 200);
    await sample("GET", "/operations", "/operations?claw=alice", 200);
    await sample("GET", "/operations", "/operations?limit=0", 400);
  });

  it("pins and the fleet view: a pinned claw shows its pin, its schedule and next event", async () => {
    const pinned = await sample("POST", "/claws/{name}/pin", "/claws/alice/pin", 200, { hours: 2 });
    expect(pinned.body.pinnedUntil).toEqual(expect.any(String));
    await sample("POST", "/claws/{name}/pin", "/claws/alice/pin", 400, { hours: 0 });
    // What the handler refuses for its shape, the documented schema refuses too.
    const pinBody = requestValidatorFor("POST", "/claws/{name}/pin");
    for (const bad of [{ hours: 0 }, { hours: 169 }, { hours: "3" }, { hours: 1, extra: true }, {}]) {
      expect(pinBody(bad), JSON.stringify(bad)).toBe(false);
    }
    await sample("POST", "/claws/{name}/pin", "/claws/ghost/pin", 404, { hours: 1 });
    const fleet = await sample("GET", "/fleet", "/fleet", 200);
    const rows = fleet.body.claws as Record<string, unknown>[];
    expect(rows.map((r) => r.name)).toEqual(["alice", "bob"]);
    expect(rows[0].pinnedUntil).toBe(pinned.body.pinnedUntil);
    expect(rows[1]).toMatchObject({ schedule: { mode: "scheduled" }, next: { action: expect.any(String) } });
    const unpin = await call("DELETE", "/claws/alice/pin");
    expect(unpin.status).toBe(204);
  });

  it("stats and audit: fleet hours and the audit trail of what was done above", async () => {
    const hours = await sample("GET", "/stats/fleet-hours", "/stats/fleet-hours?days=3", 200);
    expect((hours.body.days as unknown[]).length).toBe(3);
    await sample("GET", "/stats/fleet-hours", "/stats/fleet-hours?days=100", 400);
    const audit = await sample("GET", "/audit", "/audit?days=1&limit=50", 200);
    const kinds = (audit.body.entries as { kind: string; accepted: boolean }[]).map((e) => e.kind);
    expect(kinds).toEqual(expect.arrayContaining(["createClaw", "deploy", "pin", "unpin"]));
    expect((audit.body.entries as { accepted: boolean }[]).some((e) => !e.accepted)).toBe(true);
    await sample("GET", "/audit", "/audit?days=99", 400);
  });

  it("rollouts: start, refuse a second, list, read, control, refuse unknown ones", async () => {
    const state = createStateStore(azurite.connectionString);
    await state.images.upsert({ version: "1.1.0", state: "Succeeded", regions: ["eastus"] });
    await sample("POST", "/rollouts", "/rollouts", 400, { version: "7.7.7" });
    await sample("GET", "/images", "/images", 200);
    const started = await sample("POST", "/rollouts", "/rollouts", 202, { version: "1.1.0", canary: 1 });
    const id = String(started.body.rolloutId);
    expect(started.headers.get("location")).toBe(started.body.statusPath);
    await sample("POST", "/rollouts", "/rollouts", 409, { version: "1.1.0" });
    const list = await sample("GET", "/rollouts", "/rollouts", 200);
    expect((list.body.rollouts as { id: string }[]).map((r) => r.id)).toContain(id);
    await sample("GET", "/rollouts/{id}", `/rollouts/${id}`, 200);
    await sample("POST", "/rollouts/{id}/{action}", `/rollouts/${id}/pause`, 202);
    await sample("POST", "/rollouts/{id}/{action}", `/rollouts/${id}/approve`, 409);
    await sample("POST", "/rollouts/{id}/{action}", `/rollouts/${id}/explode`, 404);
    await sample("GET", "/rollouts/{id}", "/rollouts/20260101T000000000Z-nothere", 404);
  });
});

/**
 * The secret store needs the twin's configuration (ARM_ENDPOINT names the mode); nothing here calls
 * ARM, so the endpoint is a closed port, and the claw is written straight to its table (creating it
 * over the API would ask the gallery).
 */
describe("secrets, access password and logs against the served document (dev host, twin settings)", () => {
  const secretsDir = mkdtempSync(path.join(tmpdir(), "openapi-secrets-"));
  onDevHost({
    ARM_ENDPOINT: "http://127.0.0.1:9",
    AZURE_SUBSCRIPTION_ID: "00000000-0000-0000-0000-000000000001",
    FLEET_RESOURCE_GROUP: "rg-fleet",
    FLEET_LOCATION: "eastus",
    FLEET_SUBNET_ID:
      "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-fleet/providers/Microsoft.Network/virtualNetworks/v/subnets/s",
    GALLERY_RESOURCE_GROUP: "rg-fleet",
    GALLERY_NAME: "g",
    GALLERY_IMAGE_NAME: "i",
    LOCAL_SECRETS_FILE: path.join(secretsDir, "secrets.json"),
  });
  afterAll(() => rmSync(secretsDir, { recursive: true, force: true }));

  beforeAll(async () => {
    const state = createStateStore(azurite.connectionString);
    await state.claws.create(clawSpecSchema.parse(spec("bob")));
  });

  it("secrets, access password and logs: a parked claw's answers and refusals", async () => {
    // bob is not deployed: a change is delivered on wake, and there are no logs to read.
    const put = await sample(
      "PUT",
      "/claws/{name}/secrets/{key}",
      "/claws/bob/secrets/ANTHROPIC_API_KEY",
      200,
      {
        value: "sk-ant-openapi-sample-0001",
      },
    );
    expect(put.body.delivery).toMatchObject({ state: "on-wake" });
    await sample("PUT", "/claws/{name}/secrets/{key}", "/claws/bob/secrets/NOT_A_KEY", 400, { value: "x" });
    await sample("GET", "/claws/{name}/secrets", "/claws/bob/secrets", 200);
    await sample("POST", "/claws/{name}/access-password/rotate", "/claws/bob/access-password/rotate", 200);
    await sample("GET", "/claws/{name}/access-password", "/claws/bob/access-password", 200);
    await sample("DELETE", "/claws/{name}/secrets/{key}", "/claws/bob/secrets/ANTHROPIC_API_KEY", 200);
    await sample("DELETE", "/claws/{name}/secrets/{key}", "/claws/bob/secrets/ANTHROPIC_API_KEY", 404);
    await sample("GET", "/claws/{name}/logs", "/claws/bob/logs", 409);
    await sample("GET", "/claws/{name}/logs", "/claws/bob/logs?source=nope", 400);
  });
});
