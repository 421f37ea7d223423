// ESLint flat config: @eslint/js recommended + typescript-eslint's type-aware recommended rules.
// `npm run lint` runs it; `npm test` runs it (after the type check, before the tests), so CI enforces it.
import js from "@eslint/js";
import { defineConfig, globalIgnores } from "eslint/config";
import tseslint from "typescript-eslint";

export default defineConfig(
  globalIgnores([
    "dist/",
    "coverage/",
    ".chorebot/",
    // esbuild output that a test compares byte for byte with what the bundler produces
    "test/unit/runner/fixtures/",
  ]),
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        // tsconfig.json covers src, test, bench, scripts and vitest.config.ts: one program for all of
        // them, which is faster than projectService's one program per nearest tsconfig (bench has its own).
        project: "./tsconfig.json",
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // The point of linting here: a promise nobody awaits or catches, or one handed to a caller that
      // ignores it (an event listener, forEach), loses its rejection.
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      // `async` without `await` is deliberate here: it is how stubs, defaults and SDK scripts satisfy a
      // Promise-returning type, and it turns a synchronous throw into a rejection, which callers rely on.
      "@typescript-eslint/require-await": "off",
      // Mapping to "a promise or nothing" before Promise.all is a pattern the code uses on purpose.
      "@typescript-eslint/await-thenable": ["error", { allowMixedPromiseArrays: true }],
      // Passing on a caught `unknown` as is keeps the original error; rejecting with a literal is still flagged.
      "@typescript-eslint/prefer-promise-reject-errors": ["error", { allowThrowingUnknown: true }],
      // Same conventions as tsconfig's noUnusedParameters: `_name` is unused on purpose, and
      // `const { a, ...rest } = o` drops `a` on purpose.
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrorsIgnorePattern: "^_", ignoreRestSiblings: true },
      ],
    },
  },
  {
    // Tests read JSON (logs, webhook and API bodies, nock request bodies) as `any` and check it with
    // expect(), which is the type check that matters there; typing every fixture would only add casts.
    files: ["test/**/*.ts"],
    rules: {
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-return": "off",
    },
  },
  {
    // Plain JavaScript (this file) is in no tsconfig: lint it without type information.
    files: ["**/*.js", "**/*.mjs", "**/*.cjs"],
    extends: [tseslint.configs.disableTypeChecked],
  },
);
