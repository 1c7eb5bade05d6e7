#!/usr/bin/env node
// Summary: build the Function App's deployment package: one esbuild bundle of functions/index.ts
//          (every dependency inlined) at dist/functions/index.js, host.json, a package.json without
//          dependencies, and runtime/ (the claw payload the cloud-init renderer reads).
// Usage: node scripts/bundle-function-app.mjs OUT_DIR [--root DIR] [--metafile FILE]
//   OUT_DIR must not exist or is replaced. The Functions worker loads "main" of the package.json
//   (dist/functions/index.js), so nothing else — no node_modules, no twin, no tests — is shipped.
//   The renderer finds runtime/ by walking up from the bundle, as it does from dist/ in the repo.
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { deferAppImports, deferDurableFunctionsRequires, libraryChunkEntry } from "./lazy-modules.mjs";

const NAME = "bundle-function-app";
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { root: { type: "string" }, metafile: { type: "string" } },
});
const root = path.resolve(values.root ?? path.join(path.dirname(fileURLToPath(import.meta.url)), ".."));
const out = positionals[0] ? path.resolve(root, positionals[0]) : "";
if (!out || out === root || out === path.parse(out).root) {
  process.stderr.write(
    `${NAME}: give an output folder other than the repository (e.g. .deploy/function-app)\n`,
  );
  process.exit(2);
}
const entry = path.join(root, "functions/index.ts");
if (!existsSync(entry)) {
  process.stderr.write(`${NAME}: ${entry} is missing\n`);
  process.exit(1);
}

const tmp = `${out}.tmp`;
rmSync(tmp, { recursive: true, force: true });
mkdirSync(tmp, { recursive: true });
const outDir = path.join(tmp, "dist/functions");

// Packages that only some invocations need load on first use, not at cold start: each is bundled
// into its own file under lazy/, and the app's import of it resolves to a stub whose exports are a
// proxy that requires the chunk when a property is first read. The ARM SDKs alone are 2.5 MB of the
// 5.6 MB the app would be. Each chunk carries its own copy of the Azure core libraries; the app
// talks to them through duck-typed credentials, pipeline policies and error names only.
const LAZY = [
  "@azure/arm-compute",
  "@azure/arm-network",
  "@azure/identity",
  "@azure/keyvault-secrets",
  "ssh2",
  "grammy",
  // Only on Azure, with APPLICATIONINSIGHTS_CONNECTION_STRING (core/telemetry/setup.ts).
  "@azure/monitor-opentelemetry",
];
// What only durable-functions' client and HTTP polling use; its own requires of them are deferred
// (scripts/lazy-modules.mjs), so these chunks need no stub.
const DURABLE_LAZY = ["axios", "validator", "moment", "lodash/cloneDeep", "uuid", "debug"];
const chunkName = (pkgName) => pkgName.replace(/^@/, "").replace(/\//g, "-");
const lazyEscape = new RegExp(`^(${LAZY.map((n) => n.replace(/[/.]/g, "\\$&")).join("|")})$`);
const lazyChunks = {
  name: "lazy-chunks",
  setup(b) {
    b.onResolve({ filter: lazyEscape }, (args) => ({
      path: `./lazy/${chunkName(args.path)}.js`,
      external: true,
    }));
  },
};
const stub = (file) => `"use strict";
// Loads ./${file} when the app first reads one of its exports (scripts/bundle-function-app.mjs).
let loaded;
const load = () => (loaded ??= require("./${file}"));
module.exports = new Proxy({}, {
  get: (_, key) => load()[key],
  has: (_, key) => key in load(),
  ownKeys: () => Reflect.ownKeys(load()),
  getOwnPropertyDescriptor(_, key) {
    const d = Object.getOwnPropertyDescriptor(load(), key);
    return d && { ...d, configurable: true };
  },
});
`;

const common = {
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  // @azure/functions-core is provided by the Functions Node worker. ssh2's optional native add-ons
  // (required inside try/catch, with a JavaScript fallback) are left out, as the staged
  // node_modules always left them unbuilt.
  external: ["@azure/functions-core", "cpu-features", "./crypto/build/Release/sshcrypto.node"],
  // Smaller and faster to parse; names kept so stack traces in the logs stay readable.
  minify: true,
  keepNames: true,
  sourcemap: "linked",
  sourcesContent: false,
  legalComments: "linked",
  // ESM-first dependencies call createRequire(import.meta.url); in a CommonJS bundle that is the bundle's URL.
  define: { "import.meta.url": "__bundleUrl" },
  banner: { js: 'var __bundleUrl = require("url").pathToFileURL(__filename).href;' },
  logLevel: "warning",
};
// What the worker loads is only registration: triggers, sagas, @azure/functions and the parts of
// durable-functions that register. The app's libraries (core/) go to core.js, compiled and run on
// first use (scripts/lazy-modules.mjs): parsing them alone took longer than the 300 ms aim.
const app = deferAppImports({ root, chunk: "./core.js" });
const result = await build({
  ...common,
  entryPoints: [entry],
  outfile: path.join(outDir, "index.js"),
  plugins: [
    lazyChunks,
    app.plugin,
    deferDurableFunctionsRequires({
      chunks: Object.fromEntries(DURABLE_LAZY.map((n) => [n, `./lazy/${chunkName(n)}.chunk.js`])),
    }),
  ],
  metafile: Boolean(values.metafile),
});
const core = await build({
  ...common,
  stdin: { contents: libraryChunkEntry(app.deferred), resolveDir: root, loader: "js", sourcefile: "core.js" },
  outfile: path.join(outDir, "core.js"),
  plugins: [lazyChunks],
  metafile: Boolean(values.metafile),
});
if (values.metafile) {
  const outputs = { ...result.metafile.outputs, ...core.metafile.outputs };
  const inputs = { ...result.metafile.inputs, ...core.metafile.inputs };
  writeFileSync(path.resolve(values.metafile), JSON.stringify({ inputs, outputs }));
}
mkdirSync(path.join(outDir, "lazy"), { recursive: true });
for (const pkgName of LAZY) {
  const name = chunkName(pkgName);
  await build({
    ...common,
    stdin: {
      contents: `module.exports = require(${JSON.stringify(pkgName)});`,
      resolveDir: root,
      loader: "js",
    },
    outfile: path.join(outDir, "lazy", `${name}.chunk.js`),
  });
  writeFileSync(path.join(outDir, "lazy", `${name}.js`), stub(`${name}.chunk.js`));
}
const durableDir = path.join(root, "node_modules/durable-functions");
for (const pkgName of DURABLE_LAZY) {
  await build({
    ...common,
    stdin: {
      contents: `module.exports = require(${JSON.stringify(pkgName)});`,
      resolveDir: durableDir,
      loader: "js",
    },
    outfile: path.join(outDir, "lazy", `${chunkName(pkgName)}.chunk.js`),
  });
}

const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
const shipped = {
  name: pkg.name,
  version: pkg.version,
  description: pkg.description,
  private: true,
  main: "dist/functions/index.js",
  type: "commonjs",
  engines: pkg.engines,
};
writeFileSync(path.join(tmp, "package.json"), `${JSON.stringify(shipped, null, 2)}\n`);
cpSync(path.join(root, "host.json"), path.join(tmp, "host.json"));
if (existsSync(path.join(root, "runtime")))
  cpSync(path.join(root, "runtime"), path.join(tmp, "runtime"), { recursive: true });
rmSync(out, { recursive: true, force: true });
renameSync(tmp, out);
