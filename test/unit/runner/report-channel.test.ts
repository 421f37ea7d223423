import { mkdtemp, rm } from "node:fs/promises";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { MAX_REPORT_LINE_BYTES, openReportChannel, parseReportLine } from "../../../src/runner/report-channel.js";
import type { ReportMessage, StepReport } from "../../../src/sdk/protocol.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "chorebot-channel-test-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function client(path: string): Promise<Socket> {
  const socket = connect(path);
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  return socket;
}

/** Writes everything, then ends the connection. */
function send(socket: Socket, data: string | Buffer): Promise<void> {
  return new Promise((resolve) => socket.end(data, () => resolve()));
}

const log = (message: string): string => `${JSON.stringify({ type: "log", message })}\n`;

describe("openReportChannel", () => {
  test("takes lines from many connections, split anywhere, and counts what is not a message", async () => {
    const received: ReportMessage[] = [];
    const channel = await openReportChannel(dir, (m) => received.push(m));
    expect(channel.path.startsWith(dir)).toBe(true);
    const sockets = await Promise.all(Array.from({ length: 20 }, () => client(channel.path)));
    await Promise.all(
      sockets.map(async (socket, i) => {
        const text = log(`a${i}`) + log(`b${i}`);
        // Split mid-line and mid-character.
        const bytes = Buffer.from(text.replace(`b${i}`, `b${i}é`));
        socket.write(bytes.subarray(0, 7));
        await new Promise((r) => setTimeout(r, 5));
        await send(socket, bytes.subarray(7));
      }),
    );
    const other = await client(channel.path);
    await send(
      other,
      [
        "not json",
        "",
        "   ",
        '{"type":"nope"}',
        '{"type":"counter","name":"x","op":"add","value":1}',
        '{"type":"counter","name":"x","op":"inc","value":2}',
        "[1,2]",
        // The last line may lack its newline.
        '{"type":"progress","done":1,"total":null}',
      ].join("\r\n"),
    );
    const stats = await channel.close();
    expect(received).toHaveLength(42);
    for (let i = 0; i < 20; i++) {
      expect(received).toContainEqual({ type: "log", message: `a${i}` });
      expect(received).toContainEqual({ type: "log", message: `b${i}é` });
    }
    expect(received.slice(-2)).toEqual([
      { type: "counter", name: "x", op: "inc", value: 2 },
      { type: "progress", done: 1, total: null },
    ]);
    expect(stats).toEqual({ lines: 46, messages: 42, malformed: 4, oversized: 0, refusedConnections: 0, acked: 0 });
  });

  test("skips lines over 64 KiB without losing the lines around them", async () => {
    const received: ReportMessage[] = [];
    const channel = await openReportChannel(dir, (m) => received.push(m));
    const socket = await client(channel.path);
    const huge = log("x".repeat(MAX_REPORT_LINE_BYTES));
    const justFits = log("y".repeat(MAX_REPORT_LINE_BYTES - 40));
    // A huge line in pieces, one in one piece, and one unterminated at the end.
    socket.write(log("before"));
    for (let i = 0; i < huge.length; i += 1000) socket.write(huge.slice(i, i + 1000));
    socket.write(huge + justFits + log("after"));
    await send(socket, "z".repeat(MAX_REPORT_LINE_BYTES + 1));
    const stats = await channel.close();
    expect(received.map((m) => (m.type === "log" ? m.message.slice(0, 6) : m.type))).toEqual(["before", "yyyyyy", "after"]);
    expect(stats).toMatchObject({ messages: 3, oversized: 3 });
  });

  test("throttles a flood: the worker parses at a bounded rate, and nothing is lost", async () => {
    const times: number[] = [];
    const channel = await openReportChannel(dir, () => times.push(performance.now()));
    const total = 15_000;
    const start = performance.now();
    const sockets = await Promise.all(Array.from({ length: 3 }, () => client(channel.path)));
    const line = log("flood");
    await Promise.all(sockets.map((socket) => send(socket, line.repeat(total / 3))));
    const stats = await channel.close();
    expect(stats.messages).toBe(total);
    expect(times).toHaveLength(total);
    // 1000 messages per 100 ms window: 15,000 take at least 1.4 s.
    expect((times.at(-1) ?? 0) - start).toBeGreaterThanOrEqual(1300);
    const firstHalfSecond = times.filter((t) => t - start < 500).length;
    expect(firstHalfSecond).toBeLessThanOrEqual(6000);
  });

  test("refuses connections beyond the limit, gives up on a connection held open, and survives a throwing receiver", async () => {
    let calls = 0;
    const channel = await openReportChannel(dir, () => {
      calls += 1;
      throw new Error("receiver bug");
    });
    const held = await client(channel.path);
    held.write(log("held"));
    const sockets: Socket[] = [];
    for (let i = 0; i < 70; i++) {
      const socket = connect(channel.path);
      socket.on("error", () => {});
      sockets.push(socket);
    }
    await new Promise((r) => setTimeout(r, 200));
    const started = performance.now();
    const stats = await channel.close();
    expect(performance.now() - started).toBeLessThan(3000);
    expect(calls).toBe(1);
    expect(stats.refusedConnections).toBe(7);
    for (const socket of [...sockets, held]) socket.destroy();
  });

  test("close is idempotent and removes the socket", async () => {
    const channel = await openReportChannel(dir, () => {});
    const first = channel.close();
    expect(channel.close()).toBe(first);
    await first;
    await expect(client(channel.path)).rejects.toThrow();
  });
});

const stepReport = (seq: number, over: Partial<StepReport> = {}): StepReport => ({
  seq,
  step: `s${seq}`,
  direction: "run",
  outcome: "succeeded",
  startedAt: "2026-12-01T10:00:00.000Z",
  durationMs: 3,
  error: null,
  state: { n: seq },
  ...over,
});
const step = (seq: number, over: Partial<StepReport> = {}): string => `${JSON.stringify({ type: "step", report: stepReport(seq, over) })}\n`;

/** Everything `socket` receives, line by line, as it comes. */
function answers(socket: Socket): { lines: string[]; next(): Promise<string> } {
  const lines: string[] = [];
  const waiters: ((line: string) => void)[] = [];
  let buffered = "";
  socket.on("data", (chunk: Buffer) => {
    buffered += chunk.toString();
    let newline: number;
    while ((newline = buffered.indexOf("\n")) !== -1) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      lines.push(line);
      waiters.shift()?.(line);
    }
  });
  let read = 0;
  return {
    lines,
    next: () => (read < lines.length ? Promise.resolve(lines[read++]!) : new Promise((resolve) => waiters.push((line) => (read++, resolve(line))))),
  };
}

describe("openReportChannel: step messages", () => {
  test("acks a step on its connection only once it is persisted, one step at a time, in order", async () => {
    const events: string[] = [];
    let persisting = 0;
    const channel = await openReportChannel(dir, (m) => events.push(m.type), {
      onStep: async (report) => {
        persisting += 1;
        expect(persisting).toBe(1);
        events.push(`persisting ${report.seq}`);
        await new Promise((r) => setTimeout(r, 30));
        events.push(`persisted ${report.seq}`);
        persisting -= 1;
        return true;
      },
    });
    const socket = await client(channel.path);
    const acks = answers(socket);
    // Sent without waiting: the second waits for the first's ack, and so does the log line after it.
    socket.write(step(1) + step(2) + log("after"));
    expect(await acks.next()).toBe('{"type":"ack","seq":1}');
    expect(events).toContain("persisted 1");
    expect(await acks.next()).toBe('{"type":"ack","seq":2}');
    expect(events).toContain("persisted 2");
    await send(socket, "");
    const stats = await channel.close();
    expect(events).toEqual(["persisting 1", "persisted 1", "persisting 2", "persisted 2", "log"]);
    expect(stats).toMatchObject({ messages: 3, acked: 2 });
  });

  test("never acks a step that was not persisted (refused, or its save failed), and reads on after it", async () => {
    const channel = await openReportChannel(dir, () => {}, {
      onStep: async (report) => {
        if (report.seq === 2) throw new Error("redis down");
        return report.seq !== 3;
      },
    });
    const socket = await client(channel.path);
    const acks = answers(socket);
    socket.write(step(1) + step(2) + step(3) + step(4));
    expect(await acks.next()).toBe('{"type":"ack","seq":1}');
    expect(await acks.next()).toBe('{"type":"ack","seq":4}');
    await send(socket, "");
    expect((await channel.close()).acked).toBe(2);
    expect(acks.lines).toHaveLength(2);
  });

  test("takes a step line up to its own limit, from one connection at a time; other lines keep 64 KiB", async () => {
    const sizes: number[] = [];
    const logs: ReportMessage[] = [];
    const limit = 3 * MAX_REPORT_LINE_BYTES;
    const channel = await openReportChannel(dir, (m) => logs.push(m), {
      onStep: async (report) => (sizes.push(JSON.stringify(report.state).length), true),
      maxStepLineBytes: limit,
    });
    const socket = await client(channel.path);
    const acks = answers(socket);
    const big = "x".repeat(2 * MAX_REPORT_LINE_BYTES);
    const tooBig = "y".repeat(limit);
    socket.write(step(1, { state: { big } }) + log("z".repeat(MAX_REPORT_LINE_BYTES)) + step(2, { state: { tooBig } }) + step(3));
    expect(await acks.next()).toBe('{"type":"ack","seq":1}');
    expect(await acks.next()).toBe('{"type":"ack","seq":3}');
    await send(socket, "");
    const stats = await channel.close();
    expect(sizes).toEqual([big.length + 10, JSON.stringify({ n: 3 }).length]);
    expect(logs).toEqual([]);
    expect(stats).toMatchObject({ oversized: 2, acked: 2 });
  });

  test("a second connection's long line is skipped while another holds the long-line slot", async () => {
    let release: () => void = () => {};
    const persisted: number[] = [];
    const channel = await openReportChannel(dir, () => {}, {
      onStep: async (report) => {
        if (report.seq === 1) await new Promise<void>((resolve) => (release = resolve));
        persisted.push(report.seq);
        return true;
      },
      maxStepLineBytes: 4 * MAX_REPORT_LINE_BYTES,
    });
    const [a, b] = [await client(channel.path), await client(channel.path)];
    const big = { big: "x".repeat(2 * MAX_REPORT_LINE_BYTES) };
    const acksA = answers(a);
    a.write(step(1, { state: big }));
    // Wait until the first is being persisted: it holds the slot until it is acked.
    await expect.poll(() => channel.stats().messages).toBe(1);
    await send(b, step(2, { state: big }));
    await expect.poll(() => channel.stats().oversized).toBe(1);
    release();
    expect(await acksA.next()).toBe('{"type":"ack","seq":1}');
    await send(a, "");
    await channel.close();
    expect(persisted).toEqual([1]);
  });

  test("without onStep, a step is an ordinary message for onMessage, never acked, and long ones are oversized", async () => {
    const received: ReportMessage[] = [];
    const channel = await openReportChannel(dir, (m) => received.push(m));
    const socket = await client(channel.path);
    const acks = answers(socket);
    await send(socket, step(1) + step(2, { state: "x".repeat(MAX_REPORT_LINE_BYTES) }));
    const stats = await channel.close();
    expect(received).toEqual([{ type: "step", report: stepReport(1) }]);
    expect(stats).toMatchObject({ oversized: 1, acked: 0 });
    expect(acks.lines).toEqual([]);
  });
});

describe("parseReportLine", () => {
  test("accepts a step report with exactly the protocol's fields", () => {
    const line = JSON.stringify({ type: "step", report: { ...stepReport(1), extra: 1 }, more: 2 });
    expect(parseReportLine(line)).toEqual({ type: "step", report: stepReport(1) });
    const { state: _, ...noState } = stepReport(2, { error: "card declined", outcome: "failed", direction: "rollback" });
    expect(parseReportLine(JSON.stringify({ type: "step", report: noState }))).toEqual({ type: "step", report: { ...noState, state: null } });
  });

  test("keeps the state a workflow started from on its first report only", () => {
    const first = { ...stepReport(1), before: { held: 0 } };
    expect(parseReportLine(JSON.stringify({ type: "step", report: first }))).toEqual({ type: "step", report: first });
    expect(parseReportLine(JSON.stringify({ type: "step", report: { ...stepReport(2), before: { held: 0 } } }))).toEqual({
      type: "step",
      report: stepReport(2),
    });
  });

  test("refuses a step report with a field missing or of the wrong kind", () => {
    for (const over of [
      { seq: 0 },
      { seq: 1.5 },
      { seq: "1" },
      { seq: -3 },
      { step: "" },
      { step: "s".repeat(201) },
      { step: 3 },
      { direction: "sideways" },
      { outcome: "exploded" },
      { startedAt: 12 },
      { durationMs: -1 },
      { durationMs: "3" },
      { error: 3 },
      { error: undefined },
    ]) {
      expect(parseReportLine(JSON.stringify({ type: "step", report: { ...stepReport(1), ...over } })), JSON.stringify(over)).toBeNull();
    }
    expect(
      parseReportLine('{"type":"step","report":{"seq":1,"step":"a","direction":"run","outcome":"succeeded","startedAt":"x","durationMs":1e999,"error":null}}'),
    ).toBeNull();
    expect(parseReportLine('{"type":"step","report":[1]}')).toBeNull();
    expect(parseReportLine('{"type":"step"}')).toBeNull();
  });

  test("accepts the protocol's messages and keeps only its fields", () => {
    expect(parseReportLine('{"type":"log","message":"hi","extra":1}')).toEqual({ type: "log", message: "hi" });
    expect(parseReportLine('{"type":"result"}')).toEqual({ type: "result", value: undefined });
    expect(parseReportLine('{"type":"result","value":{"a":[1]}}')).toEqual({ type: "result", value: { a: [1] } });
    expect(parseReportLine('{"type":"fail","reason":"no"}')).toEqual({ type: "fail", reason: "no" });
    expect(parseReportLine('{"type":"inputs","values":{"n":1}}')).toEqual({ type: "inputs", values: { n: 1 } });
  });

  test("keeps a log line's output mark when it is one, and the line without it when it is not", () => {
    expect(parseReportLine('{"type":"log","message":"hi","written":{"stdout":12,"stderr":0,"x":1}}')).toEqual({
      type: "log",
      message: "hi",
      written: { stdout: 12, stderr: 0 },
    });
    for (const written of ['{"stdout":-1,"stderr":0}', '{"stdout":1.5,"stderr":0}', '{"stdout":1}', '"12"', "[1,2]", '{"stdout":1e300,"stderr":0}']) {
      expect(parseReportLine(`{"type":"log","message":"hi","written":${written}}`)).toEqual({ type: "log", message: "hi" });
    }
  });

  test("refuses anything else", () => {
    for (const line of [
      "",
      "null",
      '"log"',
      '{"type":"log"}',
      '{"type":"log","message":3}',
      '{"type":"counter","name":"x","op":"inc","value":"1"}',
      '{"type":"counter","name":"x","op":"inc","value":1e999}',
      '{"type":"progress","done":1}',
      '{"type":"inputs","values":[1]}',
      '{"type":"describe","description":{"inputs":{},"concurrency":"self","timeoutMs":null,"description":null}}',
    ]) {
      expect(parseReportLine(line), line).toBeNull();
    }
  });
});
