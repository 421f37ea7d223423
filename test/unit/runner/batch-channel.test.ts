import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { MAX_REPORT_LINE_BYTES, openReportChannel, parseReportLine, type ReportChannel } from "../../../src/runner/report-channel.js";
import { createSocketClient, createStdoutClient, type ChannelMessage } from "../../../src/sdk/channel-client.js";
import type { BatchReport } from "../../../src/sdk/protocol.js";

const batch = (seq: number, over: Partial<BatchReport> = {}): BatchReport => ({
  seq,
  cursor: { id: seq },
  items: 10,
  done: seq * 10,
  startedAt: new Date(0).toISOString(),
  durationMs: 3,
  last: false,
  ...over,
});

describe("parseReportLine: batch messages", () => {
  test("keeps exactly the protocol's fields", () => {
    expect(parseReportLine(JSON.stringify({ type: "batch", report: { ...batch(1), extra: "dropped" }, more: 1 }))).toEqual({ type: "batch", report: batch(1) });
    // null is a cursor; an empty last batch has no items.
    expect(parseReportLine(JSON.stringify({ type: "batch", report: batch(1, { cursor: null, items: 0, done: 0, last: true }) }))).not.toBeNull();
  });

  test("refuses anything malformed", () => {
    const { cursor: _cursor, ...noCursor } = batch(1);
    const bad: unknown[] = [
      null,
      "x",
      noCursor,
      { ...batch(1), seq: 0 },
      { ...batch(1), seq: 1.5 },
      { ...batch(1), seq: "1" },
      { ...batch(1), items: -1 },
      { ...batch(1), items: 2 ** 60 },
      { ...batch(1), done: -3 },
      { ...batch(1), startedAt: "yesterday" },
      { ...batch(1), durationMs: -1 },
      { ...batch(1), durationMs: "1" },
      { ...batch(1), last: "true" },
      { ...batch(1), last: undefined },
    ];
    for (const report of bad) expect(parseReportLine(JSON.stringify({ type: "batch", report })), JSON.stringify(report)).toBeNull();
  });
});

describe("the report channel and the SDK's client: batches and their acks", () => {
  let dir: string;
  let channel: ReportChannel | null;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "chorebot-batch-"));
    channel = null;
  });
  afterEach(async () => {
    await channel?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test("sendBatchReport resolves with the ack's pause, over a real socket, once onBatch resolved", async () => {
    const messages: ChannelMessage[] = [];
    const handled: number[] = [];
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    channel = await openReportChannel(dir, (message) => messages.push(message), {
      onBatch: async (report) => {
        handled.push(report.seq);
        if (report.seq === 1) await held;
        return { pause: report.seq === 2 };
      },
    });
    const client = createSocketClient(channel.path);
    let firstAcked = false;
    const first = client.sendBatchReport!(batch(1)).then((ack) => ((firstAcked = true), ack));
    await vi.waitFor(() => expect(handled).toEqual([1]), { timeout: 2000 });
    // Held by onBatch: not acked yet.
    await new Promise((resolve) => setImmediate(resolve));
    expect(firstAcked).toBe(false);
    release();
    expect(await first).toEqual({ pause: false });
    expect(await client.sendBatchReport!(batch(2))).toEqual({ pause: true });
    // Batches go to onBatch, never to onMessage.
    expect(messages).toEqual([]);
    expect(channel.stats()).toMatchObject({ acked: 2, malformed: 0 });
  });

  test("a refused batch (false) is never acked; the next line waits until it is settled", async () => {
    const order: string[] = [];
    channel = await openReportChannel(dir, (message) => order.push(message.type), {
      onBatch: async (report) => {
        order.push(`batch ${report.seq}`);
        return false;
      },
    });
    const client = createSocketClient(channel.path);
    let settled = false;
    // Refused once the channel closes (afterEach): nothing could record it.
    void client.sendBatchReport!(batch(1))
      .catch(() => {})
      .finally(() => (settled = true));
    client.send({ type: "log", message: "after" });
    await vi.waitFor(() => expect(order).toEqual(["batch 1", "log"]), { timeout: 2000 });
    expect(settled).toBe(false);
    expect(channel.stats().acked).toBe(0);
  });

  test("a batch line may be longer than other lines by a cursor's size, not more", async () => {
    const seen: number[] = [];
    channel = await openReportChannel(dir, () => {}, { onBatch: async (report) => (seen.push(report.seq), { pause: false }) });
    const client = createSocketClient(channel.path);
    // Padding a report with spaces (still JSON): just over the usual limit is taken, far over it is not.
    const padded = (seq: number, bytes: number) => `{"type":"batch","report":${JSON.stringify(batch(seq))}${" ".repeat(bytes)}}\n`;
    const { connect } = await import("node:net");
    const socket = connect(channel.path);
    await new Promise((resolve) => socket.once("connect", resolve));
    socket.write(padded(1, MAX_REPORT_LINE_BYTES + 1000));
    socket.write(padded(2, MAX_REPORT_LINE_BYTES + 20 * 1024));
    socket.end();
    await vi.waitFor(() => expect(channel!.stats().lines + channel!.stats().oversized).toBe(2), { timeout: 2000 });
    expect(seen).toEqual([1]);
    expect(channel.stats().oversized).toBe(1);
    client.send({ type: "log", message: "x" });
    await client.flush();
  });

  test("the worker closing the channel refuses the waiting batch, in words that fit an iteration", async () => {
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    const stdout = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    try {
      channel = await openReportChannel(dir, () => {}, { onBatch: () => new Promise(() => {}) });
      const client = createSocketClient(channel.path);
      const acked = client.sendBatchReport!(batch(1));
      await vi.waitFor(() => expect(channel!.stats().lines).toBe(1), { timeout: 2000 });
      void channel.close();
      await expect(acked).rejects.toThrow(/^the report channel to the worker failed: /);
      await expect(acked).rejects.not.toThrow(/workflow|step/);
      await expect(client.sendBatchReport!(batch(2))).rejects.toThrow(/^the report channel to the worker failed: /);
    } finally {
      stderr.mockRestore();
      stdout.mockRestore();
    }
  });

  test("no channel: printed, acked at once without a pause", async () => {
    const written: string[] = [];
    const client = createStdoutClient((line) => written.push(line));
    expect(await client.sendBatchReport!(batch(3))).toEqual({ pause: false });
    expect(written).toEqual(["[batch] 3: 10 items in 3 ms, 30 done\n"]);
  });
});
