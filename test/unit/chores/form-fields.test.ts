import { describe, expect, it } from "vitest";
import { formFields, htmlPattern } from "../../../src/chores/form-fields.js";
import { description } from "./chores-fixtures.js";

describe("formFields", () => {
  it("has no fields for a plain script or a script without inputs", () => {
    expect(formFields(null)).toEqual([]);
    expect(formFields(description({}))).toEqual([]);
  });

  it("makes a string a text field, with its default, its description as help, and required marked", () => {
    const [plain, optional, required] = formFields(
      description({
        email: { type: "string", required: false, default: "ops@example.com", description: "Who to notify" },
        note: { type: "string", required: false },
        account: { type: "string", required: true },
      }),
    );
    expect(plain).toEqual({
      kind: "text",
      name: "email",
      type: "string",
      value: "ops@example.com",
      help: "Who to notify",
      rule: null,
      required: false,
      pattern: null,
    });
    expect(optional).toMatchObject({ kind: "text", name: "note", value: "", help: null, required: false });
    expect(required).toMatchObject({ kind: "text", name: "account", value: "", required: true });
  });

  it("gives a string with a pattern the pattern attribute, as unanchored as the SDK's test, and says it", () => {
    const [field] = formFields(description({ ticket: { type: "string", required: true, pattern: "^[A-Z]+-\\d+$" } }));
    expect(field).toMatchObject({ kind: "text", pattern: ".*(?:^[A-Z]+-\\d+$).*", rule: "must match /^[A-Z]+-\\d+$/" });
    // What the browser compiles from the attribute agrees with the SDK's unanchored test.
    const browser = new RegExp(`^(?:${htmlPattern("\\d{3}")})$`, "v");
    expect(browser.test("ab123cd")).toBe(true);
    expect(browser.test("12")).toBe(false);
  });

  it("says a pattern's flags in its rule, and keeps the pattern attribute only for flags the browser applies too (u, v)", () => {
    const fields = formFields(
      description({
        unicode: { type: "string", required: true, pattern: "^\\p{Lu}", flags: "u" },
        sets: { type: "string", required: true, pattern: "[\\p{L}--[a-z]]", flags: "v" },
        folded: { type: "string", required: true, pattern: "^acct_\\d+$", flags: "i" },
        lines: { type: "string", required: true, pattern: "^end$", flags: "m" },
        dotAll: { type: "string", required: true, pattern: "a.b", flags: "s" },
        sticky: { type: "string", required: true, pattern: "acct", flags: "y" },
        global: { type: "string", required: true, pattern: "acct", flags: "gu" },
        token: { type: "string", required: true, secret: true, pattern: "^tok_", flags: "i" },
      }),
    );
    expect(fields.map((field) => [field.name, "pattern" in field ? field.pattern : undefined, field.rule])).toEqual([
      ["unicode", ".*(?:^\\p{Lu}).*", "must match /^\\p{Lu}/u"],
      ["sets", ".*(?:[\\p{L}--[a-z]]).*", "must match /[\\p{L}--[a-z]]/v"],
      ["folded", null, "must match /^acct_\\d+$/i"],
      ["lines", null, "must match /^end$/m"],
      ["dotAll", null, "must match /a.b/s"],
      ["sticky", null, "must match /acct/y"],
      ["global", null, "must match /acct/gu"],
      ["token", null, "must match /^tok_/i"],
    ]);
    expect(htmlPattern("x", "")).toBe(".*(?:x).*");
    // Valid with `u`, refused with `v` (a bare "-" in a class): a browser would drop it in silence.
    expect(htmlPattern("^[a-z0-9-]+$")).toBeNull();
    expect(htmlPattern("^[a-z0-9\\-]+$")).toBe(".*(?:^[a-z0-9\\-]+$).*");
  });

  it("makes a string with choices a select: the default chosen, or an empty first option when a choice may or must be made", () => {
    const [withDefault, required, optional] = formFields(
      description({
        region: { type: "string", required: false, default: "eu", choices: ["us", "eu"] },
        plan: { type: "string", required: true, choices: ["free", "pro"] },
        tier: { type: "string", required: false, choices: ["a", "b"] },
      }),
    );
    expect(withDefault).toMatchObject({
      kind: "select",
      value: "eu",
      options: [
        { value: "us", label: "us" },
        { value: "eu", label: "eu" },
      ],
      rule: 'one of "us", "eu"',
    });
    expect(required).toMatchObject({
      kind: "select",
      value: "",
      required: true,
      options: [{ value: "", label: "Choose…" }, { value: "free" }, { value: "pro" }],
    });
    expect(optional).toMatchObject({ kind: "select", value: "", required: false, options: [{ value: "", label: "(none)" }, { value: "a" }, { value: "b" }] });
  });

  it("makes an int a number field with step 1 and its bounds, a float one with step any", () => {
    const [limit, ratio, free] = formFields(
      description({
        limit: { type: "int", required: false, default: 100, min: 1, max: 1000 },
        ratio: { type: "float", required: true, min: 0 },
        free: { type: "float", required: false, max: 2.5 },
      }),
    );
    expect(limit).toMatchObject({ kind: "number", step: "1", min: 1, max: 1000, value: "100", rule: "a whole number between 1 and 1000" });
    expect(ratio).toMatchObject({ kind: "number", step: "any", min: 0, max: null, value: "", required: true, rule: "a number ≥ 0" });
    expect(free).toMatchObject({ kind: "number", step: "any", min: null, max: 2.5, rule: "a number ≤ 2.5" });
  });

  it("makes a bool a checkbox, ticked by a true default, never marked required (unticked is false)", () => {
    const [on, off, bare] = formFields(
      description({
        notify: { type: "bool", required: false, default: true },
        dryRun: { type: "bool", required: false, default: false },
        force: { type: "bool", required: true, description: "Even when locked by fraud" },
      }),
    );
    expect(on).toMatchObject({ kind: "checkbox", checked: true, required: false });
    expect(off).toMatchObject({ kind: "checkbox", checked: false });
    expect(bare).toMatchObject({ kind: "checkbox", checked: false, required: false, help: "Even when locked by fraud" });
  });

  it("makes a file an upload", () => {
    const [csv] = formFields(description({ csv: { type: "file", required: true, description: "A CSV of account ids" } }));
    expect(csv).toEqual({ kind: "file", name: "csv", type: "file", help: "A CSV of account ids", rule: null, required: true });
  });

  it("makes a secret a password field with no value, whatever its type, keeping its pattern", () => {
    const fields = formFields(
      description({
        token: { type: "string", required: true, secret: true, pattern: "^tok_" },
        pin: { type: "int", required: true, secret: true, min: 0 },
        choice: { type: "string", required: true, secret: true, choices: ["x", "y"] },
      }),
      { token: "tok_123", pin: "1234", choice: "x" },
    );
    for (const field of fields) {
      expect(field.kind).toBe("password");
      expect(field).not.toHaveProperty("value");
    }
    expect(fields[0]).toMatchObject({ pattern: ".*(?:^tok_).*", rule: "must match /^tok_/" });
    expect(fields[1]).toMatchObject({ rule: "a whole number ≥ 0" });
  });

  it("shows given values instead of defaults when a submission is shown again", () => {
    const fields = formFields(
      description({
        account: { type: "string", required: true },
        limit: { type: "int", required: false, default: 100 },
        region: { type: "string", required: false, default: "eu", choices: ["us", "eu"] },
        notify: { type: "bool", required: false, default: true },
        force: { type: "bool", required: false, default: false },
      }),
      { account: "<b>acct</b>", limit: "abc", region: "us", force: "true" },
    );
    expect(fields.map((field) => ("value" in field ? field.value : "checked" in field ? field.checked : null))).toEqual([
      "<b>acct</b>",
      "abc",
      "us",
      // unticked: absent from the submission, so false even though its default is true
      false,
      true,
    ]);
  });
});
