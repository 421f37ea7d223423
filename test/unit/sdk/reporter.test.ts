import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { createStdoutClient, type ChannelClient, type ChannelMessage } from "../../../src/sdk/channel-client.js";
import { Reporter } from "../../../src/sdk/reporter.js";
import { boundedResult } from "../../../src/sdk/runtime.js";

function recorder(): ChannelClient & { messages: ChannelMessage[] } {
  const messages: ChannelMessage[] = [];
  return { messages, send: (m) => void messages.push(m), flush: () => Promise.resolve() };
}

describe("Reporter", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  test("log formats like console.log", () => {
    const client = recorder();
    new Reporter(client).log("sent", 3, { a: 1 });
    expect(client.messages).toEqual([{ type: "log", message: "sent 3 { a: 1 }" }]);
  });

  test("a log line carries where stdout and stderr were when it was logged, when it can tell", () => {
    const client = recorder();
    let written: { stdout: number; stderr: number } | null = { stdout: 10, stderr: 2 };
    const reporter = new Reporter(client, { written: () => written });
    reporter.log("one");
    written = { stdout: 25, stderr: 2 };
    reporter.log("two");
    written = null;
    reporter.log("three");
    expect(client.messages).toEqual([
      { type: "log", message: "one", written: { stdout: 10, stderr: 2 } },
      { type: "log", message: "two", written: { stdout: 25, stderr: 2 } },
      { type: "log", message: "three" },
    ]);
  });

  test("a million log lines: the first 1000, one notice, and a count on flush", async () => {
    const client = recorder();
    const reporter = new Reporter(client);
    for (let i = 0; i < 1_000_000; i++) reporter.log(`line ${i}`);
    expect(client.messages).toHaveLength(1001);
    expect(client.messages[999]).toEqual({ type: "log", message: "line 999" });
    expect(client.messages[1000]).toEqual({ type: "log", message: "[chorebot] log limit of 1000 lines reached: further lines are dropped" });
    await reporter.flush();
    expect(client.messages[1001]).toEqual({ type: "log", message: "[chorebot] 999000 log lines dropped (limit 1000)" });
    await reporter.flush();
    expect(client.messages).toHaveLength(1002);
  });

  test("long lines are cut", () => {
    const client = recorder();
    new Reporter(client, { maxLineLength: 5 }).log("abcdefgh");
    expect(client.messages).toEqual([{ type: "log", message: "abcde… [3 more characters]" }]);
  });

  test("counters and progress: first at once, then at most one batch per interval with the latest values", async () => {
    const client = recorder();
    const reporter = new Reporter(client, { intervalMs: 100 });
    reporter.counter.inc("sent");
    expect(client.messages).toEqual([{ type: "counter", name: "sent", op: "inc", value: 1 }]);
    for (let i = 0; i < 100_000; i++) {
      reporter.counter.inc("sent");
      reporter.progress({ done: i + 1, total: 100_000 });
    }
    reporter.counter.set("errors", 2);
    reporter.counter.inc("errors", 3);
    expect(client.messages).toHaveLength(1);
    vi.advanceTimersByTime(100);
    expect(client.messages.slice(1)).toEqual([
      { type: "counter", name: "sent", op: "inc", value: 100_000 },
      { type: "counter", name: "errors", op: "set", value: 5 },
      { type: "progress", done: 100_000, total: 100_000 },
    ]);
    reporter.progress(0.5);
    expect(client.messages).toHaveLength(4);
    await reporter.flush();
    expect(client.messages[4]).toEqual({ type: "progress", done: 0.5, total: 1 });
    expect(vi.getTimerCount()).toBe(0);
  });

  test("send() delivers pending counters first", () => {
    const client = recorder();
    const reporter = new Reporter(client);
    reporter.counter.set("a", 1);
    reporter.counter.set("a", 2);
    reporter.send({ type: "result", value: 1 });
    expect(client.messages).toEqual([
      { type: "counter", name: "a", op: "set", value: 1 },
      { type: "counter", name: "a", op: "set", value: 2 },
      { type: "result", value: 1 },
    ]);
  });

  test("rejects non-finite numbers", () => {
    const reporter = new Reporter(recorder());
    expect(() => reporter.counter.set("a", Number.NaN)).toThrow(/finite/);
    expect(() => reporter.progress(Infinity)).toThrow(/finite/);
  });
});

describe("stdout fallback", () => {
  test("readable lines, counters as running totals", () => {
    const lines: string[] = [];
    const client = createStdoutClient((line) => void lines.push(line));
    const messages: ChannelMessage[] = [
      { type: "log", message: "hello" },
      { type: "counter", name: "sent", op: "inc", value: 2 },
      { type: "counter", name: "sent", op: "inc", value: 3 },
      { type: "counter", name: "sent", op: "set", value: 1 },
      { type: "progress", done: 0.42, total: 1 },
      { type: "progress", done: 42, total: 100 },
      { type: "progress", done: 7, total: null },
      { type: "fail", reason: "nope" },
      { type: "result", value: { sent: 1 } },
    ];
    for (const m of messages) client.send(m);
    expect(lines.join("")).toBe(
      [
        "[log] hello",
        "[counter] sent=2",
        "[counter] sent=5",
        "[counter] sent=1",
        "[progress] 42%",
        "[progress] 42/100 (42%)",
        "[progress] 7",
        "[fail] nope",
        '[result] {"sent":1}',
        "",
      ].join("\n"),
    );
  });
});

describe("boundedResult", () => {
  test("JSON values, undefined as null, large ones replaced, unserialisable marked", () => {
    expect(boundedResult({ a: 1, d: new Date(0), f: () => 1 })).toEqual({ a: 1, d: "1970-01-01T00:00:00.000Z" });
    expect(boundedResult(undefined)).toBeNull();
    expect(boundedResult("x".repeat(100), 50)).toEqual({ truncated: true, bytes: 102 });
    expect(boundedResult({ n: 1n })).toMatchObject({ unserializable: true });
  });
});

describe("Reporter ordering", () => {
  test("a log line sends pending counters first; dropped lines do not", () => {
    const client = recorder();
    const reporter = new Reporter(client, { maxLogLines: 1 });
    reporter.counter.inc("n");
    reporter.counter.inc("n");
    reporter.log("a");
    reporter.counter.inc("n");
    reporter.log("b");
    expect(client.messages).toEqual([
      { type: "counter", name: "n", op: "inc", value: 1 },
      { type: "counter", name: "n", op: "inc", value: 1 },
      { type: "log", message: "a" },
      { type: "log", message: "[chorebot] log limit of 1 lines reached: further lines are dropped" },
    ]);
  });
});
