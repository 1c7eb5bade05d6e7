/**
 * The layer rules of eslint.config.mjs: core/ imports nothing from orchestrations/, functions/ or
 * local/; orchestrations/ nothing from functions/ or local/; functions/ nothing from local/.
 * Samples are linted with the config's own layer blocks (the rest of the config needs type
 * information, which text that is not on disk cannot have).
 */
import path from "node:path";
import { pathToFileURL } from "node:url";
import { ESLint, type Linter } from "eslint";
import tseslint from "typescript-eslint";
import { beforeAll, describe, expect, it } from "vitest";

const root = path.resolve(__dirname, "../..");
let eslint: ESLint;

beforeAll(async () => {
  const config = (await import(pathToFileURL(path.join(root, "eslint.config.mjs")).href)) as {
    layers: Linter.Config[];
  };
  eslint = new ESLint({
    cwd: root,
    overrideConfigFile: true,
    overrideConfig: [{ files: ["**/*.ts"], languageOptions: { parser: tseslint.parser } }, ...config.layers],
  });
});

async function refusals(file: string, from: string): Promise<string[]> {
  const code = `import type { X } from "${from}";\nexport type Y = X;\n`;
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return result.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

describe("layers", () => {
  it.each([
    ["core/fleet/sample.ts", "../../orchestrations/saga-kit"],
    ["core/fleet/sample.ts", "../../functions/http/deps"],
    ["core/sample.ts", "../local/twin"],
    ["orchestrations/sample.ts", "../functions/http/deps"],
    ["orchestrations/activities/sample.ts", "../../local/twin"],
    ["orchestrations/upgrade/sample.ts", "../../functions/queue"],
    ["functions/http/sample.ts", "../../local/host/main"],
  ])("an upward import is refused: %s imports %s", async (file, from) => {
    const found = await refusals(file, from);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^no-restricted-imports: /);
  });

  it.each([
    ["core/commands/saga.ts", ["orchestrations", "functions", "local"]],
    ["orchestrations/deploy-claw.ts", ["functions", "local"]],
    ["orchestrations/activities/wiring.ts", ["functions", "local"]],
    ["functions/http/deps.ts", ["local"]],
  ])("the whole config keeps the layer rule for %s (later blocks do not drop it)", async (file, dirs) => {
    const config = (await new ESLint({ cwd: root }).calculateConfigForFile(path.join(root, file))) as {
      rules: Record<string, [unknown, { patterns: { regex?: string }[] }]>;
    };
    const regexes = config.rules["no-restricted-imports"][1].patterns.map((p) => p.regex).filter(Boolean);
    expect(regexes).toContain(`^(\\.\\./)+(${dirs.join("|")})(/|$)`);
  });

  it.each([
    ["core/fleet/sample.ts", "../sagas"],
    ["orchestrations/sample.ts", "../core/sagas"],
    ["orchestrations/activities/sample.ts", "../../core/app"],
    ["functions/http/sample.ts", "../../orchestrations/activities/deps"],
    ["local/host/sample.ts", "../../functions/http/deps"],
  ])("a downward import is allowed: %s imports %s", async (file, from) => {
    expect(await refusals(file, from)).toEqual([]);
  });
});
