import { describe, expect, it } from "vitest";
import { INPUTS_FILE_CHECK_MS, parseInputsFile } from "../../../src/definitions/parse-inputs-file.js";
import { readScriptDefinition } from "../../../src/definitions/read-definition.js";

// A pull request's author writes the script's `pattern` and the inputs file's value: the check
// tests one against the other in the web process's main thread (webhooks, dashboard, job-lock
// renewals). With /^(a+)+$/ each `a` more doubles the time: 24 took 71 ms, 32 took 100 s on a
// busy machine, 40 would take hours. The values are now checked within a time bound, past which
// the file is refused.
const SCRIPT = `import { defineScript, string } from "chorebot";
export default defineScript({
  inputs: { plan: string({ default: "free" }), code: string({ pattern: /^(a+)+$/, optional: true }) },
  async run() {},
});
`;
const PATH = "scripts/backfill.ts";
const FILE = "scripts/backfill.inputs.yml";
const reading = readScriptDefinition(SCRIPT, PATH);

describe("a pattern that backtracks without end", () => {
  it("refuses the file within the time bound instead of holding the process", () => {
    const started = performance.now();
    const parsed = parseInputsFile(`plan: pro\ncode: ${"a".repeat(29)}!\n`, { path: PATH, reading }, FILE);
    expect(performance.now() - started).toBeLessThan(INPUTS_FILE_CHECK_MS + 1000);
    expect(parsed).toEqual({
      ok: false,
      problems: [
        {
          line: 2,
          input: "code",
          message: `\`code\` could not be checked against its pattern within ${INPUTS_FILE_CHECK_MS} ms (one that backtracks without end?)`,
        },
      ],
    });
  });

  it("still checks ordinary values against ordinary patterns", () => {
    expect(parseInputsFile("code: aaa\n", { path: PATH, reading }, FILE)).toEqual({ ok: true, values: { code: "aaa" }, logged: { code: "aaa" } });
  });
});
