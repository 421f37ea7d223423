import { describe, expect, test } from "vitest";
import { readScriptDefinition } from "../../../src/definitions/read-definition.js";
import { defineScript, describeScript } from "../../../src/sdk/define-script.js";
import { bool, file, float, int, string } from "../../../src/sdk/inputs.js";

const IMPORTS = 'import { defineScript, string, int, float, bool, file } from "chorebot";\n';
const SDK = { defineScript, string, int, float, bool, file };

/** The definition as the SDK describes it at run time: the same text, evaluated with the real SDK. */
function atRuntime(definition: string): ReturnType<typeof describeScript> {
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- evaluating the definition's text is the point
  const build = new Function(...Object.keys(SDK), `return defineScript(${definition});`) as (...sdk: unknown[]) => Parameters<typeof describeScript>[0];
  return describeScript(build(...Object.values(SDK)));
}

/** `export default defineScript(<definition>)` on line 2, read statically. */
const read = (definition: string, fileName = "scripts/x.ts") => readScriptDefinition(`${IMPORTS}export default defineScript(${definition});\n`, fileName);
/** Where `snippet` first occurs in `source`, 1-based. */
function at(source: string, snippet: string): { line: number; column: number } {
  const before = source.slice(0, source.indexOf(snippet)).split("\n");
  return { line: before.length, column: before.at(-1)!.length + 1 };
}
const problems = (source: string) => {
  const reading = readScriptDefinition(source, "scripts/x.ts");
  expect(reading.definition).toBeNull();
  return reading.problems;
};

describe("readScriptDefinition agrees with the SDK's describeScript", () => {
  test.each([
    ["the least a script declares", "{ run() {} }"],
    [
      "the README's example",
      `{
        description: "Re-send welcome emails to users created in a date range",
        inputs: {
          since: string({ default: "2026-11-01", pattern: /^\\d{4}-\\d{2}-\\d{2}$/, description: "ISO date" }),
          limit: int({ default: 100, min: 1, description: "at most this many users" }),
          dryRun: bool({ default: true }),
        },
        concurrency: "self",
        timeout: "20m",
        async run({ inputs }) { return inputs; },
      }`,
    ],
    [
      "every input type and option",
      `{
        description: \`multi\\nline\`,
        inputs: {
          env: string({ choices: ["staging", "production"], required: true, description: 'where' }),
          path: string({ pattern: /^[a-z/]+\\/x$/iu, optional: true, validate: (v) => v.trim() }),
          token: string({ secret: true, default: "dev-token" }),
          quiet: string({ secret: false, default: "" }),
          limit: int({ min: -10, max: 10, default: -1, validate(v) { return v !== 0; } }),
          ratio: float({ min: 0.5, max: 1e3, required: false }),
          dryRun: bool({ default: false, description: "no writes" }),
          force: bool(),
          ids: file({ optional: true, description: "one id a line" }),
          csv: file({ default: "data.csv", secret: true }),
        },
        concurrency: "global",
        timeout: 90,
        run: async () => undefined,
      }`,
    ],
    [
      "quoted and integer-like input names, in the runtime's key order",
      '{ inputs: { "dry-run": bool(), "2": int(), "1": int() }, concurrency: "none", timeout: "1h 30m", run() {} }',
    ],
    [
      "patterns with and without flags, in any order",
      `{
        inputs: {
          plain: string({ pattern: /^acct_\\d+$/ }),
          folded: string({ pattern: /^acct_\\d+$/i, secret: true }),
          many: string({ pattern: /^\\p{L}+$/yusmig }),
          sets: string({ pattern: /[\\p{L}--[a-z]]/dv, choices: ["Ä"] }),
          slash: string({ pattern: /a\\/b/m }),
        },
        run() {},
      }`,
    ],
    ["a fractional timeout in seconds", "{ timeout: 0.25, description: '', run() {} }"],
    ["the variables a script needs, in its order", '{ env: ["STRIPE_KEY", "DATABASE_URL", "_x1"], timeout: "1m", run() {} }'],
    ["no variables at all", "{ env: [], run() {} }"],
    ["variables written as templates", "{ env: [`DATABASE_URL`, 'REDIS_HOST'], run() {} }"],
  ])("%s", (_, definition) => {
    const expected = atRuntime(definition);
    const reading = read(definition);
    expect(reading).toStrictEqual({ definition: expected, usesDefineScript: true, problems: [] });
    expect(JSON.stringify(reading.definition)).toBe(JSON.stringify(expected));
  });
});

describe("readScriptDefinition", () => {
  test.each([
    ["a plain script", 'console.log("hello");\n'],
    ["a plain script using the SDK's reporting", 'import { log, counter } from "chorebot";\nlog("hi");\ncounter.inc("n");\n'],
    ["an unused import of defineScript", 'import { defineScript } from "chorebot";\nconsole.log(1);\n'],
    ["another package's defineScript", 'import { defineScript } from "other";\nexport default defineScript({ timeout: soon });\n'],
    ["defineScript named only in types", 'import { defineScript } from "chorebot";\nexport type S = ReturnType<typeof defineScript>;\n'],
    [
      "properties named defineScript",
      'import { defineScript } from "chorebot";\nconst o = { defineScript: 1 };\nconst { defineScript: x } = o;\nconsole.log(o.defineScript, x);\n',
    ],
  ])("%s has no definition and no problems", (_, source) => {
    expect(readScriptDefinition(source, "scripts/x.ts")).toStrictEqual({ definition: null, usesDefineScript: false, problems: [] });
  });

  test("renamed imports", () => {
    const source = [
      'import { defineScript as define, int as integer, "string" as text } from "chorebot";',
      "export default define({ inputs: { n: integer({ default: 3 }), s: text() }, run() {} });",
    ].join("\n");
    expect(readScriptDefinition(source, "scripts/x.ts").definition?.inputs).toStrictEqual({
      n: { type: "int", required: false, default: 3 },
      s: { type: "string", required: true },
    });
  });

  test("namespace imports, with TypeScript's erased wrappers around the values", () => {
    const source = [
      'import * as cb from "chorebot";',
      "export default (cb.defineScript({",
      '  inputs: { env: cb.string({ choices: ["a", "b"] as const, default: "a" as const }), n: cb.float(<{}>{ min: 1 }) },',
      '  timeout: "2h",',
      "  run() {},",
      "}) satisfies cb.DefinedScript);",
    ].join("\n");
    expect(readScriptDefinition(source, "scripts/x.ts")).toStrictEqual({
      definition: {
        description: null,
        inputs: { env: { type: "string", required: false, default: "a", choices: ["a", "b"] }, n: { type: "float", required: true, min: 1 } },
        concurrency: "self",
        timeoutMs: 7_200_000,
        env: null,
        schedule: null,
        approval: null,
        iteration: null,
        workflow: null,
      },
      usesDefineScript: true,
      problems: [],
    });
  });

  test("run and validate are code: any expression, shorthands included", () => {
    const source = `${IMPORTS}const run = async () => 1, validate = Boolean;\nexport default defineScript({ inputs: { s: string({ validate }) }, run });\n`;
    expect(readScriptDefinition(source, "scripts/x.ts").problems).toStrictEqual([]);
  });

  test("a JavaScript script", () => {
    expect(read("{ inputs: { n: int({ default: 1 }) }, run() {} }", "scripts/x.mjs").definition?.inputs.n).toStrictEqual({
      type: "int",
      required: false,
      default: 1,
    });
  });

  test("a non-literal default is a problem at its place, saying what to write", () => {
    const source = `${IMPORTS}const LIMIT = 100;\nexport default defineScript({\n  inputs: {\n    limit: int({ default: LIMIT }),\n  },\n  run() {},\n});\n`;
    expect(readScriptDefinition(source, "scripts/x.ts")).toStrictEqual({
      definition: null,
      usesDefineScript: true,
      problems: [
        {
          line: 5,
          column: 27,
          message: "inputs.limit: default must be a literal (a number like 100), not the name `LIMIT`: chorebot reads definitions without running the script",
        },
      ],
    });
  });

  test.each([
    ["a call", 'description: String("x")', 'description must be a literal (a string like "text"), not a call'],
    ["a template with substitutions", "description: `v${1}`", 'description must be a literal (a string like "text"), not a template with ${…}'],
    ["a shorthand property", "inputs", "inputs must be an object literal like { limit: int({ default: 100 }) }"],
    [
      "a regex built at run time",
      'inputs: { s: string({ pattern: new RegExp("x") }) }',
      "inputs.s: pattern must be a literal (a regular expression like /^\\d+$/), not a call",
    ],
    [
      "a spread in choices",
      'inputs: { s: string({ choices: ["a", ...more] }) }',
      'inputs.s: choices[1] must be a literal (a string like "text"), not a spread',
    ],
    ["a method", 'description() { return "x"; }', 'description must be a literal (a string like "text"), not a function'],
    ["a unary plus", "inputs: { n: int({ min: +1 }) }", "inputs.n: min must be a literal (a number like 100), not an expression"],
    ["an input that is no builder call", "inputs: { n: 5 }", 'inputs.n must be a call to string(), int(), float(), bool() or file() from "chorebot"'],
    ["options that are no object literal", "inputs: { n: int(opts) }", "inputs.n: the options of int() must be an object literal like { default: … }"],
  ])("%s in a definition is a problem", (_, property, message) => {
    const found = problems(`${IMPORTS}const inputs = {}, more = [], opts = {};\nexport default defineScript({ ${property}, run() {} });\n`);
    expect(found).toEqual([expect.objectContaining({ line: 3, message: expect.stringContaining(message) })]);
    expect(found[0]?.message).toMatch(/without running the script$/);
  });

  test("a literal of the wrong kind says which kind it needs", () => {
    const source = `${IMPORTS}export default defineScript({\n  inputs: { n: int({ min: "1", default: [] }), b: bool({ default: /x/ }) },\n  run() {},\n});\n`;
    expect(problems(source)).toStrictEqual([
      { ...at(source, '"1"'), message: "inputs.n: min must be a number like 100, not a string" },
      { ...at(source, "[]"), message: "inputs.n: default must be a number like 100, not an array" },
      { ...at(source, "/x/"), message: "inputs.b: default must be true or false, not a regular expression" },
    ]);
  });

  test("spreads, computed keys, accessors, __proto__ and repeats, at every level", () => {
    const source = [
      IMPORTS.trimEnd(),
      'const base = {}, key = "k";',
      "export default defineScript({",
      "  ...base,",
      "  inputs: { ...base, [key]: int(), 1: int(), n: int({ ...base, get default() { return 1; } }) },",
      '  timeout: "1m",',
      '  timeout: "2m",',
      "  __proto__: {},",
      "  run() {},",
      "});",
    ].join("\n");
    const computed = "write the property's name as a word or a string, not a computed or numeric key";
    expect(problems(source).map(({ line, column, message }) => ({ line, column, message: message.replace(/: chorebot reads.*/, "") }))).toStrictEqual([
      { ...at(source, "...base,\n"), message: "defineScript: write each property as `name: value` instead of a spread" },
      { ...at(source, "...base, ["), message: "inputs: write each property as `name: value` instead of a spread" },
      { ...at(source, "[key]"), message: `inputs: ${computed}` },
      { ...at(source, "1: int()"), message: `inputs: ${computed}` },
      { ...at(source, "...base, get"), message: "inputs.n: write each property as `name: value` instead of a spread" },
      { ...at(source, "get default"), message: "inputs.n: write `name: value` instead of an accessor" },
      { ...at(source, 'timeout: "2m"'), message: "defineScript: `timeout` is given twice: keep one" },
      { ...at(source, "__proto__"), message: "defineScript: `__proto__` sets the object's prototype, it is no property: rename it" },
    ]);
  });

  test("unknown options are problems, prototype names included", () => {
    const source = `${IMPORTS}export default defineScript({\n  retries: 3,\n  inputs: { s: string({ min: 1 }), n: int({ pattern: /x/, constructor: 1 }) },\n  run() {},\n});\n`;
    expect(problems(source).map((p) => p.message)).toStrictEqual([
      "defineScript has no option `retries` (it has description, inputs, concurrency, timeout, env, schedule, approval, run, collection, process, batchSize, pause, count)",
      "inputs.s: string() has no option `min` (it has required, optional, description, secret, validate, default, pattern, choices)",
      "inputs.n: int() has no option `pattern` (it has required, optional, description, secret, validate, default, min, max)",
      "inputs.n: int() has no option `constructor` (it has required, optional, description, secret, validate, default, min, max)",
    ]);
  });

  test("builders must come from chorebot", () => {
    const source =
      'import { defineScript } from "chorebot";\nimport { int } from "./_inputs.js";\nexport default defineScript({ inputs: { n: int(), m: toString() }, run() {} });\n';
    expect(problems(source).map((p) => [p.line, p.column])).toStrictEqual([
      [3, 44],
      [3, 54],
    ]);
  });

  test("the SDK's own checks: concurrency, timeout, required with optional, min above max, run", () => {
    const source = `${IMPORTS}export default defineScript({\n  concurrency: "many",\n  timeout: "soon",\n  inputs: { a: string({ required: true, optional: true }), n: int({ min: 2, max: 1 }) },\n});\n`;
    expect(problems(source)).toStrictEqual([
      { line: 2, column: 29, message: "defineScript needs `run`, the function that does the work" },
      { line: 3, column: 16, message: 'concurrency must be one of none, self, global, not "many"' },
      { line: 4, column: 12, message: 'timeout: invalid duration "soon": use e.g. "90s", "20m", "2h" or a number of seconds' },
      { line: 5, column: 16, message: "inputs.a: required and optional at once" },
      { line: 5, column: 63, message: "inputs.n: min 2 > max 1" },
    ]);
  });

  test("a definition that says nothing of env has env null: it gets every SCRIPT_ENV variable", () => {
    expect(read("{ run() {} }").definition?.env).toBeNull();
    expect(read('{ env: ["DATABASE_URL"], run() {} }').definition?.env).toStrictEqual(["DATABASE_URL"]);
  });

  test("env through TypeScript's erased wrappers", () => {
    expect(read('{ env: (["DATABASE_URL", <string>"REDIS_HOST"] as const) satisfies readonly string[], run() {} }').definition?.env).toStrictEqual([
      "DATABASE_URL",
      "REDIS_HOST",
    ]);
  });

  test.each([
    ["a name", "env: NAMES", "NAMES, run", 'env must be a literal (an array of strings like ["staging", "production"]), not the name `NAMES`'],
    ["a call", 'env: ["A"].concat(NAMES)', '["A"].concat', 'env must be a literal (an array of strings like ["staging", "production"]), not a call'],
    ["a name in the array", 'env: ["B", NAME]', "NAME]", 'env[1] must be a literal (a string like "text"), not the name `NAME`'],
    ["a spread in the array", "env: [...NAMES]", "...NAMES", 'env[0] must be a literal (a string like "text"), not a spread'],
    ["a template with substitutions", "env: [`DB_${NAME}`]", "`DB_", 'env[0] must be a literal (a string like "text"), not a template with ${…}'],
  ])("env as %s is a problem where it is, though it would run", (_, property, snippet, message) => {
    const source = `${IMPORTS}const NAMES = ["A"], NAME = "A";\nexport default defineScript({ ${property}, run() {} });\n`;
    expect(problems(source)).toStrictEqual([{ ...at(source, snippet), message: `${message}: chorebot reads definitions without running the script` }]);
  });

  test.each([
    ["a string", 'env: "DATABASE_URL"', '"DATABASE_URL"', 'env must be an array of strings like ["staging", "production"], not a string'],
    ["a number in the array", "env: [1]", "1]", 'env[0] must be a string like "text", not a number'],
    ["a hole in the array", 'env: ["A", , "B"]', ' , "B"', 'env[1] must be a literal (a string like "text"), not an expression'],
    ["no variable name", 'env: ["DATABASE URL"]', '"DATABASE URL"', 'env[0]: "DATABASE URL" is not an environment variable name'],
    ["an empty name", 'env: ["A", ""]', '""', 'env[1]: "" is not an environment variable name'],
    ["a name starting with a digit", 'env: ["1PASSWORD"]', '"1PASSWORD"', 'env[0]: "1PASSWORD" is not an environment variable name'],
    ["an assignment", 'env: ["A=1"]', '"A=1"', 'env[0]: "A=1" is not an environment variable name'],
    ["a repeated name", 'env: ["A", "B", "A"]', '"A"]', "env[2]: A is listed twice"],
  ])("env as %s is a problem where it is, and the SDK refuses it too", (_, property, snippet, message) => {
    const source = `${IMPORTS}export default defineScript({ ${property}, run() {} });\n`;
    expect(problems(source)).toStrictEqual([{ ...at(source, snippet), message: expect.stringContaining(message) }]);
    expect(() => atRuntime(`{ ${property}, run() {} }`)).toThrow(/^defineScript: env/);
  });

  test.each([
    ["-5", "timeout: invalid duration -5: must be positive"],
    ["0", "timeout: invalid duration 0: must be positive"],
    ['"20 minutes"', 'timeout: invalid duration "20 minutes": use e.g. "90s", "20m", "2h" or a number of seconds'],
    ["true", 'timeout must be a duration like "20m" or a number of seconds, not a boolean'],
  ])("timeout %s is a problem", (timeout, message) => {
    expect(read(`{ timeout: ${timeout}, run() {} }`)).toStrictEqual({ definition: null, usesDefineScript: true, problems: [{ line: 2, column: 40, message }] });
  });

  test("an invalid regular expression is a problem", () => {
    expect(read("{ inputs: { s: string({ pattern: /(/ }) }, run() {} }").problems).toStrictEqual([
      { line: 2, column: 62, message: "inputs.s: pattern is not a valid regular expression: Invalid regular expression: /(/: Unterminated group" },
    ]);
  });

  test("a pattern's flags are read, canonically ordered, and left out when there are none", () => {
    expect(read("{ inputs: { a: string({ pattern: /x/ }), b: string({ pattern: /x\\/y/ui }) }, run() {} }").definition?.inputs).toStrictEqual({
      a: { type: "string", required: true, pattern: "x" },
      b: { type: "string", required: true, pattern: "x\\/y", flags: "iu" },
    });
  });

  test("unknown or repeated flags are a problem", () => {
    expect(read("{ inputs: { s: string({ pattern: /x/ii }) }, run() {} }").problems).toStrictEqual([
      { line: 2, column: 62, message: "inputs.s: pattern is not a valid regular expression: Invalid flags supplied to RegExp constructor 'ii'" },
    ]);
  });

  test("two defineScript calls", () => {
    const source = `${IMPORTS}const other = defineScript({ run() {} });\nexport default defineScript({ run() {} });\n`;
    expect(readScriptDefinition(source, "scripts/x.ts")).toStrictEqual({
      definition: null,
      usesDefineScript: true,
      problems: [
        { line: 2, column: 15, message: "defineScript must be the default export: write `export default defineScript({ … })`" },
        { line: 3, column: 16, message: "call defineScript once per script (the first call is on line 2)" },
      ],
    });
  });

  test.each([
    ["exported by name", "export const script = defineScript({ run() {} });\n", 2, 23],
    ["exported later", "const script = defineScript({ run() {} });\nexport default script;\n", 2, 16],
    ["called inside the export", "export default [defineScript({ run() {} })][0];\n", 2, 17],
    ["exported the CommonJS way", "export = defineScript({ run() {} });\n", 2, 10],
  ])("a defineScript %s is not the default export", (_, body, line, column) => {
    expect(problems(`${IMPORTS}${body}`)).toStrictEqual([
      { line, column, message: "defineScript must be the default export: write `export default defineScript({ … })`" },
    ]);
  });

  test.each([
    [
      "an alias",
      'import { defineScript } from "chorebot";\nconst d = defineScript;\nexport default d({ run() {} });\n',
      2,
      11,
      "call defineScript only as `export default defineScript({ … })`",
    ],
    [
      "a computed member",
      'import * as cb from "chorebot";\nexport default cb["defineScript"]({ run() {} });\n',
      2,
      16,
      "use the SDK namespace only as `cb.name`",
    ],
    [
      "the namespace passed on",
      'import * as cb from "chorebot";\nconst { defineScript } = cb;\nexport default defineScript({ run() {} });\n',
      2,
      26,
      "use the SDK namespace only as `cb.name`",
    ],
    [
      "a dynamic import",
      'const { defineScript } = await import("chorebot");\nexport default defineScript({ run() {} });\n',
      1,
      32,
      'import the SDK statically (import { defineScript } from "chorebot")',
    ],
    [
      "require",
      'const sdk = require("chorebot");\nexport default sdk.defineScript({ run() {} });\n',
      1,
      13,
      'import the SDK statically (import { defineScript } from "chorebot")',
    ],
  ])("reaching defineScript through %s is a problem", (_, source, line, column, message) => {
    expect(readScriptDefinition(source, "scripts/x.ts")).toStrictEqual({
      definition: null,
      usesDefineScript: true,
      problems: [{ line, column, message: `${message}: chorebot reads definitions without running the script` }],
    });
  });

  test("a file that does not parse: the parser's errors, no definition", () => {
    expect(readScriptDefinition(`${IMPORTS}export default defineScript({\n  run() {},\n`, "scripts/x.ts")).toStrictEqual({
      definition: null,
      usesDefineScript: true,
      problems: [{ line: 4, column: 1, message: "'}' expected." }],
    });
    expect(readScriptDefinition("let = ;\n", "scripts/x.ts")).toMatchObject({ definition: null, usesDefineScript: false, problems: [{ line: 1 }] });
  });
});
