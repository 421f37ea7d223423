import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runLocal } from "../../../src/bin/run-local.js";
import { parseSignalFlags } from "../../../src/bin/run-signal-flags.js";
import { loadRunnerConfig } from "../../../src/config.js";

// Through the real SDK: the waiting step runs again in a fresh process, from the state it started from.
const WORKFLOW = `
import { defineWorkflow, step } from "chorebot";
export default defineWorkflow({
  state: { reserved: 0, tries: 0, by: null },
  steps: [
    step({ name: "reserve", run: (s) => { s.reserved += 1; }, rollback: () => {} }),
    step({
      name: "approve",
      run: async (s, ctx) => {
        s.tries += 1;
        const payload = await ctx.waitFor("approved", { timeout: "2d" });
        s.by = payload.by;
      },
    }),
    step({ name: "ship", run: (s) => { console.log(\`shipped for \${s.by}: reserved \${s.reserved}, approve tried \${s.tries}\`); } }),
  ],
});
`;

let repo: string;
beforeEach(async () => {
  repo = await realpath(await mkdtemp(join(tmpdir(), "chorebot-run-wait-")));
  await mkdir(join(repo, "scripts"), { recursive: true });
  await writeFile(join(repo, "scripts", "ship.ts"), WORKFLOW);
  execFileSync("git", ["init", "-q"], { cwd: repo });
});
afterEach(async () => {
  await rm(repo, { recursive: true, force: true });
});

const run = (signals: string[]) => {
  const lines: string[] = [];
  const waits: { signal: string; step: string; delivered: boolean }[] = [];
  const local = runLocal({
    file: "scripts/ship.ts",
    root: repo,
    out: join(repo, "out.md"),
    config: loadRunnerConfig({}),
    signals: parseSignalFlags(signals),
    onLine: (line) => lines.push(line.text),
    onWait: ({ signal, step, delivered }) => waits.push({ signal, step, delivered }),
  });
  return local.then((result) => ({ ...result, lines, waits }));
};

describe("chorebot run and a workflow that waits", () => {
  it("without --signal, the run ends waiting and says for what", async () => {
    const { execution, waits, lines } = await run([]);
    expect(execution).toMatchObject({ status: "waiting", exitCode: 0, message: "waiting for signal approved at step approve (times out in 2d)" });
    expect(waits).toEqual([{ signal: "approved", step: "approve", delivered: false }]);
    expect(lines.join("\n")).not.toContain("shipped");
  });

  it("with --signal, it goes on at once in a fresh process from the waiting step, the payload reaching it", async () => {
    const { execution, waits, lines, logPath } = await run(['approved={"by":"bob"}']);
    expect(waits).toEqual([{ signal: "approved", step: "approve", delivered: true }]);
    expect(execution.status).toBe("succeeded");
    // Reserve ran once; approve ran again from the state it started from (its first try's change is not in it).
    expect(lines).toContain("shipped for bob: reserved 1, approve tried 1");
    expect(execution.report?.workflow?.entries.map((e) => `${e.step} ${e.outcome}`)).toEqual([
      "reserve succeeded",
      "approve waiting",
      "approve succeeded",
      "ship succeeded",
    ]);
    expect(await readFile(logPath, "utf8")).toContain("succeeded");
  });
});

const TWO_WAITS = `
import { defineWorkflow, step } from "chorebot";
export default defineWorkflow({
  state: { got: [] },
  steps: [
    step({
      name: "gate",
      run: async (s, ctx) => {
        s.got.push(await ctx.waitFor("first"));
        s.got.push(await ctx.waitFor("second"));
        console.log(\`got \${s.got.join(" and ")}\`);
      },
    }),
  ],
});
`;

describe("chorebot run and a step that waits twice", () => {
  it("goes on with each payload in turn, the step given every signal it got so far", async () => {
    await writeFile(join(repo, "scripts", "ship.ts"), TWO_WAITS);
    const { execution, waits, lines } = await run(["first=one", "second=two"]);
    expect(waits.map((w) => `${w.signal} ${w.delivered}`)).toEqual(["first true", "second true"]);
    expect(execution.status).toBe("succeeded");
    expect(lines).toContain("got one and two");
    expect(execution.report?.workflow?.entries.map((e) => e.outcome)).toEqual(["waiting", "waiting", "succeeded"]);
  });
});

describe("--signal flags", () => {
  it("take JSON, or a plain string, in order by name; refuse a bad name or an oversized payload", () => {
    expect(parseSignalFlags(['a={"n":1}', "a=yes", "b-2=[1]", "c=x=y"])).toEqual(
      new Map<string, unknown[]>([
        ["a", [{ n: 1 }, "yes"]],
        ["b-2", [[1]]],
        ["c", ["x=y"]],
      ]),
    );
    for (const bad of ["=1", "noequals", "1a=2", "a b=1"]) expect(() => parseSignalFlags([bad]), bad).toThrow(/expected name=value/);
    expect(() => parseSignalFlags([`a=${"x".repeat(64 * 1024)}`])).toThrow(/over 65536 bytes/);
  });
});
