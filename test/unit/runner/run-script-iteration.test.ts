import { stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { describe, expect, test } from "vitest";
import type { IterationReport } from "../../../src/run-types.js";
import { createRedactor } from "../../../src/runner/redact.js";
import { runScript, type RunScriptOptions } from "../../../src/runner/run-script.js";
import { buildScriptEnv } from "../../../src/runner/script-env.js";
import type { BatchReport, IterationDescription, IterationResumption, ReportMessage } from "../../../src/sdk/protocol.js";

const env = buildScriptEnv(process.env, []);
const secret = `sk-${Math.random().toString(36).slice(2)}`;
const redact = createRedactor([secret]);
const description: IterationDescription = { batchSize: 10, pauseMs: 0, counted: false, csv: null };

// An iteration engine in miniature, speaking the protocol itself over one connection:
// `batch(seq, done, cursor, items?, last?)` sends a batch report and waits for its ack (at most
// 1 s), printing `acked <seq> pause=<bool> after <ms>` or `unacked <seq>`, and returns the ack;
// `lie(...)` sends one without waiting; `item(n)` prints `item <n>` (an item "processed").
const ENGINE = [
  'import { connect } from "node:net";',
  "const socket = connect(process.env.CHOREBOT_CHANNEL);",
  "await new Promise((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject); });",
  "let buffered = ''; const waiting = new Map();",
  "socket.on('data', (chunk) => { buffered += chunk; let i; while ((i = buffered.indexOf('\\n')) !== -1) { const ack = JSON.parse(buffered.slice(0, i)); buffered = buffered.slice(i + 1); waiting.get(ack.seq)?.(ack); } });",
  "const message = (seq, done, cursor, items = 10, last = false) => JSON.stringify({ type: 'batch', report: { seq, cursor, items, done, startedAt: new Date().toISOString(), durationMs: 1, last } }) + '\\n';",
  "const batch = async (...args) => {",
  "  const seq = args[0]; const sent = performance.now();",
  "  const acked = new Promise((resolve) => { waiting.set(seq, resolve); setTimeout(() => resolve(null), 1000).unref(); });",
  "  socket.write(message(...args)); socket.ref();",
  "  const ack = await acked; socket.unref();",
  "  console.log(ack === null ? `unacked ${seq}` : `acked ${seq} pause=${ack.pause} after ${Math.round(performance.now() - sent)}`);",
  "  return ack;",
  "};",
  "const lie = (...args) => socket.write(message(...args));",
  "const item = (n) => console.log(`item ${n}`);",
  "const progress = (done) => socket.write(JSON.stringify({ type: 'progress', done, total: null }) + '\\n');",
].join("\n");

type Saved = { batch: BatchReport; record: IterationReport };

async function run(lines: string[], extra: Partial<RunScriptOptions> & { pauseAt?: number } = {}) {
  const saved: Saved[] = [];
  const shown: ReportMessage[] = [];
  const { pauseAt, ...options } = extra;
  const result = await runScript({
    code: [ENGINE, ...lines, "socket.end();"].join("\n"),
    cwd: tmpdir(),
    env,
    timeoutMs: 15_000,
    redact,
    iteration: { description },
    onReport: (message) => shown.push(message),
    onBatch: async (batch, record) => {
      saved.push({ batch, record });
      return { pause: batch.seq === pauseAt };
    },
    ...options,
  });
  const printed = result.output.lines.map((line) => line.text);
  return { result, saved, shown, printed };
}

describe("runScript: an iteration's checkpoints", () => {
  test("each batch is acked only once onBatch resolved (a slow one holds the script), with the raw cursor to save and the redacted one to show", async () => {
    const saved: Saved[] = [];
    const { result, shown, printed } = await run(
      [
        "for (let i = 1; i <= 10; i++) item(i);",
        `await batch(1, 10, { id: 10, token: "${secret}" });`,
        "for (let i = 11; i <= 14; i++) item(i);",
        "await batch(2, 14, { id: 14 }, 4, true);",
      ],
      {
        onBatch: async (batch, record) => {
          await new Promise((resolve) => setTimeout(resolve, 150));
          saved.push({ batch, record });
          return { pause: false };
        },
      },
    );
    expect(result).toMatchObject({ status: "succeeded", message: null });
    expect(saved.map(({ batch }) => batch.cursor)).toEqual([{ id: 10, token: secret }, { id: 14 }]);
    expect(saved[0]!.record.checkpoint).toMatchObject({ seq: 1, done: 10, cursor: `{"id":10,"token":"[REDACTED]"}` });
    const waits = printed.filter((text) => text.startsWith("acked")).map((text) => Number(/after (\d+)/.exec(text)![1]));
    expect(waits).toHaveLength(2);
    for (const wait of waits) expect(wait).toBeGreaterThanOrEqual(145);
    expect(result.report?.iteration).toMatchObject({ finished: true, paused: false, refused: 0, checkpoint: { seq: 2, done: 14, cursor: '{"id":14}' } });
    const batches = shown.filter((message) => message.type === "batch");
    expect(batches.map((message) => message.report.cursor)).toEqual([`{"id":10,"token":"[REDACTED]"}`, '{"id":14}']);
    expect(JSON.stringify(result.report)).not.toContain(secret);
  });

  test("pause: the ack says so, the script stops, and the run is paused after that checkpoint", async () => {
    const { result, saved, printed } = await run(
      [
        "let n = 0;",
        "for (let seq = 1; seq <= 5; seq++) {",
        "  for (let i = 0; i < 10; i++) item(++n);",
        "  const ack = await batch(seq, n, { id: n });",
        "  if (ack.pause) break;",
        "}",
      ],
      { pauseAt: 2 },
    );
    expect(result).toMatchObject({ status: "paused", exitCode: 0, message: "paused after item 20 (batch 2)" });
    expect(saved.map(({ batch }) => batch.seq)).toEqual([1, 2]);
    expect(printed.filter((text) => text.startsWith("item")).at(-1)).toBe("item 20");
    expect(printed.filter((text) => text.startsWith("acked"))).toEqual([
      expect.stringMatching(/^acked 1 pause=false/),
      expect.stringMatching(/^acked 2 pause=true/),
    ]);
    expect(result.report?.iteration).toMatchObject({ paused: true, finished: false, inFlight: null, checkpoint: { seq: 2, done: 20 } });
  });

  test("a checkpoint that could not be saved (onBatch rejects) is never acked: the script waits", async () => {
    const { result, printed } = await run(["await batch(1, 10, 10);", "process.exit(0);"], {
      onBatch: () => Promise.reject(new Error("Redis is gone")),
    });
    expect(printed).toEqual(["unacked 1"]);
    expect(result.report?.iteration).toMatchObject({ finished: false, paused: false });
    expect(result.status).toBe("failed");
  });

  test("a pause asked with the last batch comes too late: the run finishes", async () => {
    const { result, printed } = await run(["await batch(1, 10, 10);", "await batch(2, 13, 13, 3, true);"], { pauseAt: 2 });
    expect(result.status).toBe("succeeded");
    expect(printed).toContainEqual(expect.stringMatching(/^acked 2 pause=true/));
    expect(result.report?.iteration).toMatchObject({ finished: true, paused: false });
  });

  test("a hostile script that goes on after the pause ack gets nothing more acked, and fails", async () => {
    const { result, saved, printed } = await run(["await batch(1, 10, 10);", "await batch(2, 20, 20);", "await batch(3, 30, 30);"], { pauseAt: 2 });
    expect(saved.map(({ batch }) => batch.seq)).toEqual([1, 2]);
    expect(printed).toContain("unacked 3");
    expect(result).toMatchObject({
      status: "failed",
      message: "the iteration was told to pause after item 20 (batch 2), then reported more batches (refused): it must stop there",
    });
    expect(result.report?.rejectedLines).toBe(1);
  });

  test("a script that lies about seq, done or its cursor is never acked: the checkpoint before stays", async () => {
    const lies: [string, string][] = [
      ["seq skipped", "await batch(3, 20, 20);"],
      ["seq repeated", "await batch(1, 20, 20);"],
      ["done inflated", "await batch(2, 500, 20);"],
      ["more items than a batch", "await batch(2, 21, 21, 11);"],
      ["a cursor that does not move", "await batch(2, 20, 10);"],
      ["no items, not last", "await batch(2, 10, 10, 0);"],
      ["a 20 KB cursor", 'await batch(2, 20, "x".repeat(20 * 1024));'],
    ];
    const results = await Promise.all(lies.map(([, lie]) => run(["await batch(1, 10, 10);", lie])));
    for (const [index, { result, saved, printed }] of results.entries()) {
      const why = lies[index]![0];
      expect(
        saved.map(({ batch }) => batch.seq),
        why,
      ).toEqual([1]);
      expect(printed, why).toContain(`unacked ${index < 2 ? [3, 1][index] : 2}`);
      expect(result.report?.iteration, why).toMatchObject({ refused: 1, checkpoint: { seq: 1, done: 10 }, finished: false });
      expect(result, why).toMatchObject({
        status: "failed",
        message: "the script exited before its iteration finished, its last checkpoint after item 10 (batch 1)",
      });
    }
  });

  test("a script that exits 0 mid-way failed; one that failed keeps its own reason", async () => {
    const [early, failing] = await Promise.all([
      run(["await batch(1, 10, 10);", "progress(14);", "process.exit(0);"]),
      run(["await batch(1, 10, 10);", "socket.write(JSON.stringify({ type: 'fail', reason: 'item 13 threw: boom' }) + '\\n');", "process.exitCode = 1;"]),
    ]);
    expect(early.result).toMatchObject({
      status: "failed",
      message: "the script exited before its iteration finished, its last checkpoint after item 10 (batch 1)",
    });
    expect(early.result.report?.iteration?.inFlight).toEqual({ seq: 2, from: 11, items: 4 });
    expect(failing.result).toMatchObject({ status: "failed", message: "item 13 threw: boom" });
    expect(failing.result.report?.iteration?.checkpoint).toMatchObject({ seq: 1, done: 10 });
  });

  test("an empty collection: one empty last batch, and it succeeded", async () => {
    const { result } = await run(["await batch(1, 0, null, 0, true);"]);
    expect(result.status).toBe("succeeded");
    expect(result.report?.iteration).toMatchObject({ finished: true, checkpoint: { seq: 1, done: 0 } });
  });

  test("without onBatch (a local run) each batch is acked at once, never pausing", async () => {
    const { result, printed } = await run(["await batch(1, 10, 10);", "await batch(2, 12, 12, 2, true);"], { onBatch: undefined as never });
    expect(result.status).toBe("succeeded");
    expect(printed.filter((text) => text.startsWith("acked"))).toHaveLength(2);
    expect(printed.every((text) => !text.includes("pause=true"))).toBe(true);
  });

  test("a script that is not an iteration gets no ack, and its batch lines are refused", async () => {
    const { result, printed } = await run(["await batch(1, 10, 10);"], { iteration: undefined as never });
    expect(result.status).toBe("succeeded");
    expect(printed).toContain("unacked 1");
    expect(result.report).not.toHaveProperty("iteration");
    expect(result.report?.rejectedLines).toBe(1);
  });

  test("a flood of batch lines: the first is checkpointed, the rest refused, and the run ends", async () => {
    // 1,500: past the channel's 1,000 lines per window. How many of the rest are read depends on the
    // machine: the channel drains for at most 2 s once the script is gone, and drops what is left.
    const { result, saved } = await run(["for (let i = 0; i < 1500; i++) lie(1, 10, i + 1);", "await new Promise((resolve) => socket.end(resolve));"]);
    expect(saved).toHaveLength(1);
    expect(result.report?.iteration?.refused).toBeGreaterThan(0);
    expect(result.report?.iteration?.refused).toBeLessThanOrEqual(1499);
    expect(result.status).toBe("failed");
  }, 30_000);
});

describe("runScript: an iteration that goes on", () => {
  test("the resumption is in a 0600 file named by CHOREBOT_RESUME, removed with the run; batches are numbered on", async () => {
    const resumption: IterationResumption = { seq: 3, done: 30, cursor: { id: 30, token: secret } };
    const earlier: IterationReport = {
      batchSize: 10,
      total: null,
      checkpoint: { seq: 3, done: 30, cursor: '{"id":30,"token":"[REDACTED]"}', at: "2026-12-01T10:00:00.000Z" },
      inFlight: null,
      resumedFrom: null,
      paused: true,
      finished: false,
      refused: 0,
    };
    const { result, saved } = await run(
      [
        'import { readFileSync, statSync } from "node:fs";',
        "const path = process.env.CHOREBOT_RESUME;",
        "const resumed = JSON.parse(readFileSync(path, 'utf8'));",
        `console.log(JSON.stringify({ raw: resumed.cursor.token === "${secret}", path, mode: (statSync(path).mode & 0o777).toString(8), seq: resumed.seq, done: resumed.done }));`,
        "await batch(1, 10, 10);",
        `await batch(4, 40, { id: 30, token: "${secret}" });`,
        "await batch(4, 35, { id: 35 }, 5, true);",
      ],
      { iteration: { description, earlier }, resumeIteration: resumption },
    );
    const told = JSON.parse(result.output.lines[0]!.text) as { raw: boolean; path: string; mode: string; seq: number; done: number };
    expect(told).toMatchObject({ raw: true, mode: "600", seq: 3, done: 30 });
    await expect(stat(told.path)).rejects.toMatchObject({ code: "ENOENT" });
    expect(saved.map(({ batch }) => batch.seq)).toEqual([4]);
    expect(result.status).toBe("succeeded");
    expect(result.report?.iteration).toMatchObject({ resumedFrom: { seq: 3, done: 30 }, finished: true, refused: 2, checkpoint: { seq: 4, done: 35 } });
  });

  test("a process that goes on and stops before any batch still has the earlier record", async () => {
    const earlier: IterationReport = {
      batchSize: 10,
      total: 100,
      checkpoint: { seq: 3, done: 30, cursor: "30", at: "2026-12-01T10:00:00.000Z" },
      inFlight: null,
      resumedFrom: null,
      paused: true,
      finished: false,
      refused: 0,
    };
    const result = await runScript({
      code: "process.exit(0);",
      cwd: tmpdir(),
      env,
      timeoutMs: 10_000,
      iteration: { description, earlier },
      resumeIteration: { seq: 3, done: 30, cursor: 30 },
    });
    expect(result).toMatchObject({ status: "failed", message: "the script exited before its iteration finished, its last checkpoint after item 30 (batch 3)" });
    expect(result.report?.iteration).toMatchObject({ checkpoint: earlier.checkpoint, total: 100, resumedFrom: { seq: 3, done: 30 } });
  });
});
