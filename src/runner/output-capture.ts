import { StringDecoder } from "node:string_decoder";
import { stripTerminalEscapes } from "./terminal-escapes.js";
import type { CapturedOutput, OutputLine } from "../run-types.js";

type Stream = "stdout" | "stderr";

// Longer lines are cut: a minified blob or a progress bar without newlines must not become
// one unbounded line in memory, in the log, or on a terminal.
const MAX_LINE_BYTES = 16 * 1024;
// A line still being written is cut only once this much more has arrived behind the cut, so a
// secret (shorter than this) that straddles the cut is redacted while it is still whole.
const REDACTION_LOOKAHEAD = MAX_LINE_BYTES;
const DEFAULT_MAX_BYTES = 1024 * 1024;

interface StreamState {
  decoder: StringDecoder;
  pending: string;
}

export interface OutputCaptureOptions {
  /** `performance.now()` when the script started; line times are measured from it. */
  startedAt?: number;
  /** Kept text in total (head + tail, one byte per newline included). */
  maxBytes?: number;
  redact?: (text: string) => string;
  /** Every line as it completes, already redacted, including lines later dropped from the middle. */
  onLine?: (line: OutputLine) => void;
}

/**
 * Turns a child's stdout/stderr chunks into timestamped, redacted lines. Keeps the first and
 * the last `maxBytes / 2` of output and counts what was dropped in between, so memory stays
 * bounded however much a script prints.
 */
export class OutputCapture {
  private readonly startedAt: number;
  private readonly redact: (text: string) => string;
  private readonly onLine: ((line: OutputLine) => void) | undefined;
  private readonly headBudget: number;
  private readonly tailBudget: number;
  private readonly streams: Record<Stream, StreamState> = {
    stdout: { decoder: new StringDecoder("utf8"), pending: "" },
    stderr: { decoder: new StringDecoder("utf8"), pending: "" },
  };
  private readonly head: OutputLine[] = [];
  private headBytes = 0;
  // Once one line went to the tail, later lines must too, or the order would break.
  private headClosed = false;
  private readonly tail = new LineQueue();
  private omittedBytes = 0;

  constructor(o: OutputCaptureOptions = {}) {
    this.startedAt = o.startedAt ?? performance.now();
    this.redact = o.redact ?? ((text) => text);
    this.onLine = o.onLine;
    const maxBytes = o.maxBytes ?? DEFAULT_MAX_BYTES;
    this.headBudget = Math.floor(maxBytes / 2);
    this.tailBudget = maxBytes - this.headBudget;
  }

  write(stream: Stream, chunk: Buffer): void {
    const state = this.streams[stream];
    state.pending += state.decoder.write(chunk);
    let newline: number;
    while ((newline = state.pending.indexOf("\n")) !== -1) {
      this.emit(stream, stripCarriageReturn(state.pending.slice(0, newline)));
      state.pending = state.pending.slice(newline + 1);
    }
    if (state.pending.length >= MAX_LINE_BYTES + REDACTION_LOOKAHEAD) {
      state.pending = this.emitLongPrefix(stream, this.redact(stripTerminalEscapes(state.pending)));
    }
  }

  /** Flushes partial last lines and returns what was kept, and where the gap is. */
  end(): CapturedOutput {
    for (const stream of ["stdout", "stderr"] as const) {
      const state = this.streams[stream];
      const rest = state.pending + state.decoder.end();
      state.pending = "";
      if (rest !== "") this.emit(stream, rest);
    }
    return {
      lines: [...this.head, ...this.tail.items()],
      omittedBytes: this.omittedBytes,
      omittedAt: this.omittedBytes > 0 ? this.head.length : null,
    };
  }

  private emit(stream: Stream, line: string): void {
    let text = this.redact(stripTerminalEscapes(line));
    do {
      const length = utf8PrefixLength(text, MAX_LINE_BYTES);
      this.store({ t: this.now(), stream, text: text.slice(0, length) });
      text = text.slice(length);
    } while (text !== "");
  }

  /** Emits full-size pieces of an unfinished, already redacted line; returns the rest. */
  private emitLongPrefix(stream: Stream, text: string): string {
    for (;;) {
      const length = utf8PrefixLength(text, MAX_LINE_BYTES);
      if (text.length - length < REDACTION_LOOKAHEAD) return text;
      this.store({ t: this.now(), stream, text: text.slice(0, length) });
      text = text.slice(length);
    }
  }

  private store(line: OutputLine): void {
    this.onLine?.(line);
    const bytes = Buffer.byteLength(line.text, "utf8") + 1;
    if (!this.headClosed && this.headBytes + bytes <= this.headBudget) {
      this.head.push(line);
      this.headBytes += bytes;
      return;
    }
    this.headClosed = true;
    this.tail.push(line, bytes);
    while (this.tail.bytes > this.tailBudget) this.omittedBytes += this.tail.shift();
  }

  private now(): number {
    return Math.max(0, Math.floor(performance.now() - this.startedAt));
  }
}

/** A FIFO of lines with their byte sizes; shifting is O(1) amortised, unlike Array#shift. */
class LineQueue {
  private lines: OutputLine[] = [];
  private sizes: number[] = [];
  private first = 0;
  bytes = 0;

  push(line: OutputLine, bytes: number): void {
    this.lines.push(line);
    this.sizes.push(bytes);
    this.bytes += bytes;
  }

  /** Drops the oldest line; returns its size. */
  shift(): number {
    const bytes = this.sizes[this.first] ?? 0;
    this.first += 1;
    this.bytes -= bytes;
    if (this.first > 1024 && this.first * 2 > this.lines.length) {
      this.lines = this.lines.slice(this.first);
      this.sizes = this.sizes.slice(this.first);
      this.first = 0;
    }
    return bytes;
  }

  items(): OutputLine[] {
    return this.lines.slice(this.first);
  }
}

function stripCarriageReturn(line: string): string {
  return line.endsWith("\r") ? line.slice(0, -1) : line;
}

/** How many UTF-16 units of `text` fit in `maxBytes` of UTF-8 without splitting a character. */
function utf8PrefixLength(text: string, maxBytes: number): number {
  if (text.length * 3 <= maxBytes) return text.length;
  let bytes = 0;
  let i = 0;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    const pair = code >= 0xd800 && code <= 0xdbff && isLowSurrogate(text.charCodeAt(i + 1));
    const size = code < 0x80 ? 1 : code < 0x800 ? 2 : pair ? 4 : 3;
    if (bytes + size > maxBytes) break;
    bytes += size;
    i += pair ? 2 : 1;
  }
  return i;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
