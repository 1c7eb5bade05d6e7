// ESLint flat config: typescript-eslint with type information so floating promises are caught.
import tseslint from "typescript-eslint";

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
