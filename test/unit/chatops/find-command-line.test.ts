import { describe, expect, it } from "vitest";
import { findCommandLine, MAX_COMMAND_CHARS } from "../../../src/chatops/find-command-line.js";

const command = (line: string) => ({ kind: "command", line });
const none = { kind: "none" };

describe("findCommandLine", () => {
  it.each<[string, string, unknown]>([
    ["a command alone", "/chorebot run unlock", command("/chorebot run unlock")],
    ["a command after text", "Let's try it:\n\n/chorebot run unlock account=acct_1", command("/chorebot run unlock account=acct_1")],
    ["a command with CRLF line ends", "hello\r\n/chorebot status r1\r\nthanks", command("/chorebot status r1")],
    ["a command with an old Mac line end", "hello\r/chorebot help", command("/chorebot help")],
    ["up to three spaces before it", "   /chorebot help", command("/chorebot help")],
    ["in any case", "/ChoreBot help", command("/ChoreBot help")],
    ["its trailing spaces trimmed", "/chorebot help   ", command("/chorebot help")],
    ["a bare /chorebot", "/chorebot", command("/chorebot")],
    ["no command", "just a comment about /chorebot run x", none],
    ["mid-line", "please /chorebot run unlock", none],
    ["a longer word", "/chorebots run unlock", none],
    ["a word joined to it", "/chorebot-run unlock", none],
    ["four spaces: an indented code block", "text\n\n    /chorebot run unlock", none],
    ["a tab: an indented code block", "\t/chorebot run unlock", none],
    ["in a > quote", "> /chorebot run unlock", none],
    ["in a nested quote", "> > /chorebot run unlock", none],
    ["in a quote, indented", "  > /chorebot run unlock", none],
    ["a quote's lazy continuation", "> as you said\n/chorebot run unlock", none],
    ["after a quote and a blank line", "> as you said\n\n/chorebot run unlock", command("/chorebot run unlock")],
    ["in a backtick fence", "```\n/chorebot run unlock\n```", none],
    ["in a tilde fence", "~~~sh\n/chorebot run unlock\n~~~", none],
    ["in an unclosed fence", "```\n/chorebot run unlock", none],
    ["in a long fence a shorter one does not close", "````\n```\n/chorebot run unlock\n````", none],
    ["a tilde does not close a backtick fence", "```\n~~~\n/chorebot run unlock\n```", none],
    ["after a closed fence", "```\nx\n```\n/chorebot help", command("/chorebot help")],
    ["a backtick in the info string: not a fence", "```a`b\n/chorebot help", command("/chorebot help")],
    ["in an HTML comment", "<!--\n/chorebot run unlock\n-->", none],
    ["after an HTML comment", "<!-- x -->\n/chorebot help", command("/chorebot help")],
    ["in inline code", "`/chorebot run unlock`", none],
    ["unicode around it", '🎉 ünïcødé\n/chorebot run unlock reason="日本語"', command('/chorebot run unlock reason="日本語"')],
    ["a zero-width space before it", "\u200b/chorebot run unlock", none],
  ])("%s", (_, body, expected) => {
    expect(findCommandLine(body)).toEqual(expected);
  });

  it("takes one command per comment: two are refused, a quoted one does not count", () => {
    expect(findCommandLine("/chorebot help\n/chorebot run unlock")).toEqual({ kind: "several", count: 2 });
    expect(findCommandLine("> /chorebot run unlock\n\n/chorebot help")).toEqual(command("/chorebot help"));
  });

  it("refuses a command line over the bound, and scans a huge comment in linear time", () => {
    const long = `/chorebot run unlock reason=${"x".repeat(MAX_COMMAND_CHARS)}`;
    expect(findCommandLine(long)).toEqual({ kind: "too-long", chars: long.length });
    const huge = `${"> quoted\n".repeat(7000)}\n${"```\n".repeat(2)}${"text ".repeat(2000)}\n/chorebot help`;
    const started = performance.now();
    expect(findCommandLine(huge)).toEqual(command("/chorebot help"));
    // A quadratic scan of these 9,000 lines would take seconds.
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
