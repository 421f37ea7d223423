import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runLocal } from "../../../src/bin/run-local.js";
import { loadRunnerConfig } from "../../../src/config.js";
import type { BatchReport, ReportMessage } from "../../../src/sdk/protocol.js";

// Through the real SDK and the static reading of its options, as `chorebot run` does it.
const BACKFILL = (last: number) => `
import { defineScript } from "chorebot";
export default defineScript({
  batchSize: 3,
  async *collection({ cursor }) {
    for (let id = (cursor ?? 0) + 1; id <= ${last}; id++) yield { item: id, cursor: id };
  },
  process(item) {
    console.log(\`item \${item}\`);
  },
  count: () => ${last},
});
`;

let repo: string;
beforeEach(async () => {
  repo = await realpath(await mkdtemp(join(tmpdir(), "chorebot-run-iteration-")));
  await mkdir(join(repo, "scripts"), { recursive: true });
  execFileSync("git", ["init", "-q"], { cwd: repo });
});
afterEach(async () => {
  await rm(repo, { recursive: true, force: true });
});

const run = async (source: string, o: { signal?: AbortSignal; onBatch?: (report: BatchReport) => void } = {}) => {
  await writeFile(join(repo, "scripts", "backfill.ts"), source);
  const lines: string[] = [];
  const reports: ReportMessage[] = [];
  const local = await runLocal({
    file: "scripts/backfill.ts",
    root: repo,
    out: join(repo, "out.md"),
    config: loadRunnerConfig({}),
    onLine: (line) => lines.push(line.text),
    onReport: (message) => {
      reports.push(message);
      if (message.type === "batch") o.onBatch?.(message.report);
    },
    ...(o.signal ? { signal: o.signal } : {}),
  });
  return { ...local, lines, reports };
};

describe("chorebot run and an iteration", () => {
  it("goes through the whole collection, each checkpoint acked at once, and succeeds", async () => {
    const { execution, lines, reports, logPath } = await run(BACKFILL(7));
    expect(execution.message).toBeNull();
    expect(execution).toMatchObject({ status: "succeeded", exitCode: 0 });
    expect(lines.filter((line) => line.startsWith("item"))).toEqual([1, 2, 3, 4, 5, 6, 7].map((n) => `item ${n}`));
    const batches = reports.filter((message): message is { type: "batch"; report: BatchReport } => message.type === "batch").map(({ report }) => report);
    expect(batches.map(({ seq, items, done, cursor, last }) => ({ seq, items, done, cursor, last }))).toEqual([
      { seq: 1, items: 3, done: 3, cursor: "3", last: false },
      { seq: 2, items: 3, done: 6, cursor: "6", last: false },
      { seq: 3, items: 1, done: 7, cursor: "7", last: true },
    ]);
    expect(execution.report?.iteration).toMatchObject({ finished: true, paused: false, total: 7, checkpoint: { seq: 3, done: 7 } });
    expect(await readFile(logPath, "utf8")).toContain("succeeded");
  });

  it("Ctrl-C cancels it", async () => {
    const cancel = new AbortController();
    const source = BACKFILL(1_000_000).replace("process(item) {", "async process(item) { await new Promise((r) => setTimeout(r, 5));");
    // Stopped once it has checkpointed its first batch.
    const running = run(source, { signal: cancel.signal, onBatch: () => cancel.abort() });
    const { execution } = await running;
    expect(execution.message).toBe("cancelled while running");
    expect(execution.status).toBe("cancelled");
    // Cancelled after its first checkpoint (a later one may have come before the stop reached it).
    expect(execution.report?.iteration?.finished).toBe(false);
    expect(execution.report?.iteration?.checkpoint?.seq).toBeGreaterThanOrEqual(1);
  });
});
