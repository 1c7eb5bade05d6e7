/**
 * The OpenAPI document against the routes the function app registers, with no exemptions: the app's
 * entry (functions/index.ts) is loaded as the dev host loads it and its HTTP registrations are
 * routed with the dev host's own router (Functions' route precedence). Every documented operation
 * must reach a registered function under the same method, path and parameter names; every
 * registered function and method must be reached by a documented operation; a route parameter the
 * document spells out as literal paths (the claw actions) must list exactly what the handler takes.
 */
import { createRequire } from "node:module";
import path from "node:path";
import Ajv2020 from "ajv/dist/2020";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openApiDocument } from "../../core/openapi";
import { createLogger } from "../../local/host/log";
import { buildRoutes } from "../../local/host/http/server";
import { matchRoute, type CompiledRoute } from "../../local/host/http/routes";
import { loadApp, type RegisteredFunction } from "../../local/host/registry";
import { removeTsApp, writeTsApp } from "../api/devhost-app";

const ROOT = path.resolve(__dirname, "../..");
const PREFIX = "/api";
const METHODS = ["get", "put", "post", "delete", "patch", "head", "options"] as const;

interface Operation {
  security?: unknown[];
  parameters?: { name: string; in: string; schema?: { enum?: string[] } }[];
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}
type PathItem = Partial<Record<(typeof METHODS)[number], Operation>> & { servers?: { url: string }[] };
interface Doc {
  paths: Record<string, PathItem>;
  components: { schemas: Record<string, unknown> };
}

let main: string;
let routes: CompiledRoute<RegisteredFunction>[];
/** Values a route parameter takes, from the handlers' own constants (loaded with the app). */
let enumerated: Record<string, Record<string, readonly string[]>>;
const doc = openApiDocument(`${PREFIX}/v1`) as unknown as Doc;

beforeAll(() => {
  main = writeTsApp("functions/index.ts", {});
  const registry = loadApp(main, { log: createLogger({ level: "error" }) });
  routes = buildRoutes(registry.functions.values());
  // The same module instances the app registered with (Node's require, as the dev host loads it).
  const load = createRequire(main);
  const { CLAW_ACTIONS } = load(path.join(ROOT, "functions/http/actions.ts")) as {
    CLAW_ACTIONS: readonly string[];
  };
  const { CONTROL_ACTIONS } = load(path.join(ROOT, "core/sagas/fleet.ts")) as {
    CONTROL_ACTIONS: readonly string[];
  };
  enumerated = {
    "v1/claws/{name}/{action}": { action: CLAW_ACTIONS },
    "v1/rollouts/{id}/{action}": { action: CONTROL_ACTIONS },
  };
}, 60_000);
afterAll(() => main && removeTsApp(main));

/** Every documented operation: its path after the route prefix, e.g. /v1/claws/{name}. */
function documented(): { method: string; docPath: string; routePath: string; op: Operation }[] {
  const out = [];
  for (const [docPath, item] of Object.entries(doc.paths)) {
    const base = new URL(item.servers?.[0]?.url ?? `${PREFIX}/v1`, "http://h").pathname;
    expect(base.startsWith(PREFIX), `${docPath}: its server is under ${PREFIX}`).toBe(true);
    for (const m of METHODS) {
      const op = item[m];
      if (op)
        out.push({ method: m.toUpperCase(), docPath, routePath: base.slice(PREFIX.length) + docPath, op });
    }
  }
  return out;
}

/** The registered route a documented operation reaches (parameters filled with a sample value). */
function resolve(routePath: string, method: string) {
  const concrete = routePath.replace(/\{([^}]+)\}/g, (_m, name: string) => `sample-${name}`);
  return matchRoute(routes, concrete, method);
}

const literalSegments = (template: string) => template.replace(/^\/+/, "").split("/");

describe("OpenAPI document against the registered routes", () => {
  it("routes: the app's registrations were loaded (the check itself works)", () => {
    const templates = routes.map((r) => r.template);
    expect(templates).toEqual(
      expect.arrayContaining([
        "v1/health/ready",
        "v1/claws/{name}/{action}",
        "v1/rollouts",
        "console/{*path}",
      ]),
    );
    expect(routes.length).toBeGreaterThan(20);
    for (const r of routes) expect(r.methods.length, `${r.template} lists its methods`).toBeGreaterThan(0);
  });

  it("routes: every documented operation reaches a registered function by method, path and parameter names", () => {
    const problems: string[] = [];
    for (const { method, docPath, routePath, op } of documented()) {
      const m = resolve(routePath, method);
      if (m.kind !== "ok") {
        problems.push(`${method} ${docPath}: ${m.kind}`);
        continue;
      }
      const docSegs = literalSegments(routePath);
      const routeSegs = literalSegments(m.route.template);
      const docParams = new Set((op.parameters ?? []).filter((p) => p.in === "path").map((p) => p.name));
      routeSegs.forEach((seg, i) => {
        const param = /^\{\*?([^}:?=]+)/.exec(seg)?.[1];
        if (!param) return;
        const docSeg = docSegs[i];
        const named = /^\{([^}]+)\}$/.exec(docSeg)?.[1];
        if (named !== undefined) {
          if (named !== param)
            problems.push(`${method} ${docPath}: {${named}} is {${param}} in ${m.route.template}`);
          if (!docParams.has(named))
            problems.push(`${method} ${docPath}: path parameter ${named} not described`);
          return;
        }
        // A literal where the route has a parameter: only a value the handler takes.
        const values = enumerated[m.route.template]?.[param];
        if (!values?.includes(docSeg)) {
          problems.push(
            `${method} ${docPath}: '${docSeg}' is not a value ${m.route.template} takes for {${param}}`,
          );
        }
      });
      for (const p of docParams) {
        if (!m.route.params.some((rp) => rp.name === p))
          problems.push(`${method} ${docPath}: no route parameter ${p}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("routes: every registered function and method is reached by a documented operation", () => {
    const reached = new Map<string, Set<string>>();
    for (const { method, routePath } of documented()) {
      const m = resolve(routePath, method);
      if (m.kind === "ok")
        reached.set(m.route.template, (reached.get(m.route.template) ?? new Set()).add(method));
    }
    const missing = routes.flatMap((r) =>
      r.methods
        .filter((m) => !reached.get(r.template)?.has(m))
        .map((m) => `${m} ${r.template} (${r.target.name})`),
    );
    expect(missing).toEqual([]);
  });

  it("routes: a parameter spelled out as literal paths, or as an enum, lists every value the handler takes", () => {
    for (const [template, params] of Object.entries(enumerated)) {
      const route = routes.find((r) => r.template === template);
      expect(route, template).toBeDefined();
      for (const [param, values] of Object.entries(params)) {
        const documentedValues = new Set<string>();
        for (const { method, routePath, op } of documented()) {
          const m = resolve(routePath, method);
          if (m.kind !== "ok" || m.route.template !== template) continue;
          const i = literalSegments(template).findIndex((s) => s === `{${param}}`);
          const seg = literalSegments(routePath)[i];
          if (seg === `{${param}}`) {
            const e = op.parameters?.find((p) => p.name === param && p.in === "path")?.schema?.enum;
            expect(e, `${routePath}: {${param}} has an enum`).toBeDefined();
            e?.forEach((v) => documentedValues.add(v));
          } else documentedValues.add(seg);
        }
        expect([...documentedValues].sort(), `${template} {${param}}`).toEqual([...values].sort());
      }
    }
  });

  it("auth: function-key routes inherit the document's key; anonymous ones document what guards them", () => {
    const problems: string[] = [];
    for (const { method, docPath, routePath, op } of documented()) {
      const m = resolve(routePath, method);
      if (m.kind !== "ok") continue;
      const level = String(m.route.target.trigger.options.authLevel ?? "function").toLowerCase();
      if (level === "anonymous" && op.security === undefined) {
        problems.push(
          `${method} ${docPath}: anonymous in the app, but documented as taking the function key`,
        );
      }
      if (level !== "anonymous" && op.security !== undefined) {
        problems.push(`${method} ${docPath}: takes the function key, but the document overrides security`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("schemas: every component compiles as JSON Schema 2020-12 and every $ref resolves", () => {
    const ajv = new Ajv2020({ strict: true, allowUnionTypes: true });
    ajv.addKeyword("components");
    ajv.addSchema({ $id: "openapi.json", components: doc.components });
    for (const name of Object.keys(doc.components.schemas)) {
      expect(() => ajv.getSchema(`openapi.json#/components/schemas/${name}`), name).not.toThrow();
    }
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map(
      (m) => m[1],
    );
    for (const r of refs) expect(doc.components.schemas, r).toHaveProperty(r);
  });

  it("responses: every operation documents its success and 4xx answers with a body schema where JSON", () => {
    const problems: string[] = [];
    for (const { method, docPath, op } of documented()) {
      const statuses = Object.keys(op.responses);
      if (!statuses.some((s) => s.startsWith("2"))) problems.push(`${method} ${docPath}: no 2xx`);
      if (!statuses.some((s) => s.startsWith("4"))) problems.push(`${method} ${docPath}: no 4xx`);
      for (const [status, r] of Object.entries(op.responses)) {
        const schema = r.content?.["application/json"]?.schema;
        if (r.content?.["application/json"] && !schema)
          problems.push(`${method} ${docPath} ${status}: no schema`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("health: GET /health/ready is documented with its 200 and 503", () => {
    const ready = doc.paths["/health/ready"]?.get;
    expect(Object.keys(ready?.responses ?? {})).toEqual(expect.arrayContaining(["200", "503", "401"]));
  });
});
