// Summary: esbuild plugins that leave what registration does not need to its first use, so the
//          worker registers the functions without compiling or running the code the handlers need
//          later (schemas, storage SDKs, the durable client's HTTP stack).
// Usage: const app = deferAppImports({ root, chunk: "./core.js" });
//   build({ ..., plugins: [app.plugin, deferDurableFunctionsRequires({ chunks })] });
//   build({ stdin: { contents: libraryChunkEntry(app.deferred), ... }, outfile: ".../core.js" });
//
// Every module still exists once (the app's libraries only in their chunk, so `instanceof` and
// module state hold); only the moment a module is compiled and run moves. A deferred module runs
// when one of its exports is first read; registration code that reads an export at load still
// loads it then, so behaviour is unchanged, only earlier or later.
import { readFile } from "node:fs/promises";
import path from "node:path";

const NAMESPACE = "deferred-module";

/**
 * The object the importer sees: its prototype is a proxy that evaluates the real module on the
 * first property read. esbuild's interop helper (__toESM) copies only own keys and reads
 * `__esModule`, both answered here without evaluating anything; every export name falls through
 * to the prototype, so no list of names is needed and a name the module lacks reads undefined,
 * as a direct import would. The module itself lives in the library chunk, which is compiled only
 * then: `chunk` is its path relative to the bundle, `key` the module's path in the repository.
 */
const deferredModuleSource = (chunk, key) => `"use strict";
let loaded;
const load = () => (loaded ??= require(${JSON.stringify(chunk)}).modules[${JSON.stringify(key)}]());
const exportsOf = new Proxy(Object.create(null), {
  get: (_, key) => load()[key],
  has: (_, key) => key in load(),
});
module.exports = Object.defineProperty(Object.create(exportsOf), "__esModule", { value: true });
`;

// `import`/`export ... from`, require() and import() all reach the module through the stub.
const DEFERRABLE = new Set(["import-statement", "require-call", "dynamic-import"]);

const within = (dir, file) => {
  const rel = path.relative(dir, file);
  return rel !== "" && !rel.startsWith("..") && !path.isAbsolute(rel);
};

/**
 * Imports (and require() or import()) from registration code (`from` folders: triggers and sagas) into
 * the app's libraries (`into` folders) resolve to a stub that loads the library module from the
 * library chunk on first use. Libraries import each other directly inside the chunk, so one copy of
 * each exists. Only bindings are deferred: a bare `import "x"` of a library module would lose its
 * side effect and `export * from "x"` its names (esbuild copies a CommonJS module's own keys at
 * load), so both are refused. Returns the plugin and the modules it deferred (repository-relative
 * path → absolute path), from which libraryChunkEntry() builds the chunk.
 */
export function deferAppImports({ root, chunk, from = ["functions", "orchestrations"], into = ["core"] }) {
  const fromDirs = from.map((d) => path.join(root, d));
  const intoDirs = into.map((d) => path.join(root, d));
  const deferred = new Map();
  const plugin = {
    name: "defer-app-imports",
    setup(build) {
      build.onResolve({ filter: /^\.\.?\// }, async (args) => {
        if (args.namespace === NAMESPACE && args.path === chunk) return { path: chunk, external: true };
        if (args.pluginData === NAMESPACE || !DEFERRABLE.has(args.kind)) return undefined;
        if (!fromDirs.some((d) => within(d, args.importer))) return undefined;
        const real = await build.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          pluginData: NAMESPACE,
        });
        if (real.errors.length || !intoDirs.some((d) => within(d, real.path))) return undefined;
        const source = await readFile(args.importer, "utf8");
        const spec = `["']${escapeRegExp(args.path)}["']`;
        if (new RegExp(`^\\s*import\\s*${spec}`, "m").test(source)) {
          return {
            errors: [
              { text: `a bare import of ${args.path} would defer its side effects; import a binding` },
            ],
          };
        }
        if (new RegExp(`^\\s*export\\s*\\*\\s*from\\s*${spec}`, "m").test(source)) {
          return {
            errors: [{ text: `export * from ${args.path} cannot be deferred; name the exports` }],
          };
        }
        const key = path.relative(root, real.path).split(path.sep).join("/");
        deferred.set(key, real.path);
        return { path: key, namespace: NAMESPACE };
      });
      build.onLoad({ filter: /.*/, namespace: NAMESPACE }, (args) => ({
        contents: deferredModuleSource(chunk, args.path),
        resolveDir: root,
        loader: "js",
      }));
    },
  };
  return { plugin, deferred };
}

/** The library chunk's entry: each deferred module by its key, evaluated when first asked for. */
export function libraryChunkEntry(deferred) {
  const lines = [...deferred].map(
    ([key, abs]) => `  ${JSON.stringify(key)}: () => require(${JSON.stringify(abs)}),`,
  );
  return `exports.modules = {\n${lines.join("\n")}\n};\n`;
}

const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

/**
 * durable-functions' entry requires its whole library at load: the durable client's axios,
 * validator and lodash, moment for HTTP polling, the testing helpers. Registration uses a few of
 * them. Its files are TypeScript's CommonJS output, where a dependency is bound once at the top
 * (`const X_1 = require("./X");`) and read at use; each such binding becomes a proxy that requires
 * the module on first use (call, `new` or property read). Re-exports and side-effect requires are
 * left as they are. `chunks` maps packages it requires to files of their own (paths relative to
 * the bundle), so they are not even compiled until then.
 */
export function deferDurableFunctionsRequires({ chunks = {} } = {}) {
  const helper = `function __deferRequire(load) {
  let loaded;
  const real = () => (loaded ??= load());
  return new Proxy(function deferred() {}, {
    get: (_, key) => real()[key],
    has: (_, key) => key in real(),
    apply: (_, self, args) => Reflect.apply(real(), self, args),
    construct: (_, args) => Reflect.construct(real(), args),
  });
}
`;
  const files = /[\\/]node_modules[\\/]durable-functions[\\/]lib[\\/].*\.js$/;
  const names = Object.keys(chunks);
  return {
    name: "defer-durable-functions-requires",
    setup(build) {
      if (names.length) {
        const filter = new RegExp(`^(${names.map(escapeRegExp).join("|")})$`);
        build.onResolve({ filter }, (args) =>
          files.test(args.importer) ? { path: chunks[args.path], external: true } : undefined,
        );
      }
      build.onLoad({ filter: files }, async (args) => {
        const source = await readFile(args.path, "utf8");
        let count = 0;
        const contents = source.replace(
          /^const (\w+) = require\(("[^"]+")\);$/gm,
          (_, name, spec) => (count++, `const ${name} = __deferRequire(() => require(${spec}));`),
        );
        return { contents: count ? `${contents}\n${helper}` : source, loader: "js" };
      });
    },
  };
}
