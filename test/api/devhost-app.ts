/**
 * Builds a loadable entry for the dev host from TypeScript sources without a build step: a small
 * main.js (beside its own host.json under the gitignored .data/) that teaches Node's require to
 * transpile .ts files, then requires the app module.
 */
import fs from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";

const repoRoot = path.resolve(__dirname, "../..");

const TS_HOOK = `
const fs = require("fs");
const ts = require("typescript");
if (!require.extensions[".ts"]) {
  require.extensions[".ts"] = function (module, filename) {
    const { outputText } = ts.transpileModule(fs.readFileSync(filename, "utf8"), {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
      fileName: filename,
    });
    module._compile(outputText, filename);
  };
}
`;

/** Writes main.js + host.json for `appModule` (a .ts path relative to the repo); returns main.js. */
export function writeTsApp(appModule: string, hostJson: Record<string, unknown>): string {
  const dir = path.join(repoRoot, ".data", "test-apps", `api-${randomBytes(4).toString("hex")}`);
  fs.mkdirSync(dir, { recursive: true });
  const target = JSON.stringify(path.join(repoRoot, appModule));
  fs.writeFileSync(path.join(dir, "main.js"), `${TS_HOOK}\nrequire(${target});\n`);
  fs.writeFileSync(path.join(dir, "host.json"), JSON.stringify({ version: "2.0", ...hostJson }, null, 2));
  return path.join(dir, "main.js");
}

export function removeTsApp(main: string): void {
  fs.rmSync(path.dirname(main), { recursive: true, force: true });
}
