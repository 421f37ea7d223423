import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Socket } from "node:net";
import { join } from "node:path";
import type { ChannelMessage, OutputMark } from "../sdk/channel-client.js";

/** Longer lines are skipped without being decoded (and counted as oversized). */
export const MAX_REPORT_LINE_BYTES = 64 * 1024;
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
}

/**
 * The worker's end of the report channel: a UNIX socket server in `dir` (the run's private
 * temp dir, mode 0700) that takes one JSON message per line from any number of connections
 * (the script, its worker threads, its child processes), validates each line and hands the
 * valid ones to `onMessage`. Malformed and oversized lines are counted and ignored; a flood is
 * throttled (see the limits above). Nothing a script sends can make this throw; neither can
 * `onMessage`, whose errors are swallowed.
 */
export async function openReportChannel(dir: string, onMessage: (message: ChannelMessage) => void): Promise<ReportChannel> {
  let path = join(dir, "report.sock");
  // A long TMPDIR: fall back to a private dir of our own under /tmp, removed on close.
  let ownDir: string | null = null;
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH_BYTES) {
    ownDir = await mkdtemp("/tmp/chorebot-");
    path = join(ownDir, "r.sock");
  }

  const stats: ReportChannelStats = { lines: 0, messages: 0, malformed: 0, oversized: 0, refusedConnections: 0 };
  const connections = new Set<Connection>();
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

  const deliver = (line: Buffer): void => {
    stats.lines += 1;
    const message = parseReportLine(line.toString("utf8"));
    if (message === null) {
      stats.malformed += 1;
      return;
    }
    stats.messages += 1;
    if (closed) return;
    try {
      onMessage(message);
    } catch {
      // The receiver's problem must not become an uncaught exception in a socket handler.
    }
  };

  /** Splits what `connection` has received into lines; false when throttled with input left. */
  const pump = (connection: Connection): boolean => {
    let data = connection.backlog;
    connection.backlog = null;
    while (data !== null && data.length > 0) {
      const newline = data.indexOf(NEWLINE);
      if (newline === -1) {
        if (!connection.skipping) {
          connection.parts.push(data);
          connection.partBytes += data.length;
          if (connection.partBytes > MAX_REPORT_LINE_BYTES) startSkipping(connection);
        }
        return true;
      }
      if (connection.skipping) {
        connection.skipping = false;
        data = data.subarray(newline + 1);
        continue;
      }
      const bytes = connection.partBytes + newline;
      if (bytes > MAX_REPORT_LINE_BYTES) {
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
      if (!isBlank(line)) deliver(line);
    }
    return true;
  };

  const startSkipping = (connection: Connection): void => {
    stats.oversized += 1;
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
      if (!isBlank(line)) deliver(line);
    }
    forget(connection);
  };

  const forget = (connection: Connection): void => {
    connections.delete(connection);
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
    const connection: Connection = { socket, backlog: null, parts: [], partBytes: 0, skipping: false, ended: false };
    connections.add(connection);
    if (throttleTimer !== null) socket.pause();
    socket.on("data", (chunk: Buffer) => {
      connection.backlog = connection.backlog === null ? chunk : Buffer.concat([connection.backlog, chunk]);
      if (throttleTimer !== null || !pump(connection)) throttle();
    });
    socket.on("end", () => {
      connection.ended = true;
      // Throttled with lines left: the throttle timer finishes it.
      if (connection.backlog === null) finish(connection);
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
    default:
      return null;
  }
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
