import { AsyncLocalStorage } from "node:async_hooks";
import { formatWithOptions } from "node:util";
import { isMainThread } from "node:worker_threads";
import { createChannelClient, ORDER_ENV, type ChannelClient, type OutputMark } from "./channel-client.js";
import { CHANNEL_ENV, type BatchReport, type ReportMessage, type StepReport } from "./protocol.js";

export interface Counter {
  set(name: string, value: number): void;
  inc(name: string, by?: number): void;
}
/** A fraction (0.42) or counts; `total` may be unknown. */
export type ProgressValue = number | { done: number; total?: number | null };

export interface ReporterOptions {
  /** Log lines sent per process/thread; later ones are counted and reported once. Default 1000. */
  maxLogLines?: number;
  /** Longer log lines are cut. Default 10 000 characters. */
  maxLineLength?: number;
  /** Counters and progress are sent at most this often (the latest values win). Default 100 ms. */
  intervalMs?: number;
  /** Where stdout and stderr are, sent with each log line so the runner can place it among them. */
  written?: () => OutputMark | null;
}

type PendingCounter = { op: "set" | "inc"; value: number };

/**
 * Turns SDK calls into report messages, bounded: log lines are capped, counters and progress
 * are coalesced (at most one batch per interval, plus a final one on flush; a log line that
 * is sent first sends what is pending, so the order of events is kept).
 */
export class Reporter {
  readonly #client: ChannelClient;
  readonly #maxLogLines: number;
  readonly #maxLineLength: number;
  readonly #intervalMs: number;
  readonly #written: (() => OutputMark | null) | undefined;
  #logLines = 0;
  #droppedLines = 0;
  #reportedDrops = 0;
  readonly #counters = new Map<string, PendingCounter>();
  #progress: { done: number; total: number | null } | null = null;
  #lastBatchAt = -Infinity;
  #timer: NodeJS.Timeout | null = null;

  constructor(client: ChannelClient, options: ReporterOptions = {}) {
    this.#client = client;
    this.#maxLogLines = options.maxLogLines ?? 1000;
    this.#maxLineLength = options.maxLineLength ?? 10_000;
    this.#intervalMs = options.intervalMs ?? 100;
    this.#written = options.written;
  }

  log(...args: unknown[]): void {
    if (this.#logLines >= this.#maxLogLines) {
      if (this.#droppedLines++ === 0) {
        this.#client.send({ type: "log", message: `[chorebot] log limit of ${this.#maxLogLines} lines reached: further lines are dropped` });
      }
      return;
    }
    this.#logLines++;
    let message = formatWithOptions({ colors: false }, ...args);
    if (message.length > this.#maxLineLength) {
      message = `${message.slice(0, this.#maxLineLength)}… [${message.length - this.#maxLineLength} more characters]`;
    }
    // Keeps the order of events; bounded, as the log lines are.
    this.#sendBatch();
    const written = this.#written?.() ?? null;
    this.#client.send(written === null ? { type: "log", message } : { type: "log", message, written });
  }

  readonly counter: Counter = {
    set: (name, value) => {
      this.#counters.set(name, { op: "set", value: finite(value, "counter value") });
      this.#schedule();
    },
    inc: (name, by = 1) => {
      const delta = finite(by, "counter increment");
      const pending = this.#counters.get(name);
      this.#counters.set(name, pending === undefined ? { op: "inc", value: delta } : { op: pending.op, value: pending.value + delta });
      this.#schedule();
    },
  };

  progress(value: ProgressValue): void {
    this.#progress =
      typeof value === "number"
        ? { done: finite(value, "progress"), total: 1 }
        : { done: finite(value.done, "progress done"), total: value.total == null ? null : finite(value.total, "progress total") };
    this.#schedule();
  }

  /** Sends at once, after any pending counters/progress (for fail, inputs, result, describe). */
  send(message: ReportMessage): void {
    this.#sendBatch();
    this.#client.send(message);
  }

  /**
   * Sends a step's report after anything pending, and resolves once the worker has recorded it
   * (its ack), or at once where nothing records it (no channel, or a client without acks).
   */
  sendStep(report: StepReport): Promise<void> {
    this.#sendBatch();
    if (this.#client.sendStep !== undefined) return this.#client.sendStep(report);
    this.#client.send({ type: "step", report });
    return Promise.resolve();
  }

  /**
   * Sends an iteration's batch report after anything pending, and resolves once the worker has
   * checkpointed it (its ack, saying whether to pause), or at once (no pause) where nothing records it.
   */
  sendBatchReport(report: BatchReport): Promise<{ pause: boolean }> {
    this.#sendBatch();
    if (this.#client.sendBatchReport !== undefined) return this.#client.sendBatchReport(report);
    this.#client.send({ type: "batch", report });
    return Promise.resolve({ pause: false });
  }

  /** Sends everything pending and resolves once it has left the process. */
  async flush(): Promise<void> {
    this.#sendBatch();
    if (this.#droppedLines > this.#reportedDrops) {
      this.#client.send({ type: "log", message: `[chorebot] ${this.#droppedLines} log lines dropped (limit ${this.#maxLogLines})` });
      this.#reportedDrops = this.#droppedLines;
    }
    await this.#client.flush();
  }

  /** Whether anything would be sent by flush(). */
  get pending(): boolean {
    return this.#counters.size > 0 || this.#progress !== null || this.#droppedLines > this.#reportedDrops;
  }

  #schedule(): void {
    if (this.#timer !== null) return;
    const wait = this.#lastBatchAt + this.#intervalMs - performance.now();
    if (wait <= 0) return this.#sendBatch();
    // Not unref'd: it keeps a process (or worker) that is about to end alive for the final batch.
    this.#timer = setTimeout(() => this.#sendBatch(), wait);
  }

  #sendBatch(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#counters.size === 0 && this.#progress === null) return;
    this.#lastBatchAt = performance.now();
    for (const [name, { op, value }] of this.#counters) this.#client.send({ type: "counter", name, op, value });
    this.#counters.clear();
    if (this.#progress !== null) this.#client.send({ type: "progress", ...this.#progress });
    this.#progress = null;
  }
}

function finite(value: number, what: string): number {
  if (typeof value !== "number" || !Number.isFinite(value)) throw new TypeError(`chorebot: ${what} must be a finite number, got ${String(value)}`);
  return value;
}

// Taken when the SDK loads, before the script can start anything that would inherit it.
const ordered = takeOrderMark();

function takeOrderMark(): boolean {
  const set = process.env[ORDER_ENV] === "1";
  delete process.env[ORDER_ENV];
  return set && isMainThread;
}

/**
 * The bytes this process's stdout and stderr took so far, queued ones included (what a pipe
 * stream counts as written). Only in the process the runner started, on its main thread: a
 * worker thread's or child process's counts are its own, not the pipes'.
 */
function writtenSoFar(): OutputMark | null {
  const stdout = (process.stdout as { bytesWritten?: unknown }).bytesWritten;
  const stderr = (process.stderr as { bytesWritten?: unknown }).bytesWritten;
  return typeof stdout === "number" && typeof stderr === "number" ? { stdout, stderr } : null;
}

let shared: Reporter | null = null;

// One scope per process, whichever copy of the SDK (dist through "chorebot", src through a
// relative import) creates it first: the test helpers' reporter must catch both copies' log().
const SCOPE_KEY = Symbol.for("chorebot.reporter-scope");

function reporterScope(): AsyncLocalStorage<Reporter> {
  const holder = globalThis as { [SCOPE_KEY]?: AsyncLocalStorage<Reporter> };
  holder[SCOPE_KEY] ??= new AsyncLocalStorage<Reporter>();
  return holder[SCOPE_KEY];
}

/** Runs `work` with `reporter` as what getReporter() returns in it and everything it starts (the test helpers). */
export function withReporter<T>(reporter: Reporter, work: () => T): T {
  return reporterScope().run(reporter, work);
}

/**
 * The reporter in scope (see withReporter), else this process's (or worker thread's), on
 * CHOREBOT_CHANNEL or stdout, flushed before it exits.
 */
export function getReporter(): Reporter {
  const scoped = reporterScope().getStore();
  if (scoped !== undefined) return scoped;
  if (shared === null) {
    const reporter = new Reporter(createChannelClient(process.env[CHANNEL_ENV]), ordered ? { written: writtenSoFar } : {});
    shared = reporter;
    process.on("beforeExit", () => {
      if (reporter.pending) void reporter.flush();
    });
  }
  return shared;
}

const FAILURE = Symbol.for("chorebot.failure");

/** Thrown by fail(): the runtime exits with code 1 without a stack trace. */
export class ScriptFailure extends Error {
  readonly [FAILURE] = true;
  constructor(reason: string) {
    super(reason);
    this.name = "ScriptFailure";
  }
}

export function isScriptFailure(error: unknown): error is ScriptFailure {
  return typeof error === "object" && error !== null && (error as Record<symbol, unknown>)[FAILURE] === true;
}

/** Standalone API (also usable from helper modules, worker threads and child processes). */
export function log(...args: unknown[]): void {
  getReporter().log(...args);
}
export const counter: Counter = {
  set: (name, value) => getReporter().counter.set(name, value),
  inc: (name, by) => getReporter().counter.inc(name, by),
};
export function progress(value: ProgressValue): void {
  getReporter().progress(value);
}
/** Reports `reason` and throws a ScriptFailure: the run ends with exit code 1. */
export function fail(reason: string): never {
  getReporter().send({ type: "fail", reason: String(reason) });
  throw new ScriptFailure(String(reason));
}
