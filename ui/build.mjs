// Builds the operator's console into dist/ui: one minified, content-hashed script and style sheet
// (cacheable for a year) and index.html naming them (revalidated on every load). esbuild, no CDN.
import * as esbuild from "esbuild";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.dirname(fileURLToPath(import.meta.url));
const out = path.join(root, "..", "dist", "ui");
fs.rmSync(out, { recursive: true, force: true });
const result = await esbuild.build({
  entryPoints: { app: path.join(root, "src", "main.tsx") },
  bundle: true,
  minify: true,
  format: "esm",
  target: "es2022",
  jsx: "automatic",
  jsxImportSource: "preact",
  entryNames: "[name]-[hash]",
  outdir: out,
  metafile: true,
  legalComments: "none",
  logLevel: "warning",
});
const outputs = Object.keys(result.metafile.outputs).map((f) => path.basename(f));
const js = outputs.find((f) => f.endsWith(".js"));
const css = outputs.find((f) => f.endsWith(".css"));
const html = fs
  .readFileSync(path.join(root, "index.html"), "utf8")
  .replace("%APP_JS%", js)
  .replace("%APP_CSS%", css ?? "");
fs.writeFileSync(path.join(out, "index.html"), html);
const sizes = outputs.map((f) => `${f} ${fs.statSync(path.join(out, f)).size} B`).join(", ");
console.log(`ui: built ${sizes}`);
