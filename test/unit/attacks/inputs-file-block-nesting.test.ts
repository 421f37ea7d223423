import { describe, expect, it } from "vitest";
import { parseInputsFile } from "../../../src/definitions/parse-inputs-file.js";
import { readScriptDefinition } from "../../../src/definitions/read-definition.js";

// Block nesting needs no brackets: `- - - … x` or `? ? ? … x` nest one level per two bytes. Past
// about 1,000 levels (2 KB) the YAML parser overflows the stack, and a second such parse in the
// same process aborts Node (V8's RegExpCompiler runs out of memory: a fatal error, not an
// exception). The pull request check parses every inputs file of a pull request in the web
// process, so two such files (anyone who can open a pull request) stopped it. Refused unparsed.
const SCRIPT = `import { defineScript, string, int } from "chorebot";
export default defineScript({
  inputs: { note: string({ optional: true }), limit: int({ default: 10 }) },
  async run() {},
});
`;
const PATH = "scripts/backfill.ts";
const FILE = "scripts/backfill.inputs.yml";
const parse = (text: string) => parseInputsFile(text, { path: PATH, reading: readScriptDefinition(SCRIPT, PATH) }, FILE);

describe("block nesting in an inputs file", () => {
  it.each([
    ["`- ` on one line", `limit: 5\n${"- ".repeat(1000)}x\n`, 2],
    ["`? ` on one line", `${"? ".repeat(1000)}x\n`, 1],
    ["`- ? ` on one line", `${"- ? ".repeat(500)}x\n`, 1],
    ["`- ` over indented lines", Array.from({ length: 40 }, (_, k) => `${" ".repeat(30 * k)}${"- ".repeat(15)}`).join("\n") + "x\n", 5],
    ["`- ` over indented lines broken by CR", Array.from({ length: 40 }, (_, k) => `${" ".repeat(30 * k)}${"- ".repeat(15)}`).join("\r") + "x\n", 5],
  ])("is refused before the YAML parser sees it: %s", (_, text, line) => {
    const reading = parse(text);
    expect(reading).toEqual({
      ok: false,
      problems: [{ line, input: null, message: `${FILE} nests or indents a line more than 128 columns deep; an inputs file holds plain values` }],
    });
  });

  it("lets a value through, block scalars with indented lines included", () => {
    const text = `limit: 5\nnote: |\n  steps:\n    - one\n    - two\n${" ".repeat(100)}deep but fine\n`;
    expect(parse(text)).toMatchObject({ ok: true, values: { limit: "5" } });
  });
});
