import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Socket } from "node:net";
import { join } from "node:path";
import type { ChannelMessage, OutputMark } from "../sdk/channel-client.js";
import {
  MAX_CURSOR_BYTES,
  STEP_DIRECTIONS,
  STEP_OUTCOMES,
  type BatchAck,
  type BatchReport,
  type StepAck,
  type StepReport,
  type StepWait,
} from "../sdk/protocol.js";

/** Longer lines are skipped without being decoded (and counted as oversized), but for step and batch messages (see ReportChannelOptions). */
export const MAX_REPORT_LINE_BYTES = 64 * 1024;
// A step's name as the check accepts it is far shorter; a longer one is not a step of the script.
const MAX_STEP_NAME_CHARS = 200;
// The script, its worker threads and child processes each need one; more are refused.
const MAX_CONNECTIONS = 64;
// The worker parses at most this much per window, across all connections; beyond it the
// sockets are paused until the next window, so a flood only slows the flooding script down
// (its writes back up), and nothing it sent is lost. The SDK coalesces counters and progress,
// so an honest script stays far below: 10,000 messages and 20 MiB per second.
const WINDOW_MS = 100;
const MESSAGES_PER_WINDOW = 1000;
const BYTES_PER_WINDOW = 2 * 1024 * 1024;
// After the script is gone, what it sent is still read; something that escaped its process
// group and holds a connection open is not waited for longer than this.
const DRAIN_TIMEOUT_MS = 2000;
// sockaddr_un.sun_path is 108 bytes on Linux, 104 on macOS, the terminating NUL included.
const MAX_SOCKET_PATH_BYTES = 100;
const NEWLINE = 0x0a;

export interface ReportChannelStats {
  /** Lines received, valid or not (blank lines aside). */
  lines: number;
  /** Valid messages handed to `onMessage`. */
  messages: number;
  /** Lines that were not a valid message: bad JSON, an unknown type, wrong field types. */
  malformed: number;
  /** Lines over {@link MAX_REPORT_LINE_BYTES}, skipped unread. */
  oversized: number;
  /** Connections refused because {@link MAX_CONNECTIONS} were open. */
  refusedConnections: number;
  /** Step and batch messages answered with an ack (persisted). */
  acked: number;
}

export interface ReportChannelOptions {
  /**
   * Takes the step messages (instead of `onMessage`), one at a time across all connections:
   * the connection that sent one reads nothing more until its promise settles, so a flood of
   * them waits in the script's own socket buffers. Resolving true writes `{"type":"ack","seq":n}`
   * on that connection; false or a rejection writes nothing (the script keeps waiting).
   */
  onStep?: (report: StepReport) => Promise<boolean>;
  /**
   * How long a step line may be (its state included), default MAX_REPORT_LINE_BYTES. Other lines
   * keep that limit, and only one connection at a time may hold a line longer than it, so memory
   * stays bounded by this once plus MAX_REPORT_LINE_BYTES per connection.
   */
  maxStepLineBytes?: number;
  /**
   * Takes an iteration's batch messages (instead of `onMessage`), exactly as `onStep` takes
   * steps (one at a time, in the same queue; the sending connection reads nothing more until it
   * settles). Resolving to an answer writes `{"type":"ack","seq":n,"pause":…}` on that
   * connection; false or a rejection writes nothing. A batch line may be MAX_CURSOR_BYTES longer
   * than MAX_REPORT_LINE_BYTES (its cursor), under the same one-long-line-at-a-time rule.
   */
  onBatch?: (report: BatchReport) => Promise<{ pause: boolean } | false>;
}

export interface ReportChannel {
  /** The UNIX socket to connect to (CHOREBOT_CHANNEL). */
  path: string;
  stats(): ReportChannelStats;
  /**
   * Reads what the open connections still send until they end (at most a couple of seconds),
   * then drops them and stops listening. Call it once the script's process group is gone.
   * Idempotent. `onMessage` is not called afterwards.
   */
  close(): Promise<ReportChannelStats>;
}

interface Connection {
  socket: Socket;
  /** Received, not yet split into lines (kept while the channel is throttled). */
  backlog: Buffer | null;
  /** The start of the line being received. */
  parts: Buffer[];
  partBytes: number;
  /** Skipping the rest of an oversized line. */
  skipping: boolean;
  ended: boolean;
  /** A step or batch message of it is being persisted: nothing more is read from it until it is acked (or not). */
  waiting: boolean;
}

/**
 * The worker's end of the report channel: a UNIX socket server in `dir` (the run's private
 * temp dir, mode 0700) that takes one JSON message per line from any number of connections
 * (the script, its worker threads, its child processes), validates each line and hands the
 * valid ones to `onMessage`, step messages to `options.onStep` and batch messages to
 * `options.onBatch`, which decide whether they are acked. Malformed and oversized lines are counted and ignored; a flood is throttled (see the
 * limits above). Nothing a script sends can make this throw; neither can `onMessage` or
 * `onStep`, whose errors are swallowed.
 */
export async function openReportChannel(dir: string, onMessage: (message: ChannelMessage) => void, options: ReportChannelOptions = {}): Promise<ReportChannel> {
  let path = join(dir, "report.sock");
  // A long TMPDIR: fall back to a private dir of our own under /tmp, removed on close.
  let ownDir: string | null = null;
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH_BYTES) {
    ownDir = await mkdtemp("/tmp/chorebot-");
    path = join(ownDir, "r.sock");
  }

  const stats: ReportChannelStats = { lines: 0, messages: 0, malformed: 0, oversized: 0, refusedConnections: 0, acked: 0 };
  const connections = new Set<Connection>();
  const { onStep, onBatch } = options;
  const stepLineBytes = onStep === undefined ? MAX_REPORT_LINE_BYTES : Math.max(MAX_REPORT_LINE_BYTES, options.maxStepLineBytes ?? 0);
  // A batch line is a small report around a cursor of at most MAX_CURSOR_BYTES (as JSON).
  const batchLineBytes = onBatch === undefined ? MAX_REPORT_LINE_BYTES : MAX_REPORT_LINE_BYTES + MAX_CURSOR_BYTES;
  const longLineBytes = Math.max(stepLineBytes, batchLineBytes);
  // The one connection allowed a line longer than MAX_REPORT_LINE_BYTES, until that line is handled.
  let longLine: Connection | null = null;
  // Step and batch messages are handled one after another, whichever connection sent them.
  let steps: Promise<void> = Promise.resolve();
  let closed = false;
  let window = { start: performance.now(), messages: 0, bytes: 0 };
  let throttleTimer: NodeJS.Timeout | null = null;
  // Resolves close()'s wait once the last connection is gone.
  let drained: (() => void) | null = null;
  let closing: Promise<ReportChannelStats> | null = null;

  const take = (bytes: number): boolean => {
    const now = performance.now();
    if (now - window.start >= WINDOW_MS) window = { start: now, messages: 0, bytes: 0 };
    // One line always fits in an empty window, however long (up to the line limit).
    if (window.messages >= MESSAGES_PER_WINDOW || (window.bytes > 0 && window.bytes + bytes > BYTES_PER_WINDOW)) {
      return false;
    }
    window.messages += 1;
    window.bytes += bytes;
    return true;
  };

  /** Whether a line of `bytes` may still grow on `connection` (taking the long-line slot if it needs it). */
  const fits = (connection: Connection, bytes: number): boolean => {
    if (bytes <= MAX_REPORT_LINE_BYTES) return true;
    if (bytes > longLineBytes || (longLine !== null && longLine !== connection)) return false;
    longLine = connection;
    return true;
  };

  const releaseLongLine = (connection: Connection): void => {
    if (longLine === connection) longLine = null;
  };

  /** Hands a complete line on; true when `connection` must wait for a step's ack before reading on. */
  const deliver = (connection: Connection, line: Buffer): boolean => {
    stats.lines += 1;
    const message = parseReportLine(line.toString("utf8"));
    // Only a step or batch message may be longer than the usual limit, each up to its own.
    const long = line.length > MAX_REPORT_LINE_BYTES;
    const longAllowed =
      message?.type === "step"
        ? onStep !== undefined && line.length <= stepLineBytes
        : message?.type === "batch" && onBatch !== undefined && line.length <= batchLineBytes;
    if (message === null || (long && !longAllowed)) {
      if (long) stats.oversized += 1;
      else stats.malformed += 1;
      releaseLongLine(connection);
      return false;
    }
    stats.messages += 1;
    if (message.type === "step" && onStep !== undefined) {
      if (closed) return false;
      connection.waiting = true;
      steps = steps.then(() => persist(connection, () => stepAck(message.report)));
      return true;
    }
    if (message.type === "batch" && onBatch !== undefined) {
      if (closed) return false;
      connection.waiting = true;
      steps = steps.then(() => persist(connection, () => batchAck(message.report)));
      return true;
    }
    releaseLongLine(connection);
    if (closed) return false;
    try {
      onMessage(message);
    } catch {
      // The receiver's problem must not become an uncaught exception in a socket handler.
    }
    return false;
  };

  const stepAck = async (report: StepReport): Promise<StepAck | null> => ((await onStep?.(report)) === true ? { type: "ack", seq: report.seq } : null);
  const batchAck = async (report: BatchReport): Promise<BatchAck | null> => {
    const answer = await onBatch?.(report);
    return answer === undefined || answer === false ? null : { type: "ack", seq: report.seq, pause: answer.pause === true };
  };

  const persist = async (connection: Connection, acked: () => Promise<StepAck | BatchAck | null>): Promise<void> => {
    let ack: StepAck | BatchAck | null = null;
    try {
      ack = await acked();
    } catch {
      // Not persisted: not acked.
    }
    if (ack !== null && !closed && connections.has(connection)) {
      connection.socket.write(`${JSON.stringify(ack)}\n`);
      stats.acked += 1;
    }
    connection.waiting = false;
    releaseLongLine(connection);
    if (!connections.has(connection)) return;
    // Reads on where it stopped, unless the whole channel is throttled (its timer does that).
    if (throttleTimer !== null) return;
    if (!pump(connection)) return throttle();
    if (connection.ended) finish(connection);
    else connection.socket.resume();
  };

  /** Splits what `connection` has received into lines; false when throttled with input left. */
  const pump = (connection: Connection): boolean => {
    let data = connection.backlog;
    connection.backlog = null;
    while (data !== null && data.length > 0) {
      if (connection.waiting) {
        connection.backlog = data;
        connection.socket.pause();
        return true;
      }
      const newline = data.indexOf(NEWLINE);
      if (newline === -1) {
        if (!connection.skipping) {
          connection.parts.push(data);
          connection.partBytes += data.length;
          if (!fits(connection, connection.partBytes)) startSkipping(connection);
        }
        return true;
      }
      if (connection.skipping) {
        connection.skipping = false;
        data = data.subarray(newline + 1);
        continue;
      }
      const bytes = connection.partBytes + newline;
      if (!fits(connection, bytes)) {
        startSkipping(connection);
        connection.skipping = false;
        data = data.subarray(newline + 1);
        continue;
      }
      // Blank lines count too: a flood of newlines costs the worker as much as one of messages.
      if (!take(bytes)) {
        connection.backlog = data;
        return false;
      }
      const line = connection.parts.length === 0 ? data.subarray(0, newline) : Buffer.concat([...connection.parts, data.subarray(0, newline)]);
      connection.parts = [];
      connection.partBytes = 0;
      data = data.subarray(newline + 1);
      if (!isBlank(line) && deliver(connection, line)) {
        connection.backlog = data.length > 0 ? data : null;
        connection.socket.pause();
        return true;
      }
    }
    return true;
  };

  const startSkipping = (connection: Connection): void => {
    stats.oversized += 1;
    releaseLongLine(connection);
    connection.skipping = true;
    connection.parts = [];
    connection.partBytes = 0;
  };

  /** A connection that ended: its last line may lack the newline. */
  const finish = (connection: Connection): void => {
    if (connection.parts.length > 0 && !connection.skipping) {
      const line = Buffer.concat(connection.parts);
      connection.parts = [];
      connection.partBytes = 0;
      // A step message's ack is still written before the connection goes: it waits for it.
      if (!isBlank(line) && deliver(connection, line)) return;
    }
    forget(connection);
  };

  const forget = (connection: Connection): void => {
    connections.delete(connection);
    releaseLongLine(connection);
    connection.socket.destroy();
    if (connections.size === 0) drained?.();
  };

  const throttle = (): void => {
    for (const connection of connections) connection.socket.pause();
    if (throttleTimer !== null) return;
    const wait = Math.max(1, WINDOW_MS - (performance.now() - window.start));
    throttleTimer = setTimeout(() => {
      throttleTimer = null;
      for (const connection of connections) {
        if (!pump(connection)) return throttle();
      }
      for (const connection of [...connections]) {
        if (connection.waiting) continue;
        if (connection.ended) finish(connection);
        else connection.socket.resume();
      }
    }, wait);
  };

  const server = createServer((socket) => {
    if (closed || connections.size >= MAX_CONNECTIONS) {
      if (!closed) stats.refusedConnections += 1;
      socket.destroy();
      return;
    }
    const connection: Connection = { socket, backlog: null, parts: [], partBytes: 0, skipping: false, ended: false, waiting: false };
    connections.add(connection);
    if (throttleTimer !== null) socket.pause();
    socket.on("data", (chunk: Buffer) => {
      connection.backlog = connection.backlog === null ? chunk : Buffer.concat([connection.backlog, chunk]);
      if (connection.waiting) return;
      if (throttleTimer !== null || !pump(connection)) throttle();
    });
    socket.on("end", () => {
      connection.ended = true;
      // Throttled with lines left: the throttle timer finishes it; waiting for an ack: the ack does.
      if (connection.backlog === null && !connection.waiting) finish(connection);
    });
    socket.on("error", () => forget(connection));
    socket.on("close", () => {
      if (connections.has(connection) && !connection.ended) forget(connection);
    });
  });
  server.on("error", () => {});
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(path, () => {
      server.off("error", reject);
      resolve();
    });
  });

  const close = async (): Promise<ReportChannelStats> => {
    // Connections the kernel accepted but this process has not seen yet (the poll phase
    // takes them) must not be reset: they may carry the script's last messages. The server
    // keeps listening while the open connections drain, for the same reason.
    await new Promise((resolve) => setImmediate(resolve));
    if (connections.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => (drained = resolve)),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, DRAIN_TIMEOUT_MS))),
      ]);
      clearTimeout(timer);
    }
    closed = true;
    if (throttleTimer !== null) clearTimeout(throttleTimer);
    throttleTimer = null;
    for (const connection of [...connections]) forget(connection);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    if (ownDir !== null) await rm(ownDir, { recursive: true, force: true });
    return { ...stats };
  };

  return {
    path,
    stats: () => ({ ...stats }),
    close: () => (closing ??= close()),
  };
}

function isBlank(line: Buffer): boolean {
  for (const byte of line) if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0d) return false;
  return true;
}

/**
 * One line of the protocol as a message, or null when it is not one. Only the fields of the
 * protocol are kept, with their types checked, so what is passed on is exactly a ChannelMessage.
 */
export function parseReportLine(line: string): ChannelMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  if (!isObject(value)) return null;
  switch (value.type) {
    case "log": {
      if (typeof value.message !== "string") return null;
      // A mark that is not one is ignored: the line is still a log line, placed as it arrives.
      const written = outputMark(value.written);
      return written === null ? { type: "log", message: value.message } : { type: "log", message: value.message, written };
    }
    case "counter": {
      const { name, op, value: n } = value;
      if (typeof name !== "string" || (op !== "set" && op !== "inc") || !isFiniteNumber(n)) return null;
      return { type: "counter", name, op, value: n };
    }
    case "progress": {
      const { done, total } = value;
      if (!isFiniteNumber(done) || !(total === null || isFiniteNumber(total))) return null;
      return { type: "progress", done, total };
    }
    case "fail":
      return typeof value.reason === "string" ? { type: "fail", reason: value.reason } : null;
    case "result":
      // JSON has no undefined: a script whose run returned nothing sends no `value`.
      return { type: "result", value: value.value };
    case "inputs":
      return isObject(value.values) ? { type: "inputs", values: value.values } : null;
    case "step": {
      const report = stepReport(value.report);
      return report === null ? null : { type: "step", report };
    }
    case "batch": {
      const report = batchReport(value.report);
      return report === null ? null : { type: "batch", report };
    }
    default:
      return null;
  }
}

/** A step report with exactly the protocol's fields, or null when one is missing or of the wrong kind. */
function stepReport(value: unknown): StepReport | null {
  if (!isObject(value)) return null;
  const { seq, step, direction, outcome, startedAt, durationMs, error, state, before, wait } = value;
  if (typeof seq !== "number" || !Number.isSafeInteger(seq) || seq < 1) return null;
  if (typeof step !== "string" || step.length === 0 || step.length > MAX_STEP_NAME_CHARS) return null;
  if (!isOneOf(direction, STEP_DIRECTIONS) || !isOneOf(outcome, STEP_OUTCOMES)) return null;
  if (!isTime(startedAt) || !isFiniteNumber(durationMs) || durationMs < 0) return null;
  if (!(error === null || typeof error === "string")) return null;
  const waits = wait === undefined ? undefined : stepWait(wait);
  if (waits === null) return null;
  // JSON has no undefined: a state that is missing is null.
  return {
    seq,
    step,
    direction,
    outcome,
    startedAt,
    durationMs,
    error,
    state: state ?? null,
    ...(seq === 1 && before !== undefined ? { before } : {}),
    ...(waits === undefined ? {} : { wait: waits }),
  };
}

/** A batch report with exactly the protocol's fields, or null when one is missing or of the wrong kind (whether it is possible is the record's to judge). */
function batchReport(value: unknown): BatchReport | null {
  if (!isObject(value)) return null;
  const { seq, cursor, items, done, startedAt, durationMs, last } = value;
  // An empty last batch (items 0) says the collection had nothing left: the record judges it.
  if (!isCount(seq) || !isCount(items, 0) || !isCount(done, 0)) return null;
  // JSON has no undefined: a batch without a cursor is not one (null is a cursor).
  if (!("cursor" in value) || cursor === undefined) return null;
  if (!isTime(startedAt) || !isFiniteNumber(durationMs) || durationMs < 0 || typeof last !== "boolean") return null;
  return { seq, cursor, items, done, startedAt, durationMs, last };
}

function isCount(value: unknown, least = 1): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= least;
}

/** A wait with exactly the protocol's fields of the right kinds, or null (whether it may be waited for is the record's to judge). */
function stepWait(value: unknown): StepWait | null {
  if (!isObject(value)) return null;
  const { signal, timeoutMs, pullRequest } = value;
  if (typeof signal !== "string" || signal.length > MAX_STEP_NAME_CHARS || !isFiniteNumber(timeoutMs)) return null;
  if (!(pullRequest === null || isFiniteNumber(pullRequest))) return null;
  return { signal, timeoutMs, pullRequest };
}

// The engine sends Date#toISOString(); anything else (a long text, a secret) is not a time and is not stored.
const ISO_TIME = /^[+-]?\d{4,6}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

function isTime(value: unknown): value is string {
  return typeof value === "string" && ISO_TIME.test(value) && Number.isFinite(Date.parse(value));
}

function isOneOf<T extends string>(value: unknown, values: readonly T[]): value is T {
  return (values as readonly unknown[]).includes(value);
}

function outputMark(value: unknown): OutputMark | null {
  if (!isObject(value)) return null;
  const { stdout, stderr } = value;
  return isByteCount(stdout) && isByteCount(stderr) ? { stdout, stderr } : null;
}

function isByteCount(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}
