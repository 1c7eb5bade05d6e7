/**
 * Test support: compiles a fixture app (test/devhost/apps/*.ts) to CommonJS under the gitignored
 * .data/test-apps/ with its own host.json, so the dev host loads a compiled JS entry exactly as it
 * loads dist/functions/index.js; and starts an in-memory Azurite on free ports.
 */
import fs from "fs";
import path from "path";
import { randomBytes } from "crypto";
import ts from "typescript";
import { startAzurite, type AzuriteHandle } from "../../local/host/azurite";

const repoRoot = path.resolve(__dirname, "../..");

/** Compiles `test/devhost/apps/<name>.ts` and writes `hostJson` beside it; returns the JS entry. */
export function compileFixtureApp(name: string, hostJson: Record<string, unknown>): string {
  const source = fs.readFileSync(path.join(repoRoot, "test/devhost/apps", `${name}.ts`), "utf8");
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
    },
    fileName: `${name}.ts`,
  });
  const dir = path.join(repoRoot, ".data", "test-apps", `${name}-${randomBytes(4).toString("hex")}`);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "main.js"), outputText);
  fs.writeFileSync(path.join(dir, "host.json"), JSON.stringify({ version: "2.0", ...hostJson }, null, 2));
  return path.join(dir, "main.js");
}

/** Removes a compiled fixture app folder. */
export function removeFixtureApp(main: string): void {
  fs.rmSync(path.dirname(main), { recursive: true, force: true });
}

/** An in-memory Azurite on free loopback ports. */
export function startTestAzurite(): Promise<AzuriteHandle> {
  return startAzurite({ blobPort: 0, queuePort: 0, tablePort: 0 });
}

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs = 15_000,
  what = "condition",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
