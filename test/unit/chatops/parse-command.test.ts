import { describe, expect, it } from "vitest";
import { parseCommand } from "../../../src/chatops/parse-command.js";

describe("parseCommand", () => {
  it.each<[string, unknown]>([
    ["/chorebot run unlock", { kind: "run", chore: "unlock", values: {} }],
    ["/chorebot run billing/unlock account=acct_1 attempts=3", { kind: "run", chore: "billing/unlock", values: { account: "acct_1", attempts: "3" } }],
    ['/chorebot run unlock reason="two words"', { kind: "run", chore: "unlock", values: { reason: "two words" } }],
    ["/chorebot run unlock reason='it''s'", { kind: "run", chore: "unlock", values: { reason: "its" } }],
    ['/chorebot run unlock "reason=two words"', { kind: "run", chore: "unlock", values: { reason: "two words" } }],
    ['/chorebot run unlock reason="say \\"hi\\" \\\\ now"', { kind: "run", chore: "unlock", values: { reason: 'say "hi" \\ now' } }],
    ["/chorebot run unlock reason='a \"quoted\" word'", { kind: "run", chore: "unlock", values: { reason: 'a "quoted" word' } }],
    ["/chorebot run unlock note=a=b", { kind: "run", chore: "unlock", values: { note: "a=b" } }],
    ["/chorebot run unlock note=", { kind: "run", chore: "unlock", values: { note: "" } }],
    ['/chorebot run unlock note=""', { kind: "run", chore: "unlock", values: { note: "" } }],
    ["/chorebot run unlock reason=日本語", { kind: "run", chore: "unlock", values: { reason: "日本語" } }],
    ["/chorebot run unlock --name nightly-1", { kind: "run", chore: "unlock", values: {}, name: "nightly-1" }],
    ["/chorebot run unlock --name=nightly-1 a=1", { kind: "run", chore: "unlock", values: { a: "1" }, name: "nightly-1" }],
    ["/chorebot run --name n unlock", { kind: "run", chore: "unlock", values: {}, name: "n" }],
    ["/chorebot   RUN\tunlock", { kind: "run", chore: "unlock", values: {} }],
    ["/chorebot status r-1", { kind: "status", run: "r-1" }],
    ["/chorebot cancel nightly-1", { kind: "cancel", run: "nightly-1" }],
    ["/chorebot help", { kind: "help" }],
    ["/chorebot", { kind: "help" }],
  ])("%s", (line, command) => {
    expect(parseCommand(line)).toEqual({ ok: true, command });
  });

  it.each<[string, RegExp]>([
    ["/chorebot deploy prod", /there is no command "deploy"/],
    ["/chorebot run", /needs the chore's name/],
    ["/chorebot run account=1", /the chore's name first/],
    ["/chorebot run unlock account", /"account" is not an input: give inputs as name=value/],
    ["/chorebot run unlock =x", /"" is not an input's name/],
    ["/chorebot run unlock __proto__.x=1", /is not an input's name/],
    ["/chorebot run unlock a=1 a=2", /the input a is given twice/],
    ["/chorebot run unlock --force", /there is no flag "--force"/],
    ["/chorebot run unlock --name", /--name needs a run name/],
    ["/chorebot run unlock --name a --name b", /--name is given twice/],
    ['/chorebot run unlock reason="unclosed', /a double quote is not closed/],
    ["/chorebot run unlock reason='unclosed", /a single quote is not closed/],
    ['/chorebot run unlock reason="a\\"', /a double quote is not closed/],
    ["/chorebot status", /takes one run/],
    ["/chorebot status a b", /takes one run/],
    ["/chorebot cancel --all", /takes no flags/],
    ["/chorebot help me", /takes nothing after it/],
  ])("refuses %s", (line, error) => {
    const parsed = parseCommand(line);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? "" : parsed.error).toMatch(error);
  });

  it("quotes back at most a short part of a huge word", () => {
    const parsed = parseCommand(`/chorebot ${"x".repeat(5000)}`);
    expect(parsed.ok ? "" : parsed.error.length).toBeLessThan(120);
  });

  it("an input named __proto__ is kept as an input (the gate refuses it by name), never the prototype", () => {
    const parsed = parseCommand("/chorebot run unlock __proto__=1");
    expect(parsed.ok && parsed.command.kind === "run" ? Object.entries(parsed.command.values) : null).toEqual([["__proto__", "1"]]);
    expect(parseCommand("/chorebot run unlock __proto__=1 __proto__=2")).toEqual({ ok: false, error: "the input __proto__ is given twice" });
  });

  it("an input named like an Object property is an input like any other", () => {
    expect(parseCommand("/chorebot run unlock constructor=1 hasOwnProperty=2")).toEqual({
      ok: true,
      command: { kind: "run", chore: "unlock", values: { constructor: "1", hasOwnProperty: "2" } },
    });
  });
});
