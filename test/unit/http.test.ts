import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HttpRequest, InvocationContext } from "@azure/functions";
import type { CommandDeps } from "../../core/commands";
import { createActionHandlers } from "../../functions/http/actions";
import { createClawsHandlers } from "../../functions/http/claws";
import { createImageHandlers } from "../../functions/http/images";
import { openApi } from "../../functions/http/openapi";
import { createOperationHandlers } from "../../functions/http/operations";
import { startAzurite, type Azurite } from "../helpers/azurite";
import { spec, testDeps, type TestDeps } from "../api/fakes";

let azurite: Azurite;
beforeAll(async () => {
  azurite = await startAzurite({ table: true, queue: false });
});
afterAll(async () => {
  await azurite?.close();
});

const BASE = "http://127.0.0.1:7071/api/v1";

interface Call {
  method?: string;
  path: string;
  body?: unknown;
  raw?: string;
  headers?: Record<string, string>;
  params?: Record<string, string>;
}

function request({ method = "GET", path, body, raw, headers = {}, params = {} }: Call): HttpRequest {
  const text = raw ?? (body === undefined ? undefined : JSON.stringify(body));
  return new HttpRequest({
    method,
    url: `${BASE}${path}`,
    headers: text === undefined ? headers : { "content-type": "application/json", ...headers },
    body: text === undefined ? undefined : { string: text },
    params,
  });
}

interface Answer {
  status?: number;
  headers?: Record<string, string>;
  body: Record<string, unknown>;
}

interface Api {
  deps: TestDeps;
  logged: string[];
  call(handler: keyof Handlers, c: Call): Promise<Answer>;
}

type Handlers = ReturnType<typeof handlersFor>;
function handlersFor(deps: CommandDeps) {
  const provider = () => deps;
  return {
    ...createClawsHandlers(provider),
    ...createActionHandlers(provider),
    ...createOperationHandlers(provider),
    ...createImageHandlers(provider),
    openApi,
  };
}

async function api(withClaw = true, override?: (d: TestDeps) => CommandDeps): Promise<Api> {
  const deps = testDeps(azurite.connectionString);
  if (withClaw) await deps.state.claws.create(spec("alice"));
  const handlers = handlersFor(override ? override(deps) : deps);
  const logged: string[] = [];
  return {
    deps,
    logged,
    async call(name, c) {
      const context = new InvocationContext({
        functionName: name,
        logHandler: (_level, ...args) => logged.push(args.map(String).join(" ")),
      });
      const res = await handlers[name](request(c), context);
      const body = (res.jsonBody ?? {}) as Record<string, unknown>;
      // Whatever happens, the caller never sees a stack trace.
      expect(JSON.stringify(body)).not.toMatch(/\n\s+at |\.ts:\d+/);
      return { status: res.status, headers: res.headers as Record<string, string> | undefined, body };
    },
  };
}

const newSpec = { name: "bob", region: "eastus", vmSize: "Standard_D4s_v5", imageVersion: "1.0.0" };
const errorOf = (body: Record<string, unknown>) =>
  body.error as { code: string; message: string; operationId?: string };

describe("HTTP /claws", () => {
  it("POST /claws: creates a claw (201, Location); a repeated Idempotency-Key answers 200; a new one CLAW_EXISTS", async () => {
    const a = await api(false);
    const headers = { "Idempotency-Key": "create-bob-1" };
    const res = await a.call("clawsCollection", { method: "POST", path: "/claws", body: newSpec, headers });
    expect(res.status).toBe(201);
    expect(res.headers).toMatchObject({ Location: `${BASE}/claws/bob` });
    expect(res.body).toMatchObject({ name: "bob", spec: { ...newSpec, tags: {} } });
    expect(res.body).not.toHaveProperty("etag");
    const again = await a.call("clawsCollection", { method: "POST", path: "/claws", body: newSpec, headers });
    expect(again.status).toBe(200);
    const other = await a.call("clawsCollection", { method: "POST", path: "/claws", body: newSpec });
    expect(other.status).toBe(409);
    expect(errorOf(other.body).code).toBe("CLAW_EXISTS");
    const [audit] = await a.deps.state.audit.list();
    expect(audit).toMatchObject({ channel: "http", principal: "http:function-key", kind: "createClaw" });
  });

  it("POST /claws: bad input answers 400/413 with a message that says what to fix, and writes no claw", async () => {
    const a = await api(false);
    const post = (c: Partial<Call>) => a.call("clawsCollection", { method: "POST", path: "/claws", ...c });
    const cases: [Partial<Call>, number, RegExp][] = [
      [{ raw: '{"name": "bob",' }, 400, /not valid JSON/],
      [{ raw: "" }, 400, /must be a JSON object.*got no body/],
      [{ body: [newSpec] }, 400, /must be a JSON object.*an array/],
      [{ body: { ...newSpec, colour: "red" } }, 400, /unknown field 'colour'/],
      [{ body: { ...newSpec, vmSize: 5 } }, 400, /vmSize: .*expected string/],
      [
        { body: { ...newSpec, imageVersion: "latest" } },
        400,
        /imageVersion: must be an image version like '1\.2\.3'/,
      ],
      [{ body: { ...newSpec, name: "9lives" } }, 400, /name: must start with a letter/],
      [{ body: { ...newSpec, tags: { t: "x".repeat(70_000) } } }, 413, /at most 65536/],
      [{ body: newSpec, headers: { "Idempotency-Key": "has space" } }, 400, /Idempotency-Key header/],
      // Bounded as Azure bounds them, and never stored when longer.
      [
        { body: { ...newSpec, vmSize: `Standard_${"D".repeat(60_000)}` } },
        400,
        /vmSize: must be at most 64 characters/,
      ],
      [{ body: { ...newSpec, region: "r".repeat(41) } }, 400, /region: must be an Azure region name/],
      [
        { body: { ...newSpec, tags: { ["k".repeat(513)]: "v" } } },
        400,
        /tags: key .*tag name must be at most 512/,
      ],
      [{ body: { ...newSpec, tags: { k: "v".repeat(257) } } }, 400, /tags\.k: must be at most 256/],
      [
        {
          body: {
            ...newSpec,
            schedule: {
              mode: "scheduled",
              timeZone: "Z".repeat(5000),
              parkAt: "22:00",
              wakeAt: "07:00",
              days: ["mon"],
            },
          },
        },
        400,
        /timeZone: must be at most 64 characters/,
      ],
      // JSON.parse keeps "__proto__" as a key; copied into the spec it would vanish silently.
      [
        {
          raw: `{"name":"bob","region":"eastus","vmSize":"Standard_D4s_v5","imageVersion":"1.0.0","tags":{"__proto__":{"x":"y"}}}`,
        },
        400,
        /tags\.__proto__: '__proto__' is not accepted as a key/,
      ],
      // A body that does not say it is JSON (what a cross-site form or text/plain fetch sends).
      [
        { body: newSpec, headers: { "content-type": "text/plain" } },
        415,
        /type 'text\/plain' is not accepted; .*Content-Type: application\/json/,
      ],
      [
        { body: newSpec, headers: { "content-type": "application/x-www-form-urlencoded" } },
        415,
        /Content-Type: application\/json/,
      ],
    ];
    for (const [c, status, message] of cases) {
      const res = await post(c);
      expect(res.status, JSON.stringify(res.body)).toBe(status);
      expect(errorOf(res.body).message).toMatch(message);
    }
    expect(await a.deps.state.claws.list()).toEqual([]);
    // Refusals before the handler (bad JSON, too large, bad key) are audited like the handler's own.
    const audit = await a.deps.state.audit.list();
    expect(audit).toHaveLength(cases.length);
    expect(audit.every((e) => !e.accepted && e.kind === "createClaw" && e.channel === "http")).toBe(true);
    expect(audit.map((e) => e.reason).join("\n")).toMatch(/PAYLOAD_TOO_LARGE/);
  });

  it("GET /claws and /claws/{name}: list and read; an unknown claw is 404, a malformed name 400", async () => {
    const a = await api();
    const list = await a.call("clawsCollection", { path: "/claws" });
    expect((list.body.claws as { name: string }[]).map((c) => c.name)).toEqual(["alice"]);
    const one = await a.call("clawItem", { path: "/claws/alice", params: { name: "alice" } });
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ name: "alice", observed: {} });
    const missing = await a.call("clawItem", { path: "/claws/nobody", params: { name: "nobody" } });
    expect(missing.status).toBe(404);
    expect(errorOf(missing.body)).toEqual({ code: "CLAW_NOT_FOUND", message: "no claw named 'nobody'" });
    const bad = await a.call("clawItem", { path: "/claws/Alice_1", params: { name: "Alice_1" } });
    expect(bad.status).toBe(400);
    expect(errorOf(bad.body).message).toMatch(/claw name in the URL/);
  });

  it("PATCH /claws/{name}: changes the spec; an empty or wrong patch is 400", async () => {
    const a = await api();
    const patch = (body: unknown) =>
      a.call("clawItem", { method: "PATCH", path: "/claws/alice", params: { name: "alice" }, body });
    const ok = await patch({ vmSize: "Standard_D8s_v5" });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ spec: { vmSize: "Standard_D8s_v5", region: "eastus" } });
    const empty = await patch({});
    expect(empty.status).toBe(400);
    expect(errorOf(empty.body).message).toMatch(/must change at least one field/);
    const region = await patch({ region: "westus" });
    expect(errorOf(region.body).message).toMatch(/unknown field 'region'/);
  });

  it("DELETE /claws/{name}: starts destroy, deleting the disk only when asked explicitly", async () => {
    const a = await api();
    const bad = await a.call("clawItem", {
      method: "DELETE",
      path: "/claws/alice?deleteDisk=yes",
      params: { name: "alice" },
    });
    expect(bad.status).toBe(400);
    expect(errorOf(bad.body).message).toMatch(/deleteDisk: must be 'true' or 'false'/);
    const res = await a.call("clawItem", {
      method: "DELETE",
      path: "/claws/alice?deleteDisk=true",
      params: { name: "alice" },
    });
    expect(res.status).toBe(202);
    expect(a.deps.durable.started).toMatchObject([
      { name: "destroyClaw", input: { params: { deleteDisk: true } } },
    ]);
  });
});

describe("HTTP /claws/{name}/{action}", () => {
  const act = (a: Api, action: string, body?: unknown, headers?: Record<string, string>, name = "alice") =>
    a.call("clawAction", {
      method: "POST",
      path: `/claws/${name}/${action}`,
      params: { name, action },
      body,
      headers,
    });

  it("POST deploy: 202 with the operation id, status URL and Location; a second command on the claw is 409", async () => {
    const a = await api();
    const res = await act(a, "deploy");
    expect(res.status).toBe(202);
    const operationId = res.body.operationId as string;
    expect(res.body).toEqual({
      operationId,
      status: "running",
      statusUrl: `${BASE}/operations/${operationId}`,
      kind: "deploy",
      claw: "alice",
      duplicate: false,
    });
    expect(res.headers).toMatchObject({ Location: `${BASE}/operations/${operationId}` });

    const busy = await act(a, "upgrade", { toVersion: "1.1.0" });
    expect(busy.status).toBe(409);
    expect(errorOf(busy.body)).toMatchObject({ code: "CLAW_BUSY", operationId });
    expect(a.deps.durable.started).toHaveLength(1);
  });

  it("POST with a repeated Idempotency-Key: the same operation, no second saga", async () => {
    const a = await api();
    const headers = { "Idempotency-Key": "park-alice-7" };
    const first = await act(a, "park", undefined, headers);
    const again = await act(a, "park", undefined, headers);
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ operationId: first.body.operationId, duplicate: true });
    expect(a.deps.durable.started).toHaveLength(1);
  });

  it("POST: bodies are checked per action; unknown actions and claws are 404", async () => {
    const a = await api();
    const cases: [string, unknown, number, RegExp][] = [
      ["upgrade", undefined, 400, /toVersion: is required/],
      ["upgrade", { toVersion: "v2" }, 400, /toVersion: must be an image version/],
      ["wake", { awakeHours: "two" }, 400, /awakeHours: .*expected number/],
      ["wake", { awakeHours: 500 }, 400, /awakeHours: must be at most 168/],
      ["deploy", { imageVersion: "1.0.0" }, 400, /unknown field 'imageVersion'/],
      ["verify", { claw: "bob" }, 400, /unknown field 'claw' in the body/],
      ["reboot", undefined, 404, /no action 'reboot'.*deploy, upgrade, refresh, park, wake, verify/],
    ];
    for (const [action, body, status, message] of cases) {
      const res = await act(a, action, body);
      expect(res.status, `${action} ${JSON.stringify(body)}`).toBe(status);
      expect(errorOf(res.body).message).toMatch(message);
    }
    const refused = await a.deps.state.audit.list();
    expect(refused.filter((e) => !e.accepted && e.claw === "alice")).toHaveLength(cases.length - 1);
    const missing = await act(a, "verify", undefined, undefined, "nobody");
    expect(missing.status).toBe(404);
    expect(errorOf(missing.body).code).toBe("CLAW_NOT_FOUND");
    expect(a.deps.durable.started).toHaveLength(0);
  });

  it("POST wake: passes awakeHours to the saga", async () => {
    const a = await api();
    expect((await act(a, "wake", { awakeHours: 3 })).status).toBe(202);
    expect(a.deps.durable.started[0]).toMatchObject({
      name: "wakeClaw",
      input: { params: { awakeHours: 3 } },
    });
  });
});

describe("HTTP allowDowngrade", () => {
  const act = (a: Api, action: string, body?: unknown) =>
    a.call("clawAction", {
      method: "POST",
      path: `/claws/alice/${action}`,
      params: { name: "alice", action },
      body,
    });
  it("POST upgrade / deploy: an optional boolean allowDowngrade reaches the saga; another type is 400", async () => {
    const a = await api();
    const up = await act(a, "upgrade", { toVersion: "0.9.0", allowDowngrade: true });
    expect(up.status).toBe(202);
    expect(a.deps.durable.started[0].input.params).toEqual({ toVersion: "0.9.0", allowDowngrade: true });
    const bad = await act(a, "deploy", { allowDowngrade: "yes" });
    expect(bad.status).toBe(400);
    expect(errorOf(bad.body).message).toMatch(/allowDowngrade: .*expected boolean/);
    const b = await api();
    expect((await act(b, "deploy", { allowDowngrade: true })).status).toBe(202);
    expect(b.deps.durable.started[0].input.params).toEqual({ imageVersion: "1.0.0", allowDowngrade: true });
  });
});

describe("HTTP /operations and /images", () => {
  it("GET /operations: lists newest first, filtered; a bad filter is 400", async () => {
    const a = await api();
    await a.deps.state.claws.create(spec("bob"));
    const act = (name: string, action: string) =>
      a.call("clawAction", { method: "POST", path: `/claws/${name}/${action}`, params: { name, action } });
    const first = await act("alice", "verify");
    await act("bob", "park");
    const all = await a.call("operationsList", { path: "/operations" });
    expect((all.body.operations as { kind: string }[]).map((o) => o.kind)).toEqual(["park", "verify"]);
    const alice = await a.call("operationsList", { path: "/operations?claw=alice&status=running" });
    expect((alice.body.operations as { id: string }[]).map((o) => o.id)).toEqual([first.body.operationId]);
    const bad = await a.call("operationsList", { path: "/operations?status=done" });
    expect(bad.status).toBe(400);
    expect(errorOf(bad.body).message).toMatch(
      /status: must be one of running, succeeded, failed, compensated/,
    );
    const limit = await a.call("operationsList", { path: "/operations?limit=0" });
    expect(limit.status).toBe(400);
  });

  it("GET /operations/{id}: steps and the saga's live status; unknown id 404", async () => {
    const a = await api();
    const started = await a.call("clawAction", {
      method: "POST",
      path: "/claws/alice/deploy",
      params: { name: "alice", action: "deploy" },
    });
    const id = started.body.operationId as string;
    await a.deps.state.operations.startStep(id, "ensure-disk");
    const instance = a.deps.durable.instances.get("claw-alice");
    if (instance) instance.customStatus = { operationId: id, step: "ensure-disk" };
    const res = await a.call("operationItem", { path: `/operations/${id}`, params: { id } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id,
      status: "running",
      steps: [{ name: "ensure-disk" }],
      live: { runtimeStatus: "Running", customStatus: { step: "ensure-disk" } },
    });
    const missing = await a.call("operationItem", { path: "/operations/nope", params: { id: "nope" } });
    expect(missing.status).toBe(404);
  });

  it("GET /images: the known versions, newest first", async () => {
    const a = await api(false);
    await a.deps.state.images.upsert({ version: "1.2.0", state: "Succeeded", regions: ["eastus"] });
    await a.deps.state.images.upsert({ version: "1.10.0", state: "Creating", regions: [] });
    const res = await a.call("imagesList", { path: "/images" });
    expect((res.body.images as { version: string }[]).map((i) => i.version)).toEqual(["1.10.0", "1.2.0"]);
  });
});

describe("HTTP: the gallery decides which image versions a claw may use", () => {
  const gallery = {
    calls: 0,
    async listImageVersions() {
      gallery.calls++;
      return [
        { version: "1.0.0", provisioningState: "Succeeded", regions: ["eastus", "westus"] },
        { version: "1.1.0", provisioningState: "Succeeded", regions: ["westus"] },
        { version: "1.2.0", provisioningState: "Creating", regions: ["eastus"] },
      ];
    },
  };
  const withGallery = (d: TestDeps) => ({ ...d, gallery });
  const create = (a: Api, body: Record<string, unknown>) =>
    a.call("clawsCollection", { method: "POST", path: "/claws", body: { ...newSpec, ...body } });

  it("POST /claws: a version the gallery lacks in the claw's region is 400 naming the versions it has", async () => {
    const a = await api(false, withGallery);
    const cases: [Record<string, unknown>, RegExp][] = [
      [
        { imageVersion: "9.9.9" },
        /image version 9\.9\.9 is not in the gallery; the gallery has 1\.0\.0 in eastus/,
      ],
      [
        { imageVersion: "1.1.0" },
        /1\.1\.0 is not replicated to eastus \(only westus\); the gallery has 1\.0\.0 in eastus/,
      ],
      [{ imageVersion: "1.2.0" }, /1\.2\.0 is Creating in the gallery, not Succeeded/],
      [{ imageVersion: "9.9.9", region: "westus" }, /the gallery has 1\.1\.0, 1\.0\.0 in westus/],
    ];
    for (const [body, message] of cases) {
      const res = await create(a, body);
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(errorOf(res.body)).toMatchObject({ code: "IMAGE_NOT_FOUND" });
      expect(errorOf(res.body).message).toMatch(message);
    }
    expect(await a.deps.state.claws.list()).toEqual([]);
    expect((await create(a, { imageVersion: "1.1.0", region: "westus" })).status).toBe(201);
  });

  it("GET /images: the gallery's versions in the claws' regions, marking what the bake registered", async () => {
    const a = await api(true, withGallery); // alice is in eastus
    await a.deps.state.images.upsert({
      version: "1.0.0",
      state: "Succeeded",
      regions: ["eastus"],
      bake: { run: 7 },
    });
    await a.deps.state.images.upsert({ version: "0.9.0", state: "Succeeded", regions: ["eastus"] });
    const res = await a.call("imagesList", { path: "/images" });
    expect(res.status).toBe(200);
    expect(res.body.images).toEqual([
      expect.objectContaining({
        version: "1.0.0",
        inGallery: true,
        clawRegions: ["eastus"],
        registered: true,
        bake: { run: 7 },
      }),
      expect.objectContaining({ version: "0.9.0", inGallery: false, registered: true }),
    ]);
  });
});

describe("HTTP edge", () => {
  it("errors: an unexpected failure is a generic 500; the detail goes to the log only", async () => {
    const a = await api(false, (d) => ({
      ...d,
      state: {
        ...d.state,
        claws: {
          ...d.state.claws,
          list: () => Promise.reject(new Error("socket hang up talking to table 7f3a")),
        },
      },
    }));
    const res = await a.call("clawsCollection", { path: "/claws" });
    expect(res.status).toBe(500);
    expect(errorOf(res.body).code).toBe("INTERNAL");
    expect(JSON.stringify(res.body)).not.toContain("socket hang up");
    expect(a.logged.join("\n")).toContain("socket hang up");
  });

  it("GET /openapi.json: an OpenAPI 3.1 document built from the command schemas, every $ref resolving", async () => {
    const a = await api(false);
    const res = await a.call("openApi", { path: "/openapi.json" });
    const doc = res.body as unknown as {
      openapi: string;
      servers: { url: string }[];
      paths: Record<string, unknown>;
      components: { schemas: Record<string, { required?: string[]; properties?: Record<string, unknown> }> };
    };
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.servers[0].url).toBe(BASE);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/claws",
        "/claws/{name}",
        "/claws/{name}/upgrade",
        "/operations/{id}",
        "/images",
      ]),
    );
    const specSchema = doc.components.schemas.ClawSpec;
    expect(specSchema.required).toEqual(["name", "region", "vmSize", "imageVersion"]);
    expect(specSchema.properties?.name).toMatchObject({ pattern: "^[a-z]([a-z0-9-]{0,46}[a-z0-9])?$" });
    expect(doc.components.schemas.UpgradeBody.required).toEqual(["toVersion"]);
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map(
      (m) => m[1],
    );
    expect(refs.length).toBeGreaterThan(10);
    for (const r of refs) expect(doc.components.schemas, r).toHaveProperty(r);
  });
});
