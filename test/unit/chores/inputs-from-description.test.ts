import { describe, expect, it } from "vitest";
import { compilePattern, inputsFromDescription } from "../../../src/chores/inputs-from-description.js";
import { defineScript, describeScript } from "../../../src/sdk/define-script.js";
import { bool, file, float, int, isRequired, string } from "../../../src/sdk/inputs.js";
import { description } from "./chores-fixtures.js";

describe("inputsFromDescription", () => {
  it("rebuilds the SDK's inputs from what describeScript says of them", () => {
    const declared = {
      account: string({ description: "The account id", pattern: /^acct_\d+$/ }),
      region: string({ choices: ["us", "eu"], default: "eu" }),
      limit: int({ min: 1, max: 1000, default: 100 }),
      ratio: float({ optional: true, min: 0 }),
      notify: bool({ default: true }),
      csv: file({ optional: true }),
      token: string({ secret: true, default: "hidden" }),
    };
    const described = describeScript(defineScript({ inputs: declared, run: async () => undefined }));
    const rebuilt = inputsFromDescription(described);
    expect(Object.keys(rebuilt)).toEqual(Object.keys(declared));
    for (const [name, input] of Object.entries(rebuilt)) {
      const original = declared[name as keyof typeof declared];
      expect(input.kind, name).toBe(original.kind);
      expect(isRequired(input), name).toBe(isRequired(original));
    }
    expect(rebuilt.account!.options).toMatchObject({ description: "The account id", pattern: /^acct_\d+$/ });
    expect(rebuilt.region!.options).toMatchObject({ choices: ["us", "eu"], default: "eu" });
    expect(rebuilt.limit!.options).toMatchObject({ min: 1, max: 1000, default: 100 });
    expect(rebuilt.notify!.options).toMatchObject({ default: true });
    // A secret's default is never in a description: the script applies it, so here it is simply optional.
    expect(rebuilt.token!.options).toMatchObject({ secret: true, required: false });
    expect(rebuilt.token!.options.default).toBeUndefined();
  });

  it("has no inputs for a plain script", () => {
    expect(inputsFromDescription(null)).toEqual({});
  });

  it("compiles a pattern's source with the flags that accept it, or leaves it out", () => {
    expect(compilePattern("^\\d+$")!.test("123")).toBe(true);
    // \p{…} is a Unicode property (it would be a literal "p{Lu}" without a flag).
    expect(compilePattern("^\\p{Lu}+$")!.test("ÄB")).toBe(true);
    expect(compilePattern("[\\p{L}--[a-z]]")!.test("a")).toBe(false);
    // Valid only without flags (a lone `{` and an identity escape).
    expect(compilePattern("^a{\\-$")).toMatchObject({ flags: "" });
    expect(compilePattern("(")).toBeNull();
    const inputs = inputsFromDescription(description({ name: { type: "string", required: true, pattern: "(" } }));
    expect(inputs.name!.options.pattern).toBeUndefined();
  });
});
