import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { bool, coerceInputs, file, float, int, string, type AnyInput } from "../../../src/sdk/inputs.js";

const one = (input: AnyInput, raw: string | undefined, cwd?: string) => coerceInputs({ x: input }, raw === undefined ? {} : { x: raw }, cwd);

describe("coerceInputs: types", () => {
  test.each([
    [int(), "42", 42],
    [int(), " -7 ", -7],
    [int(), "+3", 3],
    [float(), "1.5", 1.5],
    [float(), "-2", -2],
    [float(), "1e3", 1000],
    [float(), ".5", 0.5],
    [bool(), "true", true],
    [bool(), "YES", true],
    [bool(), "1", true],
    [bool(), "On", true],
    [bool(), "false", false],
    [bool(), "no", false],
    [bool(), "0", false],
    [bool(), "OFF", false],
    [string(), " as is ", " as is "],
  ])("%o %j → %j", (input, raw, expected) => {
    expect(one(input, raw)).toEqual({ ok: true, values: { x: expected } });
  });

  test.each([
    [int(), "1.5", 'x: must be an integer, got "1.5"'],
    [int(), "abc", 'x: must be an integer, got "abc"'],
    [int(), "99999999999999999999", 'x: must be an integer, got "99999999999999999999"'],
    [int({ min: 1 }), "0", 'x: must be an integer ≥ 1, got "0"'],
    [int({ max: 10 }), "11", 'x: must be an integer ≤ 10, got "11"'],
    [int({ min: 1, max: 10 }), "11", 'x: must be an integer between 1 and 10, got "11"'],
    [float(), "NaN", 'x: must be a number, got "NaN"'],
    [float(), "Infinity", 'x: must be a number, got "Infinity"'],
    [float(), "0x10", 'x: must be a number, got "0x10"'],
    [float({ min: 0.5 }), "0.1", 'x: must be a number ≥ 0.5, got "0.1"'],
    [bool(), "maybe", 'x: must be true or false (yes/no, on/off, 1/0), got "maybe"'],
    [string({ pattern: /^[a-z]+$/ }), "Abc", 'x: must match /^[a-z]+$/, got "Abc"'],
    [string({ choices: ["a", "b"] }), "c", 'x: must be one of "a", "b", got "c"'],
    [string({ secret: true, pattern: /^k-/ }), "hunter2", "x: must match /^k-/"],
  ])("%o %j → error", (input, raw, message) => {
    expect(one(input, raw)).toEqual({ ok: false, errors: [message] });
  });

  test("pattern with the g flag is not stateful", () => {
    const input = string({ pattern: /a/g });
    expect(one(input, "a").ok).toBe(true);
    expect(one(input, "a").ok).toBe(true);
  });
});

describe("coerceInputs: presence and defaults", () => {
  test("required by default, optional or with a default otherwise", () => {
    const declared = {
      plain: string(),
      req: int({ required: true }),
      opt: int({ optional: true }),
      notReq: bool({ required: false }),
      withDefault: int({ default: 100, min: 1 }),
      reqWithDefault: string({ required: true, default: "d" }),
    };
    expect(coerceInputs(declared, {})).toEqual({ ok: false, errors: ["plain: is required", "req: is required"] });
    expect(coerceInputs(declared, { plain: "p", req: "1" })).toEqual({
      ok: true,
      values: { plain: "p", req: 1, opt: undefined, notReq: undefined, withDefault: 100, reqWithDefault: "d" },
    });
  });

  test("an empty string counts as not given", () => {
    expect(one(int({ default: 5 }), "")).toEqual({ ok: true, values: { x: 5 } });
    expect(one(string(), "")).toEqual({ ok: false, errors: ["x: is required"] });
  });

  test("defaults are not validated", () => {
    expect(one(int({ default: 0, min: 1, validate: () => false }), undefined)).toEqual({ ok: true, values: { x: 0 } });
  });

  test("undeclared inputs are dropped", () => {
    expect(coerceInputs({ a: string() }, { a: "1", b: "2", __proto__: "x" })).toEqual({ ok: true, values: { a: "1" } });
  });

  test("every bad field gets one message", () => {
    const result = coerceInputs({ a: int(), b: bool(), c: string() }, { a: "x", b: "y" });
    expect(result).toEqual({
      ok: false,
      errors: ['a: must be an integer, got "x"', 'b: must be true or false (yes/no, on/off, 1/0), got "y"', "c: is required"],
    });
  });

  test("contradictory or impossible options throw at declaration", () => {
    expect(() => int({ required: true, optional: true })).toThrow(/required and optional/);
    expect(() => int({ min: 2, max: 1 })).toThrow(/min 2 > max 1/);
  });
});

describe("coerceInputs: validators", () => {
  test.each([
    ["undefined keeps", string({ validate: () => undefined }), "a", { ok: true, values: { x: "a" } }],
    ["true keeps", string({ validate: () => true }), "a", { ok: true, values: { x: "a" } }],
    ["false rejects", string({ validate: () => false }), "a", { ok: false, errors: ['x: is not valid, got "a"'] }],
    ["a value replaces", string({ validate: (v) => v.trim() }), " a ", { ok: true, values: { x: "a" } }],
    ["a number replaces", int({ validate: (v) => v * 2 }), "21", { ok: true, values: { x: 42 } }],
    [
      "a throw rejects with its message",
      string({
        validate: () => {
          throw new Error("not a date");
        },
      }),
      "a",
      { ok: false, errors: ["x: not a date"] },
    ],
    ["bool verdict true", bool({ validate: (v) => v }), "yes", { ok: true, values: { x: true } }],
    ["bool verdict false", bool({ validate: (v) => v }), "no", { ok: false, errors: ['x: is not valid, got "no"'] }],
    ["secret values are not echoed", string({ secret: true, validate: () => false }), "s3cr3t", { ok: false, errors: ["x: is not valid"] }],
  ])("%s", (_name, input, raw, expected) => {
    expect(one(input, raw)).toEqual(expected);
  });

  test("runs after the built-in checks, with the coerced value", () => {
    const seen: unknown[] = [];
    const input = int({ min: 1, validate: (v) => void seen.push(v) });
    expect(one(input, "0").ok).toBe(false);
    expect(one(input, "3").ok).toBe(true);
    expect(seen).toEqual([3]);
  });
});

describe("coerceInputs: files", () => {
  const dir = mkdtempSync(join(tmpdir(), "chorebot-sdk-inputs-"));
  writeFileSync(join(dir, "ids.csv"), "1\n2\n");
  writeFileSync(join(dir, "secret.csv"), "x");
  chmodSync(join(dir, "secret.csv"), 0o000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("a readable file, relative to cwd, becomes its absolute path", () => {
    expect(one(file(), "ids.csv", dir)).toEqual({ ok: true, values: { x: join(dir, "ids.csv") } });
    expect(one(file(), join(dir, "ids.csv"))).toEqual({ ok: true, values: { x: join(dir, "ids.csv") } });
  });

  test("missing, a directory, unreadable", () => {
    expect(one(file(), "nope.csv", dir)).toEqual({ ok: false, errors: [`x: file not found: ${join(dir, "nope.csv")}`] });
    expect(one(file(), ".", dir)).toEqual({ ok: false, errors: [`x: not a file: ${dir}`] });
    if (process.getuid?.() !== 0) {
      expect(one(file(), "secret.csv", dir)).toEqual({ ok: false, errors: [`x: cannot read ${join(dir, "secret.csv")} (EACCES)`] });
    }
  });
});
