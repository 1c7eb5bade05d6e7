/**
 * scripts/lazy-modules.mjs on a small app built in a temp folder: registration code loads without
 * evaluating the libraries it imports, the first read evaluates them once, and what a direct import
 * guarantees (live bindings, one class for instanceof) still holds; imports that cannot be deferred
 * fail the build; durable-functions' top-level requires run on first use.
 */
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { build, type Plugin } from "esbuild";
import { afterEach, beforeAll, describe, expect, it } from "vitest";

interface LazyModules {
  deferAppImports(o: { root: string; chunk: string }): { plugin: Plugin; deferred: Map<string, string> };
  libraryChunkEntry(deferred: Map<string, string>): string;
  deferDurableFunctionsRequires(o?: { chunks?: Record<string, string> }): Plugin;
}

let lazy: LazyModules;
/** Loads a built file as the worker would (CommonJS). */
const load = createRequire(__filename);
const dirs: string[] = [];
const evaluated = globalThis as { lazyTestEvaluated?: string[] };

beforeAll(async () => {
  const file = path.resolve(__dirname, "../../scripts/lazy-modules.mjs");
  lazy = (await import(pathToFileURL(file).href)) as LazyModules;
});
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  delete evaluated.lazyTestEvaluated;
});

function tree(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "lazy-modules-"));
  dirs.push(root);
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    fs.writeFileSync(path.join(root, name), text);
  }
  return root;
}

const common = { bundle: true, platform: "node", format: "cjs", logLevel: "silent" } as const;

/** Builds functions/index.ts as the bundle script does: registration in index.js, core/ in core.js. */
async function buildApp(root: string): Promise<string> {
  const out = path.join(root, "out");
  const app = lazy.deferAppImports({ root, chunk: "./core.js" });
  await build({
    ...common,
    entryPoints: [path.join(root, "functions/index.ts")],
    outfile: path.join(out, "index.js"),
    plugins: [app.plugin],
  });
  await build({
    ...common,
    stdin: { contents: lazy.libraryChunkEntry(app.deferred), resolveDir: root, loader: "js" },
    outfile: path.join(out, "core.js"),
  });
  return path.join(out, "index.js");
}

const note = (name: string) => `(globalThis.lazyTestEvaluated ??= []).push(${JSON.stringify(name)});\n`;

const LIBRARY = {
  "core/things.ts": `${note("things")}
export class Thing {}
export let count = 0;
export function bump(): number { return ++count; }
export const isThing = (x: unknown): boolean => x instanceof Thing;
`,
  "core/other.ts": `${note("other")}export const other = "o";\n`,
};

describe("deferAppImports", () => {
  it("defer: registration loads without evaluating core/, which runs once on first read", async () => {
    const root = tree({
      ...LIBRARY,
      "functions/index.ts": `import { bump, count, isThing, Thing } from "../core/things";
import { other } from "../core/other";
${note("registration")}
export function run() {
  const before = count;
  const after = bump();
  return { before, after, live: count, same: isThing(new Thing()), other };
}
`,
    });
    const main = await buildApp(root);
    const app = load(main) as { run(): Record<string, unknown> };
    expect(evaluated.lazyTestEvaluated).toEqual(["registration"]);
    expect(Object.keys(require.cache).filter((k) => k.endsWith(path.join("out", "core.js")))).toEqual([]);

    expect(app.run()).toEqual({ before: 0, after: 1, live: 1, same: true, other: "o" });
    expect(app.run()).toMatchObject({ before: 1, after: 2, live: 2 });
    expect(evaluated.lazyTestEvaluated).toEqual(["registration", "things", "other"]);
    // core/ is only in its chunk: the registration file holds none of it.
    expect(fs.readFileSync(main, "utf8")).not.toContain("instanceof");
  });

  it("defer: a bare import of a core module fails the build", async () => {
    const root = tree({ ...LIBRARY, "functions/index.ts": `import "../core/other";\n` });
    await expect(buildApp(root)).rejects.toThrow(/bare import of \.\.\/core\/other/);
  });

  it("defer: export * from a core module fails the build", async () => {
    const root = tree({ ...LIBRARY, "functions/index.ts": `export * from "../core/other";\n` });
    await expect(buildApp(root)).rejects.toThrow(/export \* from \.\.\/core\/other/);
  });

  it("defer: core modules importing each other are not deferred among themselves", async () => {
    const root = tree({
      ...LIBRARY,
      "core/uses.ts": `import { other } from "./other";\nexport const both = () => other + "!";\n`,
      "functions/index.ts": `import { both } from "../core/uses";\nexport const run = () => both();\n`,
    });
    const main = await buildApp(root);
    expect((load(main) as { run(): string }).run()).toBe("o!");
  });
});

describe("deferDurableFunctionsRequires", () => {
  const lib = "node_modules/durable-functions/lib/src";

  it("durable: its top-level requires run on first call, new or read", async () => {
    const root = tree({
      [`${lib}/index.js`]: `"use strict";
const dep_1 = require("./dep");
const callable = require("./callable");
const Klass = require("./klass");
const helper_1 = require("helper");
globalThis.lazyTestEvaluated = ["index"];
exports.read = () => dep_1.value;
exports.call = (x) => callable(x);
exports.make = () => new Klass().kind;
exports.helper = () => helper_1.name;
`,
      [`${lib}/dep.js`]: `${note("dep")}exports.value = 42;\n`,
      [`${lib}/callable.js`]: `${note("callable")}module.exports = (x) => x * 2;\n`,
      [`${lib}/klass.js`]: `${note("klass")}module.exports = class { constructor() { this.kind = "k"; } };\n`,
      "helper/index.js": `${note("helper")}exports.name = "own chunk";\n`,
    });
    const out = path.join(root, "out");
    await build({
      ...common,
      entryPoints: [path.join(root, lib, "index.js")],
      outfile: path.join(out, "index.js"),
      plugins: [lazy.deferDurableFunctionsRequires({ chunks: { helper: "./helper.js" } })],
    });
    await build({
      ...common,
      entryPoints: [path.join(root, "helper/index.js")],
      outfile: path.join(out, "helper.js"),
    });
    const df = load(path.join(out, "index.js")) as Record<string, (x?: number) => unknown>;
    expect(evaluated.lazyTestEvaluated).toEqual(["index"]);
    expect(df.read()).toBe(42);
    expect(df.call(4)).toBe(8);
    expect(df.make()).toBe("k");
    expect(df.helper()).toBe("own chunk");
    expect(evaluated.lazyTestEvaluated).toEqual(["index", "dep", "callable", "klass", "helper"]);
  });
});
