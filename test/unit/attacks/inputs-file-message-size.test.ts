import { describe, expect, it } from "vitest";
import { parseInputsFile } from "../../../src/definitions/parse-inputs-file.js";
import { readScriptDefinition } from "../../../src/definitions/read-definition.js";

// Each unknown key's message listed every input the script declares. A pull request's author
// writes both files: 3,000 inputs in a 150 KB script and 7,000 unknown keys in a 62 KB inputs
// file made 434 million characters of messages (441 MB of heap, 4.5 s) in the web process, per
// pair of files, before annotations were cut to 4,000 characters. The list is bounded now.
describe("an unknown key's message", () => {
  it("names a bounded number of the script's inputs, however many it declares", () => {
    const names = Array.from({ length: 2000 }, (_, i) => `input_number_${i}`);
    const script = `import { defineScript, string } from "chorebot";
export default defineScript({
  inputs: {
${names.map((name) => `    ${name}: string({ optional: true }),`).join("\n")}
  },
  async run() {},
});
`;
    const reading = readScriptDefinition(script, "scripts/x.ts");
    const text = Array.from({ length: 3000 }, (_, i) => `k${i}: 1`).join("\n");
    const parsed = parseInputsFile(text, { path: "scripts/x.ts", reading }, "scripts/x.inputs.yml");
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problems).toHaveLength(3000);
    expect(Math.max(...parsed.problems.map((p) => p.message.length))).toBeLessThan(1000);
    expect(parsed.problems[0]!.message).toMatch(
      /^`k0` is not an input of scripts\/x\.ts \(its inputs: `input_number_0`, `input_number_1`, .* and 1980 more\)$/,
    );
  });
});
