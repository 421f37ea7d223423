import { describe, expect, test } from "vitest";
import { checkpointPrinter } from "../../../src/bin/run-command.js";
import type { BatchReport } from "../../../src/sdk/protocol.js";

const batch = (seq: number, over: Partial<BatchReport> = {}): BatchReport => ({
  seq,
  cursor: String(seq * 100),
  items: 100,
  done: seq * 100,
  startedAt: new Date(0).toISOString(),
  durationMs: 1234,
  last: false,
  ...over,
});

describe("chorebot run: an iteration's checkpoints", () => {
  test("one line a second at most, always the last, readable and free of control characters", () => {
    const lines: string[] = [];
    let clock = 0;
    const print = checkpointPrinter(
      (line) => lines.push(line),
      () => clock,
    );
    print(batch(1));
    clock = 400;
    print(batch(2));
    clock = 1000;
    print(batch(3, { cursor: '{"id":"a\u001b[2Jb"}', durationMs: 12 }));
    clock = 1001;
    print(batch(4, { items: 1, done: 301, last: true }));
    expect(lines).toEqual([
      "[checkpoint] batch 1: items 1–100 (100 done) in 1.2 s, cursor 100",
      '[checkpoint] batch 3: items 201–300 (300 done) in 12 ms, cursor {"id":"a�[2Jb"}',
      "[checkpoint] batch 4: item 301 (301 done) in 1.2 s, cursor 400 (last)",
    ]);
  });

  test("an empty collection says so", () => {
    const lines: string[] = [];
    checkpointPrinter((line) => lines.push(line))(batch(1, { items: 0, done: 0, cursor: "null", last: true, durationMs: 0 }));
    expect(lines).toEqual(["[checkpoint] batch 1: no items left (0 done) in 0 ms, cursor null (last)"]);
  });
});
