import { describe, expect, it } from "vitest";
import { compilePattern, inputsFromDescription } from "../../../src/chores/inputs-from-description.js";
import { defineScript, describeScript } from "../../../src/sdk/define-script.js";
import { bool, coerceInputs, file, float, int, isRequired, string } from "../../../src/sdk/inputs.js";
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

  it("compiles a pattern with the flags the description carries, so the form accepts what the script accepts", () => {
    const declared = {
      account: string({ pattern: /^acct_\d+$/i }),
      line: string({ pattern: /^end$/m }),
      name: string({ pattern: /^\p{Lu}/u }),
    };
    const rebuilt = inputsFromDescription(describeScript(defineScript({ inputs: declared, run() {} })));
    expect(rebuilt.account!.options.pattern).toEqual(/^acct_\d+$/i);
    expect(rebuilt.line!.options.pattern).toEqual(/^end$/m);
    expect(rebuilt.name!.options.pattern).toEqual(/^\p{Lu}/u);
    const values = { account: "ACCT_42", line: "start\nend", name: "Élise" };
    expect(coerceInputs(declared, values)).toEqual({ ok: true, values });
    expect(coerceInputs(rebuilt, values)).toEqual({ ok: true, values });
    expect(coerceInputs(rebuilt, { account: "bob_42", line: "end!", name: "élise" })).toEqual({
      ok: false,
      errors: ['account: must match /^acct_\\d+$/i, got "bob_42"', 'line: must match /^end$/m, got "end!"', 'name: must match /^\\p{Lu}/u, got "élise"'],
    });
  });

  it("gives a value the same verdict every time with a stateful g or y flag, as the script does", () => {
    const declared = { g: string({ pattern: /acct/g }), y: string({ pattern: /acct/y }) };
    const rebuilt = inputsFromDescription(describeScript(defineScript({ inputs: declared, run() {} })));
    expect(rebuilt.g!.options.pattern).toEqual(/acct/g);
    for (const inputs of [declared, rebuilt]) {
      // A g test that matched leaves lastIndex past the match; a second test from there would fail.
      expect(coerceInputs(inputs, { g: "acct", y: "acct_1" })).toMatchObject({ ok: true });
      expect(coerceInputs(inputs, { g: "acct", y: "acct_1" })).toMatchObject({ ok: true });
      // y matches only where lastIndex is: at the start.
      expect(coerceInputs(inputs, { g: "acct", y: "x_acct" })).toEqual({ ok: false, errors: ['y: must match /acct/y, got "x_acct"'] });
    }
  });

  it("has no inputs for a plain script", () => {
    expect(inputsFromDescription(null)).toEqual({});
  });

  it("compiles a pattern's source with the flags that accept it when a description has none, or leaves it out", () => {
    expect(compilePattern("^\\d+$")!.test("123")).toBe(true);
    // \p{…} is a Unicode property (it would be a literal "p{Lu}" without a flag).
    expect(compilePattern("^\\p{Lu}+$")!.test("ÄB")).toBe(true);
    expect(compilePattern("[\\p{L}--[a-z]]")!.test("a")).toBe(false);
    // Valid only without flags (a lone `{` and an identity escape).
    expect(compilePattern("^a{\\-$")).toMatchObject({ flags: "" });
    expect(compilePattern("(")).toBeNull();
    // With flags given, only those: no guessing, and flags that do not compile leave the pattern out.
    expect(compilePattern("^\\p{Lu}$", "i")).toMatchObject({ flags: "i" });
    expect(compilePattern("^\\p{Lu}$", "i")!.test("Ä")).toBe(false);
    expect(compilePattern("^a{\\-$", "u")).toBeNull();
    expect(compilePattern("x", "ii")).toBeNull();
    expect(compilePattern("x", "x")).toBeNull();
    const inputs = inputsFromDescription(description({ name: { type: "string", required: true, pattern: "(" } }));
    expect(inputs.name!.options.pattern).toBeUndefined();
  });
});
