import { describe, expect, it } from "vitest";
import { INPUTS_FILE_MAX_BYTES, parseInputsFile } from "../../../src/definitions/parse-inputs-file.js";
import { readScriptDefinition } from "../../../src/definitions/read-definition.js";

const SCRIPT = `import { defineScript, string, int, float, bool, file } from "chorebot";
export default defineScript({
  inputs: {
    limit: int({ default: 10, min: 1, max: 100 }),
    ratio: float({ default: 0.5 }),
    plan: string({ choices: ["free", "pro"], default: "free" }),
    since: string({ pattern: /^\\d{4}-\\d{2}-\\d{2}$/, default: "2026-01-01" }),
    dryRun: bool({ default: true }),
    token: string({ secret: true, optional: true }),
    upload: file({ optional: true }),
  },
  async run() {},
});
`;
const PATH = "scripts/backfill.ts";
const FILE = "scripts/backfill.inputs.yml";
const script = { path: PATH, reading: readScriptDefinition(SCRIPT, PATH) };
const parse = (text: string, s = script) => parseInputsFile(text, s, FILE);
const problems = (text: string) => {
  const reading = parse(text);
  if (reading.ok) throw new Error(`expected problems, got ${JSON.stringify(reading)}`);
  return reading.problems;
};

describe("parseInputsFile", () => {
  it("takes declared values, as raw text for the runner and typed for the log", () => {
    const reading = parse(`# reviewed values\nlimit: 25\nplan: pro\nsince: "2026-11-01"\ndryRun: false\nratio: 0.25\n`);
    expect(reading).toEqual({
      ok: true,
      values: { limit: "25", plan: "pro", since: "2026-11-01", dryRun: "false", ratio: "0.25" },
      logged: { limit: 25, plan: "pro", since: "2026-11-01", dryRun: false, ratio: 0.25 },
    });
  });

  it.each([
    ["an unknown input (a typo)", "limit: 5\nlimt: 5\n", 2, "`limt` is not an input of scripts/backfill.ts (its inputs: `limit`, `ratio`"],
    ["a bad int", "plan: pro\nlimit: lots\n", 2, '`limit` must be an integer between 1 and 100, got "lots"'],
    ["an int out of range", "\n\nlimit: 0\n", 3, '`limit` must be an integer between 1 and 100, got "0"'],
    ["a bad choice", "plan: enterprise\n", 1, '`plan` must be one of "free", "pro", got "enterprise"'],
    ["a value that misses the pattern", "dryRun: true\nsince: yesterday\n", 2, "`since` must match /^\\d{4}-\\d{2}-\\d{2}$/"],
    ["a bad bool", "dryRun: maybe\n", 1, "`dryRun` must be true or false"],
    ["a secret value", "limit: 3\ntoken: s3cr3t-value-here\n", 2, "`token` is a secret input: its value must not be in the repository"],
    ["a file input", "upload: /etc/passwd\n", 1, "`upload` is a file input"],
    ["a nested value", "limit:\n  - 1\n  - 2\n", 2, "`limit` must have one plain value"],
    ["a null value", "limit:\n", 1, "`limit` must have one plain value"],
    ["a duplicate key", "limit: 3\nplan: pro\nlimit: 4\n", 3, "not valid YAML: Map keys must be unique"],
    ["malformed YAML", "limit: 3\nplan: [pro\n", 3, "not valid YAML"],
    ["a list instead of a mapping", "- limit\n- plan\n", 1, "must be a YAML mapping of input names to values"],
    ["a plain string", "limit=3\n", 1, "must be a YAML mapping"],
    ["an empty file", "# nothing\n", 1, "must be a YAML mapping"],
    ["a __proto__ key", "__proto__: 3\n", 1, "`__proto__` is not an input of scripts/backfill.ts"],
    ["an alias", "plan: &p pro\ndryRun: *p\n", 2, "YAML aliases (`*name`) are not accepted"],
    ["two documents", "limit: 3\n---\nlimit: 4\n", 2, "not valid YAML"],
  ])("refuses %s, on its line", (_, text, line, message) => {
    const found = problems(text);
    expect(found).toEqual(expect.arrayContaining([expect.objectContaining({ line, message: expect.stringContaining(message) })]));
  });

  it("never echoes a secret value in its message", () => {
    const [problem] = problems("token: s3cr3t-value-here\n");
    expect(problem!.message).not.toContain("s3cr3t");
  });

  it("refuses an alias bomb without expanding it", () => {
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++)
      levels.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9)
          .fill(`*${String.fromCharCode(96 + i)}`)
          .join(",")}]`,
      );
    const started = performance.now();
    const found = problems(`${levels.join("\n")}\nlimit: *i\n`);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(found.at(-1)).toMatchObject({ line: 10, message: expect.stringContaining("aliases") });
    // Every bomb level is an unknown input too; nothing was resolved to find that out.
    expect(found.filter((p) => p.message.includes("is not an input")).length).toBe(9);
  });

  it("refuses deep flow nesting before parsing it (it would take the process down), on the line it gets too deep", () => {
    const started = performance.now();
    const [problem] = problems(`limit: 3\nplan: ${"[".repeat(30_000)}${"]".repeat(30_000)}\n`);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(problem).toMatchObject({ line: 2, message: expect.stringContaining("more than 16 deep") });
    // Brackets in a quoted value are fine while shallow.
    expect(parse(`since: "[2026]"\n`)).toMatchObject({ ok: false, problems: [{ message: expect.stringContaining("must match") }] });
  });

  it("refuses a file over the size bound unread", () => {
    const [problem] = problems(`limit: 3\n# ${"x".repeat(INPUTS_FILE_MAX_BYTES)}\n`);
    expect(problem).toMatchObject({ line: 1, message: expect.stringContaining(`at most ${INPUTS_FILE_MAX_BYTES}`) });
  });

  it("asks for a required input without a default", () => {
    const source = `import { defineScript, string } from "chorebot";\nexport default defineScript({ inputs: { org: string() }, async run() {} });\n`;
    const required = { path: PATH, reading: readScriptDefinition(source, PATH) };
    expect(parse("{}\n", required)).toMatchObject({ ok: false, problems: [{ line: 1, input: "org", message: expect.stringContaining("`org` is required") }] });
    expect(parse("org: acme\n", required)).toEqual({ ok: true, values: { org: "acme" }, logged: { org: "acme" } });
  });

  it("refuses an inputs file for a plain script", () => {
    const plain = { path: PATH, reading: readScriptDefinition(`console.log("hi");\n`, PATH) };
    expect(parse("limit: 3\n", plain)).toMatchObject({ ok: false, problems: [{ line: 1, message: expect.stringContaining("declares no inputs") }] });
  });
});
