import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { createSocketClient, createStdoutClient } from "../../../src/sdk/channel-client.js";
import type { StepReport } from "../../../src/sdk/protocol.js";

const report = (seq: number): StepReport => ({
  seq,
  step: `s${seq}`,
  direction: "run",
  outcome: "succeeded",
  startedAt: new Date(0).toISOString(),
  durationMs: 1,
  error: null,
  state: { seq },
});

let dir: string;
let server: Server;
let path: string;
let peers: Socket[];
let lines: string[];
let lineArrived: () => void;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "chorebot-ack-"));
  path = join(dir, "r.sock");
  peers = [];
  lines = [];
  lineArrived = () => {};
  server = createServer((socket) => {
    peers.push(socket);
    let buffered = "";
    socket.on("data", (chunk) => {
      buffered += chunk.toString("utf8");
      let newline: number;
      while ((newline = buffered.indexOf("\n")) !== -1) {
        lines.push(buffered.slice(0, newline));
        buffered = buffered.slice(newline + 1);
        lineArrived();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
});
afterEach(async () => {
  for (const peer of peers) peer.destroy();
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

const nextLine = (): Promise<void> => new Promise((resolve) => (lineArrived = resolve));
const settled = async (promise: Promise<unknown>): Promise<boolean> => {
  let done = false;
  void promise.then(() => (done = true));
  await new Promise((resolve) => setTimeout(resolve, 50));
  return done;
};

describe("sendStep on the report channel", () => {
  test("resolves only once the ack with its seq comes back; other lines and other seqs are ignored", async () => {
    const client = createSocketClient(path);
    const arrived = nextLine();
    const acked = client.sendStep!(report(1));
    await arrived;
    expect(JSON.parse(lines[0]!)).toEqual({ type: "step", report: report(1) });
    const peer = peers[0]!;
    peer.write('{"type":"ack","seq":2}\n{"type":"log","message":"hi"}\nnot json\n{"type":"ack","seq":"1"}\n');
    peer.write(`${"x".repeat(10_000)}{"type":"ack","seq":1}\n`);
    expect(await settled(acked)).toBe(false);
    // An ack split across writes still counts.
    peer.write('{"type":"ack",');
    peer.write('"seq":1}\n');
    await acked;
  });

  test("acks answer steps in any order, each its own", async () => {
    const client = createSocketClient(path);
    const arrived = nextLine();
    const first = client.sendStep!(report(1));
    await arrived;
    const second = client.sendStep!(report(2));
    peers[0]!.write('{"type":"ack","seq":2}\n');
    await second;
    expect(await settled(first)).toBe(false);
    peers[0]!.write('{"type":"ack","seq":1}\n');
    await first;
  });

  test("the worker closing the connection refuses the waiting step and every later one: nothing could record them", async () => {
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    const stdout = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    try {
      const client = createSocketClient(path);
      const arrived = nextLine();
      const acked = client.sendStep!(report(1));
      await arrived;
      peers[0]!.destroy();
      await expect(acked).rejects.toThrow(/the report channel to the worker failed .*the workflow stops here/);
      expect(stderr.mock.calls.map(([text]) => String(text)).filter((text) => text.startsWith(`chorebot: report channel ${path} failed`))).toHaveLength(1);
      await expect(client.sendStep!(report(2))).rejects.toThrow(/cannot be saved/);
    } finally {
      stderr.mockRestore();
      stdout.mockRestore();
    }
  });

  test("no channel: stdout, at once", async () => {
    const written: string[] = [];
    const client = createStdoutClient((line) => written.push(line));
    await client.sendStep!(report(1));
    expect(written).toEqual(["[step] s1: succeeded in 1 ms\n"]);
  });
});
