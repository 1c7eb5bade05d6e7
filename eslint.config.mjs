// ESLint flat config: typescript-eslint with type information so floating promises are caught.
import tseslint from "typescript-eslint";

/** An import pattern for the top-level folders a layer may not reach (any depth of ../). */
const above = (dirs, why) => ({ regex: `^(\\.\\./)+(${dirs.join("|")})(/|$)`, message: why });
const NO_FUNCTIONS_OR_LOCAL = above(
  ["functions", "local"],
  "Sagas and activities sit below the triggers and know nothing of the twin: move what both need into core/.",
);

/** Layers: core/ <- orchestrations/ <- functions/; local/ (the twin) is reached by none of them. */
export const layers = [
  {
    files: ["core/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            above(
              ["orchestrations", "functions", "local"],
              "core/ is the bottom layer: put what sagas and triggers share in core/ (saga contracts: core/sagas).",
            ),
          ],
        },
      ],
    },
  },
  {
    files: ["orchestrations/**/*.ts"],
    rules: { "no-restricted-imports": ["error", { patterns: [NO_FUNCTIONS_OR_LOCAL] }] },
  },
  {
    files: ["functions/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            above(["local"], "The function app runs on Azure too: it may not load the twin (local/)."),
          ],
        },
      ],
    },
  },
];

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "**/*.js", "**/*.mjs", ".data/**", "vitest.config.mts"] },
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": ["error", { checksVoidReturn: false }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  ...layers,
  {
    // Orchestrators must be deterministic: no clock, no randomness, no Node I/O in saga files.
    files: ["orchestrations/**/*.ts"],
    ignores: ["orchestrations/**/activities*.ts", "orchestrations/activities/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: [
                "fs",
                "node:*",
                "child_process",
                "net",
                "http",
                "https",
                "ssh2",
                "@azure/arm-*",
                "@azure/data-tables",
                "@azure/storage-queue",
              ],
              message: "Orchestrators do no I/O: use an activity.",
            },
            // This block's rule replaces the layer block's for saga files: keep its pattern.
            NO_FUNCTIONS_OR_LOCAL,
          ],
        },
      ],
      "no-restricted-properties": [
        "error",
        { object: "Date", property: "now", message: "Use context.df.currentUtcDateTime." },
        { object: "Math", property: "random", message: "Orchestrators must be deterministic." },
      ],
      "no-restricted-syntax": [
        "error",
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: "Use context.df.currentUtcDateTime.",
        },
      ],
    },
  },
);
