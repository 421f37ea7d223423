import { describe, expect, it, test } from "vitest";
import { markdownText } from "../../../src/checks/markdown-text.js";
import { renderWorkflows } from "../../../src/checks/render-workflows.js";
import { pullRequestCheckHarness } from "./pull-request-check-harness.js";

/** A workflow whose `steps` lines start on line 5. */
function workflow(steps: string[], head = 'stepTimeout: "2m",') {
  return [
    'import { defineWorkflow, step } from "chorebot";',
    "export default defineWorkflow({",
    "  state: { customer: null },",
    `  ${head}`,
    ...steps.map((line) => `  ${line}`),
    "});",
    "",
  ].join("\n");
}

const THREE = [
  "steps: [",
  '  step({ name: "reserve", run() {}, rollback() {} }),',
  '  step({ name: "charge", run() {}, timeout: 30 }),',
  '  step({ name: "notify", run() {}, rollback() {}, timeout: "1h" }),',
  "],",
];

describe("the pull request check and workflows", () => {
  const analyze = pullRequestCheckHarness("workflow");

  it("lists a workflow's steps in order, and warns on the line of each step without a rollback", async () => {
    const report = await analyze({ "scripts/2026-12-move.ts": workflow(THREE) });
    expect(report.annotations).toEqual([
      {
        path: "scripts/2026-12-move.ts",
        start_line: 7,
        end_line: 7,
        start_column: 5,
        end_column: 5,
        annotation_level: "warning",
        title: "Step without a rollback",
        message: 'step "charge" has no rollback: if a later step fails, its work stays. Add `rollback` to undo it, or accept that it is not undone.',
      },
    ]);
    expect(report.conclusion).toBe("neutral");
    expect(report.title).toBe("1 script will run on merge; 1 warning; 1 approval missing");
    const section = report.summary.slice(report.summary.indexOf("### Workflows"));
    expect(section.split("\n").slice(4, 12)).toEqual([
      "**scripts\\/2026\\-12\\-move\\.ts**: 3 steps, 1 without a rollback.",
      "",
      "| # | Step | Rollback | Time limit |",
      "| --- | --- | --- | --- |",
      "| 1 | reserve | yes | 2 min |",
      "| 2 | charge | ⚠️ no: its work stays | 30 s |",
      "| 3 | notify | yes | 60 min |",
      "",
    ]);
    // The scripts' table says it bundles, as for any script.
    expect(report.summary).toContain("| 1 | `scripts/2026-12-move.ts` | ✅ bundles, packages installed |");
  });

  it("passes a chore whose every step has a rollback, and lists it with the chores", async () => {
    const report = await analyze({ "chores/move.ts": workflow(["steps: [{ name: 'a', run() {}, rollback() {} }],"], "") });
    expect(report.annotations).toEqual([]);
    expect(report.conclusion).toBe("success");
    expect(report.summary).toContain("**chores\\/move\\.ts**: 1 step, every step has a rollback.");
    expect(report.summary).toContain("| 1 | a | yes | 5 min |");
  });

  it("says of the last step without a rollback that only its own failure leaves its work", async () => {
    const report = await analyze({ "chores/one.ts": workflow(["steps: [step({ name: 'only', run() {} })],"]) });
    expect(report.annotations.map((a) => [a.start_line, a.annotation_level, a.message])).toEqual([
      [5, "warning", 'step "only" has no rollback: if it fails, what it did so far stays. Add `rollback` to undo it, or accept that it is not undone.'],
    ]);
  });

  test.each([
    ["no steps", ["steps: [],"], [[5, "a workflow needs at least one step"]]],
    [
      "a duplicate name, at the second",
      ["steps: [", "  step({ name: 'a', run() {}, rollback() {} }),", "  step({", "    name: 'a',", "    run() {},", "  }),", "],"],
      [[8, 'steps[1]: the name "a" is taken by steps[0]']],
    ],
    ["steps it cannot read", ["steps: [...OTHER],"], [[5, "steps[0] must be step({ name, run, rollback }) or an object literal, not a spread"]]],
    ["a name built at run time", ["steps: [step({ name: `charge-${Date.now()}`, run() {} })],"], [[5, "steps[0].name must be a literal"]]],
    ["steps chosen by a condition", ["steps: process.env.DRY ? [] : [],"], [[5, "steps must be an array literal"]]],
  ])("fails %s, on its line, and lists no steps", async (_, steps, expected) => {
    const report = await analyze({ "scripts/2026-12-move.ts": `const OTHER = [];\n${workflow(steps)}` });
    expect(report.conclusion).toBe("failure");
    expect(report.annotations.map((a) => [a.start_line - 1, a.annotation_level, a.title, a.message])).toEqual(
      expected.map(([line, message]) => [line, "failure", "Definition not readable", expect.stringContaining(message as string)]),
    );
    expect(report.summary).toContain("❌ chorebot cannot read its definition (1 problem)");
    expect(report.summary).not.toContain("### Workflows");
  });

  it("escapes Markdown and HTML in step names: a name cannot add links, images, cells or rows to the summary", async () => {
    const names = [
      "| 9 | fake | yes | 1 s |",
      "![x](https://evil.example/p.png)",
      "<img src=x onerror=alert(1)>",
      "**ok** `code` [a](b) _i_ ~s~ #h @team &amp;",
    ];
    const steps = names.map((name) => `  step({ name: ${JSON.stringify(name)}, run() {}, rollback() {} }),`);
    const report = await analyze({ "chores/evil.ts": workflow(["steps: [", ...steps, "],"]) });
    expect(report.conclusion).toBe("success");
    const rows = report.summary.split("\n").filter((line) => /^\| \d+ \| /.test(line));
    expect(rows).toEqual([
      "| 1 | \\| 9 \\| fake \\| yes \\| 1 s \\| | yes | 2 min |",
      "| 2 | \\!\\[x\\]\\(https\\:\\/\\/evil\\.example\\/p\\.png\\) | yes | 2 min |",
      "| 3 | \\<img src\\=x onerror\\=alert\\(1\\)\\> | yes | 2 min |",
      "| 4 | \\*\\*ok\\*\\* \\`code\\` \\[a\\]\\(b\\) \\_i\\_ \\~s\\~ \\#h \\@team \\&amp\\; | yes | 2 min |",
    ]);
    expect(report.summary).not.toMatch(/(^|[^\\])(<img|!\[)/m);
  });

  it("leaves plain scripts and defineScript scripts as they were: no workflow section, no warning", async () => {
    const report = await analyze({
      "scripts/2026-12-plain.ts": 'console.log("hi");\n',
      "scripts/2026-12-defined.ts": 'import { defineScript } from "chorebot";\nexport default defineScript({ run() {} });\n',
    });
    expect(report.annotations).toEqual([]);
    expect(report.conclusion).toBe("success");
    expect(report.summary).not.toContain("Workflows");
  });
});

describe("renderWorkflows and markdownText", () => {
  test("a line break or an invisible character in a name stays on its row", () => {
    const lines = renderWorkflows([{ path: "chores/x.ts", workflow: { steps: [{ name: "a\nb\r\nc\u2028d\u202Ee", rollback: true, timeoutMs: 1000 }] } }]);
    expect(lines).toContain("| 1 | a b  c d e | yes | 1 s |");
  });

  test("nothing but scripts without steps: no section", () => {
    expect(renderWorkflows([{ path: "scripts/x.ts" }])).toEqual([]);
  });

  test("every ASCII punctuation mark is escaped, letters, digits, spaces and other characters are not", () => {
    const punctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
    expect(markdownText(punctuation)).toBe([...punctuation].map((mark) => `\\${mark}`).join(""));
    expect(markdownText("Schritt 2: Kunden anlegen — ✓")).toBe("Schritt 2\\: Kunden anlegen — ✓");
  });
});
