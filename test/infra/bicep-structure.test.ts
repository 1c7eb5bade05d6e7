import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  BICEP_DIR,
  REPO_ROOT,
  type Declaration,
  bodyOf,
  declarations,
  objectEntries,
  readBicep,
} from "./bicep-text";

// What `az bicep build` would catch between files, checked here without the compiler: module paths,
// parameters passed against parameters declared, outputs read against outputs declared.

function bicepFiles(dir = BICEP_DIR, prefix = ""): string[] {
  return readdirSync(path.join(dir, prefix), { withFileTypes: true }).flatMap((e) => {
    const rel = path.posix.join(prefix, e.name);
    if (e.isDirectory()) return bicepFiles(dir, rel);
    return e.name.endsWith(".bicep") ? [rel] : [];
  });
}

const FILES = bicepFiles();
const DECLS = new Map(FILES.map((f) => [f, declarations(readBicep(f))]));

function decls(file: string, kind: Declaration["kind"]): Declaration[] {
  return (DECLS.get(file) ?? []).filter((d) => d.kind === kind);
}

function moduleTarget(file: string, module: Declaration): string {
  return path.posix.normalize(path.posix.join(path.posix.dirname(file), module.type));
}

describe("bicep structure", () => {
  it("bicep: the entry points and modules are all there", () => {
    expect(FILES).toEqual(
      expect.arrayContaining(["main.bicep", "fleet.bicep", "modules/function-app.bicep"]),
    );
    expect(FILES.length).toBeGreaterThanOrEqual(11);
  });

  it("modules: every module path exists", () => {
    for (const file of FILES) {
      for (const m of decls(file, "module")) {
        expect(FILES, `${file}: module ${m.name}`).toContain(moduleTarget(file, m));
      }
    }
  });

  it("modules: each call passes only declared parameters and every parameter without a default", () => {
    for (const file of FILES) {
      for (const m of decls(file, "module")) {
        const target = moduleTarget(file, m);
        const declared = decls(target, "param");
        const passed = [...objectEntries(objectEntries(bodyOf(m)).get("params") ?? "{}").keys()];
        const where = `${file}: module ${m.name} -> ${target}`;
        expect(
          passed.filter((p) => !declared.some((d) => d.name === p)),
          where,
        ).toEqual([]);
        const required = declared.filter((d) => d.value === "").map((d) => d.name);
        expect(
          required.filter((p) => !passed.includes(p)),
          where,
        ).toEqual([]);
      }
    }
  });

  it("modules: every `<module>.outputs.<name>` read is an output of that module", () => {
    for (const file of FILES) {
      const modules = new Map(decls(file, "module").map((m) => [m.name, moduleTarget(file, m)]));
      for (const [, symbol, output] of readBicep(file).matchAll(/\b(\w+)\.outputs\.(\w+)/g)) {
        const target = modules.get(symbol);
        expect(target, `${file}: ${symbol} is not a module`).toBeDefined();
        expect(
          decls(target ?? "", "output").map((o) => o.name),
          `${file}: ${symbol}.outputs.${output}`,
        ).toContain(output);
      }
    }
  });

  it("lint: every parameter and variable is used (bicepconfig.json makes unused ones errors)", () => {
    for (const file of FILES) {
      const text = readBicep(file);
      for (const d of [...decls(file, "param"), ...decls(file, "var")]) {
        // A match that starts its line and is followed by `:` is an object key, not a use.
        const uses = [
          ...text.matchAll(new RegExp(`(^[ \\t]*)?(?<![\\w.'])${d.name}\\b(\\s*:)?`, "gm")),
        ].filter((m) => !(m[1] !== undefined && m[2] !== undefined));
        // One match is the declaration itself.
        expect(uses.length, `${file}: ${d.kind} ${d.name}`).toBeGreaterThan(1);
      }
    }
  });

  it("files: every loadJsonContent path exists", () => {
    for (const file of FILES) {
      for (const [, rel] of readBicep(file).matchAll(/loadJsonContent\('([^']+)'\)/g)) {
        expect(existsSync(path.join(BICEP_DIR, path.dirname(file), rel)), `${file}: ${rel}`).toBe(true);
      }
    }
  });

  it("parameters: main.parameters.json sets only main.bicep's parameters and all required ones", () => {
    const params = decls("main.bicep", "param");
    const file = JSON.parse(readFileSync(path.join(BICEP_DIR, "main.parameters.json"), "utf8")) as {
      parameters: Record<string, { value: string }>;
    };
    const set = Object.keys(file.parameters);
    expect(set.filter((p) => !params.some((d) => d.name === p))).toEqual([]);
    expect(params.filter((d) => d.value === "" && !set.includes(d.name)).map((d) => d.name)).toEqual([]);
    // azd substitutes environment variables; a literal value here would be per-operator data.
    for (const [name, { value }] of Object.entries(file.parameters)) {
      expect(value, name).toMatch(/^\$\{[A-Z_]+(=[^}]*)?\}$/);
    }
  });

  it("parameters: fleet.bicepparam targets fleet.bicep and sets only its parameters", () => {
    const text = readFileSync(path.join(BICEP_DIR, "fleet.bicepparam"), "utf8");
    expect(text).toMatch(/^using 'fleet\.bicep'$/m);
    const declared = decls("fleet.bicep", "param").map((d) => d.name);
    const set = [...text.matchAll(/^param (\w+)\s*=/gm)].map((m) => m[1]);
    expect(set.filter((p) => !declared.includes(p))).toEqual([]);
    const required = decls("fleet.bicep", "param")
      .filter((d) => d.value === "")
      .map((d) => d.name);
    expect(required.filter((p) => !set.includes(p))).toEqual([]);
  });

  it("secrets: no secure parameter, no secret value, no key listing anywhere in bicep/", () => {
    for (const file of FILES) {
      const text = readBicep(file);
      expect(text, file).not.toMatch(/@secure\(\)/);
      expect(text, file).not.toMatch(/\.listKeys\(|listKeys\(|listSecrets\(/);
    }
    const files = readdirSync(BICEP_DIR).filter((f) => /\.(json|bicepparam)$/.test(f));
    for (const file of files) {
      const text = readFileSync(path.join(BICEP_DIR, file), "utf8");
      expect(text, file).not.toMatch(/(secret|token|password|key)\w*["']?\s*[:=]\s*["'][^$'"][^'"]*["']/i);
    }
  });

  it("azd: azure.yaml provisions bicep/main.bicep and deploys the api service to the tagged Function App", () => {
    const yaml = readFileSync(path.join(REPO_ROOT, "azure.yaml"), "utf8");
    expect(yaml).toMatch(/^\s+path: bicep$/m);
    expect(yaml).toMatch(/^\s+module: main$/m);
    expect(yaml).toMatch(/^ {2}api:$/m);
    expect(yaml).toMatch(/^\s+host: function$/m);
    expect(readBicep("modules/function-app.bicep")).toMatch(/'azd-service-name': 'api'/);
    // azd needs exactly one resource group tagged with the environment.
    const tagged = FILES.filter((f) => /'azd-env-name'/.test(readBicep(f)));
    expect(tagged).toEqual(["main.bicep"]);
    expect(readBicep("main.bicep")).toMatch(/fleetTags = \{[^}]*\}/);
    expect(/fleetTags = \{[^}]*\}/.exec(readBicep("main.bicep"))?.[0]).not.toContain("azd-env-name");
  });

  it("function app: Flex Consumption, Node 20/22, user-assigned identity for deployment and Key Vault", () => {
    const text = readBicep("modules/function-app.bicep");
    expect(text).toMatch(/name: 'FC1'/);
    expect(text).toMatch(/tier: 'FlexConsumption'/);
    expect(text).toMatch(/@allowed\(\[\s*'20'\s*'22'\s*\]\)\s*param nodeVersion string/);
    expect(text).toMatch(/type: 'UserAssigned'/);
    expect(text).toMatch(/keyVaultReferenceIdentity: identityId/);
    expect(text).toMatch(/type: 'UserAssignedIdentity'\s*userAssignedIdentityResourceId: identityId/);
    expect(readBicep("modules/key-vault.bicep")).toMatch(/enableRbacAuthorization: true/);
  });
});
