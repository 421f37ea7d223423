import { createConnection, type Socket } from "node:net";
import type { BatchReport, ReportMessage, StepReport } from "./protocol.js";

/**
 * Set by the runner for the process it starts; the SDK takes it out of the environment at
 * once, so worker threads and child processes never see it (see Reporter: only that process's
 * byte counts are the pipes' own).
 */
export const ORDER_ENV = "CHOREBOT_ORDER";

/** How many bytes the script had written to its stdout and stderr when it called log(). */
export interface OutputMark {
  stdout: number;
  stderr: number;
}

/**
 * What goes on the channel: a report message, a log line possibly with its OutputMark. The
 * runner reads stdout, stderr and the channel independently; the mark lets it record the log
 * line exactly where the script wrote it among its output.
 */
export type ChannelMessage = ReportMessage | { type: "log"; message: string; written: OutputMark };

/** Where report messages go. */
export interface ChannelClient {
  send(message: ChannelMessage): void;
  /** Resolves once everything sent so far has been handed to the OS (or dropped on error). */
  flush(): Promise<void>;
  /** Sends a workflow step's report; resolves once the worker has recorded it (at once where nothing records it). */
  sendStep?(report: StepReport): Promise<void>;
  /** Sends an iteration's batch report; resolves once the worker has checkpointed it, with whether it asks the run to pause (never, where nothing records it). */
  sendBatchReport?(report: BatchReport): Promise<{ pause: boolean }>;
}

// An ack is `{"type":"ack","seq":12}`: a longer line from the worker is skipped unread.
const MAX_ACK_LINE_BYTES = 256;

/**
 * JSON lines over the UNIX socket at `path`: connects on the first message, queues until
 * connected. The socket never keeps the process alive by itself, but pending connects and
 * writes do, so a script that simply ends still delivers what it sent; so does a step
 * waiting for its ack (`{"type":"ack","seq":n}` back on the same connection; any other line
 * is ignored). If the channel fails or the worker closes it, says so once on stderr and prints
 * the rest to stdout instead; a step or batch waiting for its ack, or sent after, is refused:
 * nothing can record it, and a workflow or iteration must not go on past what its worker knows.
 */
export function createSocketClient(path: string): ChannelClient {
  let socket: Socket | null = null;
  let connected = false;
  let fallback: ChannelClient | null = null;
  const queue: string[] = [];
  let pendingWrites = 0;
  let waiters: Array<() => void> = [];
  // A script is a workflow or an iteration: its step and batch numbers never share this map.
  const acks = new Map<number, { kind: Acked; resolve: (ack: { pause: boolean }) => void; reject: (error: Error) => void }>();
  // Why the channel failed, once it has: what a step or batch waiting for its ack is refused with.
  let brokenBy: string | null = null;
  const incoming = ackReader((seq, pause) => {
    acks.get(seq)?.resolve({ pause });
    acks.delete(seq);
    if (acks.size === 0) socket?.unref();
  });

  const settle = (): void => {
    if (pendingWrites > 0 || (queue.length > 0 && fallback === null)) return;
    const done = waiters;
    waiters = [];
    for (const resolve of done) resolve();
  };
  const write = (line: string): void => {
    pendingWrites++;
    socket?.write(line, () => {
      if (fallback === null) pendingWrites--;
      settle();
    });
  };
  const broken = (error: Error): void => {
    if (fallback !== null) return;
    brokenBy = error.message;
    process.stderr.write(`chorebot: report channel ${path} failed (${error.message}); reporting to stdout instead\n`);
    fallback = createStdoutClient();
    for (const line of queue.splice(0)) fallback.send(JSON.parse(line) as ChannelMessage);
    pendingWrites = 0;
    socket?.destroy();
    settle();
    for (const { kind, reject } of acks.values()) reject(unrecorded(kind, error.message));
    acks.clear();
  };
  const connect = (): void => {
    socket = createConnection(path);
    socket.on("error", broken);
    socket.on("data", incoming);
    socket.once("close", () => broken(new Error("closed by the worker")));
    socket.once("connect", () => {
      connected = true;
      if (acks.size === 0) socket?.unref();
      for (const line of queue.splice(0)) write(line);
      settle();
    });
  };

  const sendAcked = (message: ChannelMessage & { type: Acked }, seq: number): Promise<{ pause: boolean }> => {
    if (brokenBy !== null) return Promise.reject(unrecorded(message.type, brokenBy));
    const acked = new Promise<{ pause: boolean }>((resolve, reject) => acks.set(seq, { kind: message.type, resolve, reject }));
    client.send(message);
    if (connected) socket?.ref();
    return acked;
  };
  const client: ChannelClient = {
    send(message) {
      if (fallback !== null) return fallback.send(message);
      const line = `${JSON.stringify(message)}\n`;
      if (connected) return write(line);
      queue.push(line);
      if (socket === null) connect();
    },
    flush() {
      if (fallback !== null) return Promise.resolve();
      return new Promise((resolve) => {
        waiters.push(resolve);
        settle();
      });
    },
    async sendStep(report) {
      await sendAcked({ type: "step", report }, report.seq);
    },
    sendBatchReport(report) {
      return sendAcked({ type: "batch", report }, report.seq);
    },
  };
  return client;
}

/** The messages the worker answers with an ack. */
type Acked = "step" | "batch";

/** Why a step or batch cannot be recorded once the channel failed (the SDK says what it stops: see the iteration engine). */
function unrecorded(kind: Acked, reason: string): Error {
  return new Error(
    kind === "step"
      ? `the report channel to the worker failed (${reason}), so this step's record cannot be saved; the workflow stops here`
      : `the report channel to the worker failed: ${reason}`,
  );
}

/** Splits what the worker sends into lines, bounded, and calls `onAck` with each ack's seq. */
function ackReader(onAck: (seq: number, pause: boolean) => void): (chunk: Buffer) => void {
  let line: Buffer[] = [];
  let bytes = 0;
  let skipping = false;
  return (chunk) => {
    let rest = chunk;
    while (rest.length > 0) {
      const newline = rest.indexOf(0x0a);
      const part = newline === -1 ? rest : rest.subarray(0, newline);
      rest = newline === -1 ? Buffer.alloc(0) : rest.subarray(newline + 1);
      if (!skipping) {
        bytes += part.length;
        if (bytes > MAX_ACK_LINE_BYTES) skipping = true;
        else line.push(part);
      }
      if (newline === -1) return;
      if (!skipping) {
        const ack = ackOf(Buffer.concat(line).toString("utf8"));
        if (ack !== null) onAck(ack.seq, ack.pause);
      }
      line = [];
      bytes = 0;
      skipping = false;
    }
  };
}

/** `{"type":"ack","seq":n}`, with `"pause":true` for a batch whose run is asked to pause. */
function ackOf(text: string): { seq: number; pause: boolean } | null {
  try {
    const message = JSON.parse(text) as { type?: unknown; seq?: unknown; pause?: unknown } | null;
    return message?.type === "ack" && Number.isSafeInteger(message.seq) ? { seq: message.seq as number, pause: message.pause === true } : null;
  } catch {
    return null;
  }
}

/** Outside a chorebot run: readable lines on stdout (`[log] msg`, `[counter] name=n`, `[progress] 42%`). */
export function createStdoutClient(write: (line: string) => void = (line) => process.stdout.write(line)): ChannelClient {
  const totals = new Map<string, number>();
  return {
    send(message) {
      write(`${formatMessage(message, totals)}\n`);
    },
    flush: () => Promise.resolve(),
    sendStep(report) {
      this.send({ type: "step", report });
      return Promise.resolve();
    },
    sendBatchReport(report) {
      this.send({ type: "batch", report });
      return Promise.resolve({ pause: false });
    },
  };
}

/** One human-readable line; counters are shown as running totals kept in `totals`. */
export function formatMessage(message: ChannelMessage, totals = new Map<string, number>()): string {
  switch (message.type) {
    case "log":
      return `[log] ${message.message}`;
    case "counter": {
      const value = message.op === "set" ? message.value : (totals.get(message.name) ?? 0) + message.value;
      totals.set(message.name, value);
      return `[counter] ${message.name}=${value}`;
    }
    case "progress": {
      if (message.total === null) return `[progress] ${message.done}`;
      const percent = message.total === 0 ? 100 : Math.floor((message.done / message.total) * 100);
      return message.total === 1 ? `[progress] ${percent}%` : `[progress] ${message.done}/${message.total} (${percent}%)`;
    }
    case "fail":
      return `[fail] ${message.reason}`;
    case "result":
      return `[result] ${JSON.stringify(message.value)}`;
    case "inputs":
      return `[inputs] ${JSON.stringify(message.values)}`;
    case "step": {
      const { step, direction, outcome, durationMs, error } = message.report;
      return `[step] ${step}${direction === "rollback" ? " (rollback)" : ""}: ${outcome} in ${durationMs} ms${error === null ? "" : `: ${error}`}`;
    }
    case "batch": {
      const { seq, items, done, durationMs } = message.report;
      return `[batch] ${seq}: ${items} items in ${durationMs} ms, ${done} done`;
    }
  }
}

/** The socket client when CHOREBOT_CHANNEL names one, else the stdout fallback. */
export function createChannelClient(path: string | undefined): ChannelClient {
  return path === undefined || path === "" ? createStdoutClient() : createSocketClient(path);
}
