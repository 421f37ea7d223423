import { describe, expect, it } from "vitest";
import { RUN_STATUSES } from "../../../src/run-types.js";
import { parseRunLog } from "../../../src/runlog/parse-run-log.js";
import { renderRunLog } from "../../../src/runlog/render-run-log.js";
import { runLogInput } from "./run-log-fixture.js";

/** The body of the first fenced block after `heading`, found by its actual fence. */
function section(body: string, heading: string): { fence: string; content: string } {
  const after = body.slice(body.indexOf(`${heading}\n`));
  const open = /^(`{3,})\w*\n/m.exec(after);
  if (open === null) throw new Error(`no fence under ${heading}`);
  const start = open.index + open[0].length;
  const close = after.indexOf(`\n${open[1]}\n`, start - 1);
  return { fence: open[1]!, content: after.slice(start, close + 1) };
}

describe("renderRunLog", () => {
  it.each(RUN_STATUSES)("round-trips the front matter of a %s run", (status) => {
    const input = runLogInput({ status });
    const { frontMatter, body } = parseRunLog(renderRunLog(input));
    expect(frontMatter).toMatchObject({
      script: input.script,
      repository: "acme/app",
      commit: input.commit,
      pull_request: 42,
      pull_request_url: "https://github.com/acme/app/pull/42",
      author: "alice",
      approved_by: ["bob", "carol"],
      status,
      exit_code: input.execution.exitCode,
      signal: input.execution.signal,
      started_at: "2026-11-03T10:00:00.000Z",
      finished_at: "2026-11-03T10:00:02.345Z",
      duration_ms: input.execution.durationMs,
      run_id: "run-7f3a",
      job_ids: input.jobIds,
      attempt: 1,
      runner: "worker-1",
      output_omitted_bytes: 0,
    });
    if (input.execution.message === null) expect(frontMatter).not.toHaveProperty("message");
    else expect(frontMatter.message).toBe(input.execution.message);
    expect(body.trimStart().split("\n")[0]).toMatch(new RegExp(`^# \\S+ scripts/2026-11-fix-plans\\.ts `));
    expect(body).toContain("## Output");
    expect(body).toContain("## Executed JavaScript");
  });

  it("uses one emoji per status in the title", () => {
    const titles = RUN_STATUSES.map(
      (status) =>
        parseRunLog(renderRunLog(runLogInput({ status })))
          .body.trimStart()
          .split("\n")[0],
    );
    expect(titles[0]).toBe("# ✅ scripts/2026-11-fix-plans.ts succeeded");
    const emojis = new Set(titles.map((t) => t!.split(" ")[1]));
    expect(emojis.size).toBe(RUN_STATUSES.length);
  });

  it("summarises status, duration, exit code, pull request and approvers", () => {
    const { body } = parseRunLog(renderRunLog(runLogInput({ status: "failed" })));
    const summary = body.split("\n\n")[1]!;
    expect(summary).toContain("**Failed** after 2.3 s, exit code 1.");
    expect(summary).toContain("exit code 1. The script failed. Merged in");
    expect(summary).toContain("[#42](https://github.com/acme/app/pull/42)");
    expect(summary).toContain("approved by @bob and @carol");
  });

  it("says a local run was run locally, not that its pull request is missing", () => {
    const log = renderRunLog(runLogInput({ jobIds: null, pullRequest: null, approvedBy: [] }));
    expect(log).toContain("Run locally with `chorebot run`");
    expect(log).not.toContain("No merged pull request");
  });

  it("keeps output in order with timestamps and stream labels", () => {
    const { body } = parseRunLog(renderRunLog(runLogInput()));
    expect(section(body, "## Output").content).toBe("+0.012s stdout | updating 3 plans\n+1.500s stderr | warning: plan 7 is archived\n+2.301s stdout | done\n");
  });

  it("aligns timestamps, splits embedded newlines and shows control characters", () => {
    const input = runLogInput();
    input.execution.output.lines = [
      { t: 5, stream: "stdout", text: "a\nb" },
      { t: 65_432, stream: "stderr", text: "\x1b[31mred\x1b[0m\x07" },
    ];
    const { content } = section(parseRunLog(renderRunLog(input)).body, "## Output");
    expect(content).toBe("    +0.005s stdout | a\n    +0.005s stdout | b\n+65.432s stderr | red␇\n".replace(/^ {4}/gm, " "));
  });

  it("marks where the capture dropped output", () => {
    const input = runLogInput();
    input.execution.output.omittedBytes = 12_345;
    input.execution.output.omittedAt = 1;
    const log = renderRunLog(input);
    const lines = section(parseRunLog(log).body, "## Output").content.split("\n");
    expect(lines[1]).toBe("… 12345 bytes of output omitted …");
    expect(lines[0]).toContain("updating 3 plans");
    expect(lines[2]).toContain("warning");
    expect(parseRunLog(log).frontMatter.output_omitted_bytes).toBe(12_345);
  });

  it("still says so when the capture did not record where it dropped output", () => {
    const input = runLogInput();
    input.execution.output.omittedBytes = 99;
    const { content } = section(parseRunLog(renderRunLog(input)).body, "## Output");
    expect(content.split("\n")[0]).toMatch(/^… 99 bytes of output omitted/);
  });

  it("keeps fences intact when output and code contain backtick fences", () => {
    const input = runLogInput({ code: "const md = `\n````js\nx\n````\n`;\nconsole.log(md);\n" });
    input.execution.output.lines = [
      { t: 1, stream: "stdout", text: "```" },
      { t: 2, stream: "stdout", text: "```js" },
      { t: 3, stream: "stdout", text: "```" },
    ];
    const { body } = parseRunLog(renderRunLog(input));
    const output = section(body, "## Output");
    expect(output.fence.length).toBeGreaterThan(3);
    expect(output.content).toBe("+0.001s stdout | ```\n+0.002s stdout | ```js\n+0.003s stdout | ```\n");
    const code = section(body, "## Executed JavaScript");
    expect(code.fence.length).toBeGreaterThan(4);
    expect(code.content).toBe(input.code);
  });

  it("round-trips YAML-hostile values", () => {
    const hostile = "key: value # not a comment\n---\n\"quoted\" and 'single'\n- a list? [no] {no}: yes";
    const input = runLogInput({
      status: "failed",
      runner: "yes",
      runId: "0123",
      approvedBy: ["on", "null", "dependabot[bot]"],
      pullRequest: { number: 7, url: "https://github.com/acme/app/pull/7", author: "no", title: hostile },
    });
    input.execution.message = hostile;
    const { frontMatter, body } = parseRunLog(renderRunLog(input));
    expect(frontMatter.message).toBe(hostile);
    expect(frontMatter.pull_request_title).toBe(hostile);
    expect(frontMatter.runner).toBe("yes");
    expect(frontMatter.run_id).toBe("0123");
    expect(frontMatter.author).toBe("no");
    expect(frontMatter.approved_by).toEqual(["on", "null", "dependabot[bot]"]);
    // The body's summary stays one paragraph however many lines the message has.
    expect(body.split("\n\n")[1]).not.toContain("\n");
  });

  it("stays under the size cap with 5 MB of output, keeping head and tail", () => {
    const input = runLogInput();
    const line = "x".repeat(99);
    input.execution.output.lines = Array.from({ length: 50_000 }, (_, i) => ({
      t: i,
      stream: i % 2 === 0 ? ("stdout" as const) : ("stderr" as const),
      text: `${i} ${line}`,
    }));
    const log = renderRunLog(input);
    expect(Buffer.byteLength(log)).toBeLessThanOrEqual(1024 * 1024);
    expect(Buffer.byteLength(log)).toBeGreaterThan(1024 * 1024 - 8 * 1024);
    const { frontMatter, body } = parseRunLog(log);
    const lines = section(body, "## Output").content.trimEnd().split("\n");
    expect(lines[0]).toContain("stdout | 0 xxx");
    expect(lines.at(-1)).toContain("stderr | 49999 xxx");
    const marker = lines.find((l) => l.startsWith("…"));
    expect(marker).toMatch(/^… \d+ bytes \(\d+ lines\) of output omitted to keep this log under 1048576 bytes …$/);
    expect(body).toContain("> [!WARNING]");
    expect(body).toContain(input.code);
    const omitted = Number(/… (\d+) bytes/.exec(marker!)![1]);
    expect(frontMatter.output_omitted_bytes).toBe(omitted);
    // Every line printed is either shown or counted in the marker.
    const shownBytes = lines.filter((l) => !l.startsWith("…")).reduce((n, l) => n + Buffer.byteLength(l.split(" | ")[1]!) + 1, 0);
    const printed = input.execution.output.lines.reduce((n, l) => n + Buffer.byteLength(l.text) + 1, 0);
    expect(shownBytes + omitted).toBe(printed);
  });

  it("shortens the code after the output when that is not enough", () => {
    const code = Array.from({ length: 40_000 }, (_, i) => `console.log(${i}); // ${"é".repeat(20)}`).join("\n");
    const input = runLogInput({ code });
    const log = renderRunLog(input, { maxBytes: 256 * 1024 });
    expect(Buffer.byteLength(log)).toBeLessThanOrEqual(256 * 1024);
    expect(log).not.toContain("\uFFFD");
    const { frontMatter, body } = parseRunLog(log);
    const js = section(body, "## Executed JavaScript").content;
    expect(js.startsWith("console.log(0);")).toBe(true);
    expect(js.trimEnd().endsWith(`console.log(39999); // ${"é".repeat(20)}`)).toBe(true);
    expect(js).toMatch(/^\/\/ … \d+ bytes of the executed JavaScript omitted to keep this log under 262144 bytes …$/m);
    expect(frontMatter.code_omitted_bytes).toBeGreaterThan(0);
    expect(frontMatter.code_bytes).toBe(Buffer.byteLength(code));
    expect(body).toContain("the executed JavaScript was shortened");
  });

  it("says why there is no output or code for a refused run", () => {
    const { body } = parseRunLog(renderRunLog(runLogInput({ status: "refused" })));
    expect(body).toContain("_Nothing ran, so there is no output._");
    expect(body).toContain("_Nothing was executed: the script was refused._");
    expect(body).toContain("**Refused**: the script was not executed.");
  });
});
