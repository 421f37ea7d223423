import { describe, expect, it } from "vitest";
import { validateSubmission } from "../../../src/chores/validate-submission.js";
import { MIN_SECRET_LENGTH } from "../../../src/runner/redact.js";
import { description } from "./chores-fixtures.js";

const unlock = description({
  account: { type: "string", required: true, pattern: "^acct_\\d+$" },
  region: { type: "string", required: false, default: "eu", choices: ["us", "eu"] },
  limit: { type: "int", required: false, default: 100, min: 1, max: 1000 },
  ratio: { type: "float", required: false, min: 0 },
  notify: { type: "bool", required: false, default: true },
  token: { type: "string", required: true, secret: true, pattern: "^tok_" },
  csv: { type: "file", required: false },
});

const LIMIT = 1024;

function check(fields: Record<string, string>, files: Record<string, { filename: string; bytes: Buffer }> = {}, desc = unlock) {
  return validateSubmission(desc, { fields, files }, LIMIT);
}

describe("validateSubmission", () => {
  it("accepts good values: coerced by the SDK, written back as text, defaults applied, an unticked box false", () => {
    const csv = { filename: "ids.csv", bytes: Buffer.from("1\n2\n") };
    expect(check({ account: "acct_42", limit: " 7 ", ratio: "0.5", token: "tok_xyz", stray: "dropped" }, { csv, other: csv })).toEqual({
      ok: true,
      values: { account: "acct_42", region: "eu", limit: "7", ratio: "0.5", notify: "false", token: "tok_xyz" },
      files: { csv },
    });
    expect(check({ account: "acct_1", notify: "true", token: "tok_xy" })).toMatchObject({ ok: true, values: { notify: "true" }, files: {} });
  });

  it("gives each bad field the SDK's message, without the input's name", () => {
    const outcome = check({ account: "bob", region: "mars", limit: "0", ratio: "lots", notify: "maybe", token: "" });
    expect(outcome).toEqual({
      ok: false,
      errors: {
        account: 'must match /^acct_\\d+$/, got "bob"',
        region: 'must be one of "us", "eu", got "mars"',
        limit: 'must be an integer between 1 and 1000, got "0"',
        ratio: 'must be a number ≥ 0, got "lots"',
        notify: 'must be true or false (yes/no, on/off, 1/0), got "maybe"',
        token: "is required",
      },
    });
  });

  it("never puts a secret value in a message", () => {
    const outcome = check({ account: "acct_1", token: "hunter2" });
    expect(outcome).toEqual({ ok: false, errors: { token: "must match /^tok_/" } });
  });

  it("checks a pattern with its flags, as the script does", () => {
    const desc = description({ account: { type: "string", required: true, pattern: "^acct_\\d+$", flags: "i" } });
    expect(check({ account: "ACCT_42" }, {}, desc)).toEqual({ ok: true, values: { account: "ACCT_42" }, files: {} });
    expect(check({ account: "bob" }, {}, desc)).toEqual({ ok: false, errors: { account: 'must match /^acct_\\d+$/i, got "bob"' } });
    // A sticky pattern matches at the start only, the same for every submission.
    const sticky = description({ account: { type: "string", required: true, pattern: "acct", flags: "y" } });
    for (let i = 0; i < 2; i++) {
      expect(check({ account: "acct_1" }, {}, sticky)).toMatchObject({ ok: true });
      expect(check({ account: "x_acct" }, {}, sticky)).toMatchObject({ ok: false });
    }
  });

  it("refuses a secret too short to be redacted from the output, without echoing it", () => {
    const message = `is too short to keep secret: at least ${MIN_SECRET_LENGTH} characters (a shorter value could not be redacted from the output)`;
    const outcome = check({ account: "bob", token: "tok_".padEnd(MIN_SECRET_LENGTH - 1, "x") });
    expect(outcome).toEqual({ ok: false, errors: { account: 'must match /^acct_\\d+$/, got "bob"', token: message } });
    expect(check({ account: "acct_1", token: "tok_".padEnd(MIN_SECRET_LENGTH, "x") })).toMatchObject({ ok: true });
    // A number is measured as the run gets it: "0000042" is given as "42".
    const pin = description({ pin: { type: "int", required: false, secret: true }, ratio: { type: "float", required: false, secret: true } });
    expect(check({ pin: "0000042", ratio: "1.50000" }, {}, pin)).toEqual({ ok: false, errors: { pin: message, ratio: message } });
    expect(check({ pin: "123456", ratio: "" }, {}, pin)).toEqual({ ok: true, values: { pin: "123456" }, files: {} });
  });

  it("does not measure what is no secret to keep: a secret bool, a value left out", () => {
    const desc = description({
      flag: { type: "bool", required: false, secret: true },
      token: { type: "string", required: false, secret: true },
      name: { type: "string", required: true },
    });
    expect(check({ flag: "on", token: "", name: "x" }, {}, desc)).toEqual({ ok: true, values: { flag: "true", name: "x" }, files: {} });
  });

  it("wants a required file, within the limit", () => {
    const desc = description({ csv: { type: "file", required: true } });
    expect(check({}, {}, desc)).toEqual({ ok: false, errors: { csv: "is required" } });
    expect(check({}, { csv: { filename: "big.csv", bytes: Buffer.alloc(LIMIT + 1) } }, desc)).toEqual({
      ok: false,
      errors: { csv: "is over the limit of 1024 bytes" },
    });
    const exact = { filename: "ok.csv", bytes: Buffer.alloc(LIMIT) };
    expect(check({}, { csv: exact }, desc)).toEqual({ ok: true, values: {}, files: { csv: exact } });
    // A text field of that name is no file.
    expect(check({ csv: "/etc/passwd" }, {}, desc)).toEqual({ ok: false, errors: { csv: "is required" } });
  });

  it("takes nothing for a plain script", () => {
    expect(validateSubmission(null, { fields: { anything: "x" }, files: {} }, LIMIT)).toEqual({ ok: true, values: {}, files: {} });
  });

  it("leaves an optional input nobody gave out, so the script sees it absent", () => {
    const desc = description({ note: { type: "string", required: false }, secret: { type: "string", required: false, secret: true } });
    expect(check({ note: "" }, {}, desc)).toEqual({ ok: true, values: {}, files: {} });
  });
});
