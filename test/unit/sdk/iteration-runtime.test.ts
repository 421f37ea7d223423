// An iteration run as chorebot runs it: bundled by the runner's own bundler (the SDK and
// csv-parse bundled in), in a child process, on a report channel whose other end acks batches.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { bundleScript } from "../../../src/runner/bundle-script.js";
import type { BatchReport, ReportMessage } from "../../../src/sdk/protocol.js";

const SCRIPT = `
import { appendFileSync } from "node:fs";
import { csvRows, defineScript, file, string } from "chorebot";

export default defineScript({
  inputs: { codes: file(), seen: string(), fail: string({ default: "" }) },
  collection: csvRows("codes"),
  batchSize: 4,
  pause: "50ms",
  process(row, { inputs }) {
    if (row.code === inputs.fail) throw new Error("code " + row.code + " is taken");
    appendFileSync(inputs.seen, row.code + "," + row.percent + "\\n");
  },
});
`;

let dir: string;
let code: string;
const ROWS = 10;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "chorebot-iter-"));
  const bundled = await bundleScript({
    entry: "chores/import-codes.ts",
    readFile: (path) => Promise.resolve(path === "chores/import-codes.ts" ? SCRIPT : null),
  });
  if (!bundled.ok) throw new Error(bundled.message);
  expect(bundled.usesSdk).toBe(true);
  // csv-parse comes with the SDK, bundled in: the script's repository needs nothing installed.
  expect(bundled.externals).toEqual(["node:fs"]);
  code = bundled.code;
  writeFileSync(join(dir, "script.mjs"), code);
  const lines = ["code,percent", ...Array.from({ length: ROWS }, (_, i) => `CODE${i + 1},${(i % 5) * 5 + 5}`)];
  // A quoted field, a byte order mark and CRLF line ends: read as CSV, not split on commas.
  lines[3] = '"CODE3",15';
  writeFileSync(join(dir, "codes.csv"), `\uFEFF${lines.join("\r\n")}\r\n`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Peer {
  /** How to answer a batch: `pause` in the ack; `drop`: never answer (the worker is lost). */
  answer?: (report: BatchReport) => { pause?: boolean; drop?: boolean; kill?: boolean };
}

async function run(options: { inputs?: Record<string, string>; resume?: unknown; peer?: Peer } = {}) {
  const seen = join(dir, `seen-${Math.random().toString(36).slice(2)}.txt`);
  writeFileSync(seen, "");
  const messages: ReportMessage[] = [];
  const path = join(dir, `c-${Math.random().toString(36).slice(2)}.sock`);
  let kill: () => void = () => {};
  const server = createServer((socket: Socket) => {
    let buffered = "";
    socket.on("data", (chunk) => {
      buffered += chunk.toString("utf8");
      let newline: number;
      while ((newline = buffered.indexOf("\n")) >= 0) {
        const message = JSON.parse(buffered.slice(0, newline)) as ReportMessage;
        buffered = buffered.slice(newline + 1);
        messages.push(message);
        if (message.type !== "batch") continue;
        const answer = options.peer?.answer?.(message.report) ?? {};
        if (answer.kill === true) kill();
        else if (answer.drop !== true) socket.write(`${JSON.stringify({ type: "ack", seq: message.report.seq, pause: answer.pause === true })}\n`);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  const env: Record<string, string> = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("CHOREBOT_"))) as Record<
    string,
    string
  >;
  if (options.resume !== undefined) {
    writeFileSync(join(dir, "resume.json"), typeof options.resume === "string" ? options.resume : JSON.stringify(options.resume));
    env.CHOREBOT_RESUME = join(dir, "resume.json");
  }
  const child = spawn(process.execPath, [join(dir, "script.mjs")], {
    cwd: dir,
    env: { ...env, CHOREBOT_CHANNEL: path, CHOREBOT_INPUTS: JSON.stringify({ codes: join(dir, "codes.csv"), seen, ...options.inputs }) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  kill = () => child.kill("SIGKILL");
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.resume();
  const exit = await new Promise<number | null>((resolve) => child.on("close", resolve));
  await new Promise((resolve) => server.close(resolve));
  const batches = messages.flatMap((m) => (m.type === "batch" ? [m.report] : []));
  const processed = readFileSync(seen, "utf8").split("\n").filter(Boolean);
  return { exit, stderr, messages, batches, processed };
}

describe("an iteration over a CSV file, bundled and run as chorebot runs it", () => {
  test("every row once, in batches of 4 acked one by one, the last marked, throttled, counted, its result", async () => {
    const r = await run();
    expect(r.exit).toBe(0);
    expect(r.processed).toEqual(Array.from({ length: ROWS }, (_, i) => `CODE${i + 1},${(i % 5) * 5 + 5}`));
    expect(r.batches.map(({ seq, cursor, items, done, last }) => ({ seq, cursor, items, done, last }))).toEqual([
      { seq: 1, cursor: 4, items: 4, done: 4, last: false },
      { seq: 2, cursor: 8, items: 4, done: 8, last: false },
      { seq: 3, cursor: 10, items: 2, done: 10, last: true },
    ]);
    // The pause is slept between batches: each starts at least 50 ms after the one before ended.
    for (let i = 1; i < r.batches.length; i++) {
      const before = r.batches[i - 1]!;
      expect(Date.parse(r.batches[i]!.startedAt) - (Date.parse(before.startedAt) + before.durationMs)).toBeGreaterThanOrEqual(45);
    }
    expect(r.messages).toContainEqual({ type: "progress", done: ROWS, total: ROWS });
    expect(r.messages.at(-1)).toEqual({ type: "result", value: { processed: ROWS } });
  });

  test("an ack asking to pause: exit 0 after that batch, no result; the resumption goes on from its cursor", async () => {
    const paused = await run({ peer: { answer: (report) => ({ pause: report.seq === 1 }) } });
    expect(paused.exit).toBe(0);
    expect(paused.processed).toHaveLength(4);
    expect(paused.messages.some((m) => m.type === "result")).toBe(false);

    const resumed = await run({ resume: { seq: 1, done: 4, cursor: 4 } });
    expect(resumed.exit).toBe(0);
    expect(resumed.processed).toEqual(Array.from({ length: 6 }, (_, i) => `CODE${i + 5},${((i + 4) % 5) * 5 + 5}`));
    expect(resumed.batches.map((b) => [b.seq, b.done, b.cursor, b.last])).toEqual([
      [2, 8, 8, false],
      [3, 10, 10, true],
    ]);
    expect(resumed.messages.at(-1)).toEqual({ type: "result", value: { processed: ROWS } });
  });

  test("a lost worker mid-batch: resumed from the last checkpoint, only the batch in flight again", async () => {
    const lost = await run({ peer: { answer: (report) => ({ kill: report.seq === 2 }) } });
    expect(lost.exit).toBeNull();
    const resumed = await run({ resume: { seq: 1, done: 4, cursor: 4 } });
    const all = [...lost.processed, ...resumed.processed];
    expect(new Set(all).size).toBe(ROWS);
    // Items 5 to 8 were in flight when the worker was lost: the only ones processed twice.
    expect(all.filter((row, i) => all.indexOf(row) !== i).map((row) => row.split(",")[0])).toEqual(["CODE5", "CODE6", "CODE7", "CODE8"]);
  });

  test("an item that throws: exit 1, the reason says where Resume goes on, nothing after it", async () => {
    const r = await run({ inputs: { fail: "CODE6" } });
    expect(r.exit).toBe(1);
    expect(r.processed.map((row) => row.split(",")[0])).toEqual(["CODE1", "CODE2", "CODE3", "CODE4", "CODE5"]);
    expect(r.messages).toContainEqual({
      type: "fail",
      reason: "item 6 threw: code CODE6 is taken; the checkpoint after item 4 is kept: Resume retries from item 5",
    });
  });

  test.each([
    ["not JSON", "{", "the resumption file is not JSON"],
    ["a cursor over the limit", { seq: 1, done: 4, cursor: "x".repeat(20_000) }, "over the 16 KiB limit"],
    ["a negative count", { seq: 1, done: -1, cursor: 4 }, "`done` must be a whole number"],
    ["no cursor", { seq: 1, done: 4 }, "`cursor` is missing"],
    ["a workflow's resumption", { from: "a", state: {}, seq: 1, signals: {}, rollback: null }, "`done` must be a whole number"],
  ])("a bad resumption file (%s): exit 2, nothing processed", async (_, resume, problem) => {
    const r = await run({ resume });
    expect(r.exit).toBe(2);
    expect(r.processed).toEqual([]);
    expect(r.messages.find((m) => m.type === "fail")).toEqual({ type: "fail", reason: expect.stringContaining(problem) as string });
  });
});
