import { describe, expect, it } from "vitest";
import { MAX_COMMENT_CHARS, checkRunName, checkRunOutput, logUrl, renderRunSection, type RunNotice } from "../../../src/notify/run-notice.js";
import type { ExecutionResult, OutputLine, RunStatus } from "../../../src/run-types.js";
import { runNotice, sha } from "./run-notice-fixture.js";

function execution(status: RunStatus, over: Partial<ExecutionResult> = {}): ExecutionResult {
  return {
    status,
    exitCode: status === "succeeded" ? 0 : status === "failed" ? 1 : null,
    signal: status === "timed_out" || status === "cancelled" ? "SIGKILL" : null,
    startedAt: "2026-11-02T10:00:00.000Z",
    finishedAt: "2026-11-02T10:00:01.234Z",
    durationMs: status === "refused" ? 0 : 1234,
    output: { lines: [{ t: 5, stream: "stdout", text: "hello" }], omittedBytes: 0, omittedAt: null },
    message: null,
    ...over,
  };
}

const input = (over: Partial<RunNotice> = {}) => runNotice(execution("succeeded"), over);

const lines = (n: number, text = (i: number) => `line ${i}`): OutputLine[] =>
  Array.from({ length: n }, (_, i) => ({ t: i * 1000, stream: i % 2 ? "stderr" : "stdout", text: text(i) }));

/** The content of the output fence, whatever its length. */
function fenced(comment: string): { ticks: string; body: string[] } {
  const match = /^(`{3,})text\n([\s\S]*?)\n\1\n/m.exec(comment);
  if (!match) throw new Error(`no output fence in:\n${comment}`);
  return { ticks: match[1]!, body: match[2]!.split("\n") };
}

const renderRunComment = (run: RunNotice) => renderRunSection(run, MAX_COMMENT_CHARS);

describe("renderRunSection", () => {
  it.each([
    ["succeeded", "✅", "### ✅ scripts/fix.ts succeeded after 1.2 s, exit code 0", "success"],
    ["failed", "❌", "### ❌ scripts/fix.ts failed after 1.2 s, exit code 1", "failure"],
    ["timed_out", "⏱️", "### ⏱️ scripts/fix.ts timed out after 1.2 s, signal SIGKILL", "failure"],
    ["cancelled", "🛑", "### 🛑 scripts/fix.ts was cancelled after 1.2 s, signal SIGKILL", "cancelled"],
    ["lost", "👻", "### 👻 scripts/fix.ts was lost after 1.2 s", "failure"],
    ["refused", "🚫", "### 🚫 scripts/fix.ts was refused: it was not executed", "failure"],
  ] as const)("%s: %s headline, status, log link and conclusion %s", (status, emoji, headline, conclusion) => {
    const run = input({ execution: execution(status, { message: status === "succeeded" ? null : "something happened" }) });
    const comment = renderRunComment(run);
    const [title] = comment.split("\n");
    expect(title).toBe(headline);
    expect(title).toContain(emoji);
    expect(comment).toContain(`Status: \`${status}\``);
    expect(comment).toContain(`Run log: [logs/fix-aaaaaaa.md](${run.log.url}) at \`ccccccc\`.`);
    if (status === "refused") expect(comment).toContain("**Why:** something happened\n");
    else if (status !== "succeeded") expect(comment).toContain("\nSomething happened.\n");
    expect(comment).not.toContain("#12 to be merged");

    const check = checkRunOutput(run);
    expect(check.conclusion).toBe(conclusion);
    expect(check.title.length).toBeGreaterThan(0);
    expect(check.summary).toBe(comment);
  });

  it("says exactly why a refused script did not run, and that nothing ran", () => {
    const reason = "PR #12 has 0 approving reviews on its merged head; 1 required";
    const comment = renderRunComment(input({ execution: execution("refused", { message: reason, output: { lines: [], omittedBytes: 0, omittedAt: null } }) }));
    expect(comment).toContain(`**Why:** ${reason}\n`);
    expect(comment).toContain("_Nothing ran, so there is no output._");
    expect(checkRunOutput(input({ execution: execution("refused", { message: reason }) })).title).toBe("Refused: the script was not executed");
  });

  it("links the cleanup pull request when the log went through one", () => {
    const comment = renderRunComment(input({ cleanupPullRequest: { number: 99, url: "https://github.com/acme/widgets/pull/99" } }));
    expect(comment).toContain("[#99](https://github.com/acme/widgets/pull/99) to be merged");
  });

  it("shows output lines as `+1.234s stdout | text`", () => {
    const comment = renderRunComment(
      input({ execution: execution("succeeded", { output: { lines: [{ t: 1234, stream: "stdout", text: "done" }], omittedBytes: 0, omittedAt: null } }) }),
    );
    expect(comment).toContain("Output:\n\n```text\n+1.234s stdout | done\n```\n");
  });

  it("uses a fence the output cannot close", () => {
    const printed = ["```", "rm -rf /", "``````", "`inline`"];
    const comment = renderRunComment(
      input({ execution: execution("succeeded", { output: { lines: lines(4, (i) => printed[i]!), omittedBytes: 0, omittedAt: null } }) }),
    );
    const { ticks, body } = fenced(comment);
    expect(ticks).toBe("```````");
    expect(body.map((l) => l.replace(/^.*? \| /, ""))).toEqual(printed);
    // Nothing after the fence opener closes it early: the only 7-tick lines are opener and closer.
    expect(comment.split("\n").filter((l) => l.startsWith("```````")).length).toBe(2);
  });

  it("shows only the last 20 lines, aligned to the tail", () => {
    const comment = renderRunComment(input({ execution: execution("failed", { output: { lines: lines(150), omittedBytes: 0, omittedAt: null } }) }));
    const { body } = fenced(comment);
    expect(body).toHaveLength(20);
    expect(body[0]).toBe("+130.000s stdout | line 130");
    expect(body[19]).toBe("+149.000s stderr | line 149");
    expect(comment).toContain("Last 20 lines of output (the run log has more):");
  });

  it("counts lines a captured line printed with embedded newlines", () => {
    const output = {
      lines: [{ t: 0, stream: "stdout" as const, text: Array.from({ length: 30 }, (_, i) => `row ${i}`).join("\n") }],
      omittedBytes: 0,
      omittedAt: null,
    };
    const { body } = fenced(renderRunComment(input({ execution: execution("succeeded", { output }) })));
    expect(body).toHaveLength(20);
    expect(body[19]).toBe("+0.000s stdout | row 29");
  });

  it("marks a capture gap inside the tail", () => {
    const output = { lines: lines(10), omittedBytes: 5000, omittedAt: 8 };
    const { body } = fenced(renderRunComment(input({ execution: execution("succeeded", { output }) })));
    expect(body).toContain("… 5000 bytes of output omitted …");
    expect(body).toHaveLength(11);
  });

  it("stays under the size cap with huge lines and a huge message", () => {
    const huge = "x".repeat(200_000);
    const comment = renderRunComment(
      input({ execution: execution("failed", { message: huge, output: { lines: lines(25, () => huge), omittedBytes: 0, omittedAt: null } }) }),
    );
    expect(comment.length).toBeLessThanOrEqual(MAX_COMMENT_CHARS);
    const { body } = fenced(comment);
    expect(body.length).toBeGreaterThan(0);
    expect(body.every((l) => l.endsWith("…"))).toBe(true);
    expect(checkRunOutput(input({ execution: execution("failed", { message: huge }) })).summary.length).toBeLessThanOrEqual(65_535);
  });

  it("never splits a surrogate pair when clipping", () => {
    const comment = renderRunComment(
      input({ execution: execution("failed", { output: { lines: lines(20, () => "😀".repeat(20_000)), omittedBytes: 0, omittedAt: null } }) }),
    );
    expect(comment.length).toBeLessThanOrEqual(MAX_COMMENT_CHARS);
    expect(comment).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
  });

  it("keeps untrusted text from breaking the Markdown", () => {
    const comment = renderRunComment(input({ execution: execution("failed", { message: "see [here](http://evil)\n# not a heading" }) }));
    expect(comment).toContain("See \\[here\\](http://evil) # not a heading.");
  });

  it("links a log whose path holds ) or spaces without the link ending early", () => {
    const url = "https://github.com/acme/widgets/blob/c/logs/fix) [x](http://evil a.md";
    const comment = renderRunComment(input({ log: { path: "logs/fix) [x](http://evil a.md", commit: "c".repeat(40), url } }));
    expect(comment).toContain("(https://github.com/acme/widgets/blob/c/logs/fix%29%20%5Bx%5D%28http://evil%20a.md)");
    // Only an escaped `\]` may stand before it: the text's own brackets are not Markdown.
    expect(comment).not.toMatch(/[^\\]\]\(http:\/\/evil/);
  });
});

describe("checkRunName", () => {
  it("is one per script", () => expect(checkRunName("scripts/fix.ts")).toBe("chorebot: scripts/fix.ts"));
});

describe("logUrl", () => {
  it("maps api.github.com to github.com", () => {
    expect(logUrl("https://api.github.com", "acme", "widgets", sha("c"), "logs/2026/fix a#1.md")).toBe(
      `https://github.com/acme/widgets/blob/${sha("c")}/logs/2026/fix%20a%231.md`,
    );
  });

  it("maps a GHE /api/v3 base to the host's web pages, keeping the protocol and port", () => {
    expect(logUrl("http://127.0.0.1:8080/api/v3", "acme", "widgets", sha("c"), "logs/fix.md")).toBe(
      `http://127.0.0.1:8080/acme/widgets/blob/${sha("c")}/logs/fix.md`,
    );
    expect(logUrl("https://ghe.example.com/api/v3/", "acme", "widgets", sha("c"), "logs/fix.md")).toBe(
      `https://ghe.example.com/acme/widgets/blob/${sha("c")}/logs/fix.md`,
    );
  });

  it("maps GHE.com's api.SUB.ghe.com to SUB.ghe.com", () => {
    expect(logUrl("https://api.acme.ghe.com", "acme", "widgets", sha("c"), "logs/fix.md")).toBe(
      `https://acme.ghe.com/acme/widgets/blob/${sha("c")}/logs/fix.md`,
    );
  });
});
