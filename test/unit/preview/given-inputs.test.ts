import { describe, expect, it } from "vitest";
import { givenInputs } from "../../../src/preview/given-inputs.js";
import type { ScriptDescription } from "../../../src/sdk/protocol.js";

const description: ScriptDescription = {
  description: null,
  inputs: {
    account: { type: "string", required: true },
    token: { type: "string", required: true, secret: true },
    limit: { type: "int", required: false, default: 5 },
    list: { type: "file", required: false },
  },
  concurrency: "self",
  timeoutMs: null,
  env: null,
};

describe("givenInputs", () => {
  it("takes declared inputs only, masks secrets and names files by name, size and sha256", () => {
    const given = givenInputs(description, {
      values: { account: "acct_1", token: "s3cret-value-here", extra: "x", limit: "" },
      files: { list: { filename: "ids.csv", bytes: Buffer.from("abc") }, other: { filename: "x", bytes: Buffer.from("x") } },
    });
    expect(given.values).toEqual({ account: "acct_1", token: "s3cret-value-here" });
    expect(Object.keys(given.files)).toEqual(["list"]);
    expect(given.logged).toEqual({
      account: "acct_1",
      token: { secret: true },
      list: { file: "ids.csv", bytes: 3, sha256: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
    });
  });

  it("never takes a file input from a value (a path to read) nor a value input from an upload", () => {
    const given = givenInputs(description, { values: { list: "/etc/passwd" }, files: { account: { filename: "a", bytes: Buffer.from("a") } } });
    expect(given).toEqual({ values: {}, files: {}, logged: {} });
  });

  it("takes nothing for a plain script", () => {
    expect(givenInputs(null, { values: { a: "1" }, files: {} })).toEqual({ values: {}, files: {}, logged: {} });
  });
});
