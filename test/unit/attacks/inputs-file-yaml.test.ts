import { describe, expect, it } from "vitest";
import { parseInputsFile } from "../../../src/definitions/parse-inputs-file.js";
import { readScriptDefinition } from "../../../src/definitions/read-definition.js";

// What a reviewer reads in an inputs file is the text on the line; what the script gets must be
// that text as the SDK parses it (as from a form, a comment or the API), never YAML's number
// or boolean made back into text (`007` → "7", a 20-digit id rounded, `010` → 8 under %YAML 1.1).
const SCRIPT = `import { defineScript, string, int, float, bool } from "chorebot";
export default defineScript({
  inputs: {
    account: string({ optional: true }),
    limit: int({ default: 10 }),
    ratio: float({ default: 0.5 }),
    dryRun: bool({ default: true }),
  },
  async run() {},
});
`;
const PATH = "scripts/backfill.ts";
const FILE = "scripts/backfill.inputs.yml";
const parse = (text: string) => parseInputsFile(text, { path: PATH, reading: readScriptDefinition(SCRIPT, PATH) }, FILE);

describe("inputs file values are the text reviewers read", () => {
  it.each([
    ["a 20-digit id (beyond a double's precision)", "account: 12345678901234567890\n", "12345678901234567890"],
    ["leading zeros", "account: 007\n", "007"],
    ["a trailing zero", "account: 1.10\n", "1.10"],
    ["hex", "account: 0x10\n", "0x10"],
    ["an exponent", "account: 1e3\n", "1e3"],
    ["a capitalised boolean", "account: True\n", "True"],
    ["YAML 1.1's yes", "%YAML 1.1\n---\naccount: yes\n", "yes"],
  ])("a string input given %s gets it as written", (_, text, expected) => {
    const reading = parse(text);
    expect(reading).toMatchObject({ ok: true, values: { account: expected }, logged: { account: expected } });
  });

  it.each([
    ["YAML 1.1's octal 010", "%YAML 1.1\n---\nlimit: 010\n", "010", 10],
    ["leading zeros", "limit: 007\n", "007", 7],
  ])("an int given %s is parsed as the SDK parses it", (_, text, raw, typed) => {
    expect(parse(text)).toMatchObject({ ok: true, values: { limit: raw }, logged: { limit: typed } });
  });

  it.each([
    ["hex", "limit: 0x10\n", '"0x10"'],
    ["an exponent", "limit: 1e3\n", '"1e3"'],
    ["a 20-digit number", "limit: 12345678901234567890\n", '"12345678901234567890"'],
    ["YAML 1.1's sexagesimal 1:30", "%YAML 1.1\n---\nlimit: 1:30\n", '"1:30"'],
  ])("an int given %s is refused, quoting what was written", (_, text, quoted) => {
    const reading = parse(text);
    expect(reading.ok).toBe(false);
    if (!reading.ok) expect(reading.problems.map((p) => p.message).join("\n")).toContain(`got ${quoted}`);
  });

  it.each([
    [".inf", "ratio: .inf\n"],
    ["1e309 (Infinity)", "ratio: 1e309\n"],
    [".nan", "ratio: .nan\n"],
  ])("a float given %s is refused", (_, text) => {
    expect(parse(text).ok).toBe(false);
  });

  it("a bool takes what the SDK takes (True, yes), typed for the log", () => {
    expect(parse("dryRun: True\n")).toMatchObject({ ok: true, values: { dryRun: "True" }, logged: { dryRun: true } });
    expect(parse("%YAML 1.1\n---\ndryRun: off\n")).toMatchObject({ ok: true, values: { dryRun: "off" }, logged: { dryRun: false } });
  });
});
