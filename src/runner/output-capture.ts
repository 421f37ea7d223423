import { StringDecoder } from "node:string_decoder";
import { stripTerminalEscapes } from "./terminal-escapes.js";
import type { CapturedOutput, OutputLine } from "../run-types.js";
import type { OutputMark } from "../sdk/channel-client.js";

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
  /** Bytes received on the stream. */
  received: number;
  /** Bytes of the stream taken into lines (or held as the unfinished one): how far `onWritten` has seen. */
  processed: number;
}

export interface OutputCaptureOptions {
  /** `performance.now()` when the script started; line times are measured from it. */
  startedAt?: number;
  /** Kept text in total (head + tail, one byte per newline included). */
  maxBytes?: number;
  redact?: (text: string) => string;
  /** Every line as it completes, already redacted, including lines later dropped from the middle. */
  onLine?: (line: OutputLine) => void;
  /** After each completed line and each chunk: `written()` has moved on. */
  onWritten?: () => void;
}

/** What the capture kept, and for each kept line where it ended in its stream (bytes). */
export interface CapturedOutputWithEnds {
  output: CapturedOutput;
  ends: number[];
}

/**
 * Turns a child's stdout/stderr chunks into timestamped, redacted lines. Keeps the first and
 * the last `maxBytes / 2` of output and counts what was dropped in between, so memory stays
 * bounded however much a script prints: kept lines take `maxBytes` of buffers at most (plus
 * 25 bytes each), and nothing else outlives the chunk being split (see LineRing).
 */
export class OutputCapture {
  private readonly startedAt: number;
  private readonly redact: (text: string) => string;
  private readonly onLine: ((line: OutputLine) => void) | undefined;
  private readonly onWritten: (() => void) | undefined;
  private readonly headBudget: number;
  private readonly tailBudget: number;
  private readonly streams: Record<Stream, StreamState> = {
    stdout: { decoder: new StringDecoder("utf8"), pending: "", received: 0, processed: 0 },
    stderr: { decoder: new StringDecoder("utf8"), pending: "", received: 0, processed: 0 },
  };
  private readonly head: LineRing;
  // Once one line went to the tail, later lines must too, or the order would break.
  private headClosed = false;
  private readonly tail: LineRing;
  private omittedBytes = 0;

  constructor(o: OutputCaptureOptions = {}) {
    this.startedAt = o.startedAt ?? performance.now();
    this.redact = o.redact ?? ((text) => text);
    this.onLine = o.onLine;
    this.onWritten = o.onWritten;
    const maxBytes = o.maxBytes ?? DEFAULT_MAX_BYTES;
    this.headBudget = Math.floor(maxBytes / 2);
    this.tailBudget = maxBytes - this.headBudget;
    // A kept line counts its newline too, so its text takes at most the budget less one.
    this.head = new LineRing(Math.max(0, this.headBudget - 1));
    this.tail = new LineRing(Math.max(0, this.tailBudget - 1));
  }

  write(stream: Stream, chunk: Buffer): void {
    const state = this.streams[stream];
    const base = state.received;
    state.received += chunk.length;
    state.pending += state.decoder.write(chunk);
    // The n-th newline decoded is the chunk's n-th newline byte: in UTF-8 that byte is never
    // part of another character, and `pending` holds none from earlier chunks.
    let byte = -1;
    let newline: number;
    while ((newline = state.pending.indexOf("\n")) !== -1) {
      byte = chunk.indexOf(0x0a, byte + 1);
      state.processed = base + byte + 1;
      this.emit(stream, stripCarriageReturn(state.pending.slice(0, newline)));
      state.pending = state.pending.slice(newline + 1);
      this.onWritten?.();
    }
    state.processed = state.received;
    if (state.pending.length >= MAX_LINE_BYTES + REDACTION_LOOKAHEAD) {
      state.pending = this.emitLongPrefix(stream, this.redact(stripTerminalEscapes(state.pending)));
    }
    this.onWritten?.();
  }

  /** How far each stream has been taken into lines: a log line marked up to here can be placed. */
  written(): OutputMark {
    return { stdout: this.streams.stdout.processed, stderr: this.streams.stderr.processed };
  }

  /** Flushes partial last lines and returns what was kept, and where the gap is. */
  end(): CapturedOutput {
    return this.endWithEnds().output;
  }

  /** As `end()`, with where each kept line ended in its stream, for placing log lines (see orderLogs). */
  endWithEnds(): CapturedOutputWithEnds {
    for (const stream of ["stdout", "stderr"] as const) {
      const state = this.streams[stream];
      const rest = state.pending + state.decoder.end();
      state.pending = "";
      if (rest !== "") this.emit(stream, rest);
    }
    this.onWritten?.();
    return {
      output: {
        lines: [...this.head.items(), ...this.tail.items()],
        omittedBytes: this.omittedBytes,
        omittedAt: this.omittedBytes > 0 ? this.head.length : null,
      },
      ends: [...this.head.ends(), ...this.tail.ends()],
    };
  }

  private emit(stream: Stream, line: string): void {
    let text = this.redact(stripTerminalEscapes(line));
    do {
      const length = utf8PrefixLength(text, MAX_LINE_BYTES);
      this.store(stream, text.slice(0, length));
      text = text.slice(length);
    } while (text !== "");
  }

  /** Emits full-size pieces of an unfinished, already redacted line; returns the rest. */
  private emitLongPrefix(stream: Stream, text: string): string {
    for (;;) {
      const length = utf8PrefixLength(text, MAX_LINE_BYTES);
      if (text.length - length < REDACTION_LOOKAHEAD) return text;
      this.store(stream, text.slice(0, length));
      text = text.slice(length);
    }
  }

  private store(stream: Stream, text: string): void {
    const t = this.now();
    const end = this.streams[stream].processed;
    this.onLine?.({ t, stream, text });
    const bytes = Buffer.byteLength(text, "utf8") + 1;
    if (!this.headClosed && this.head.bytes + bytes <= this.headBudget) {
      this.head.push(t, stream, text, bytes - 1, end);
      return;
    }
    this.headClosed = true;
    // As if the line went in and the oldest lines came out until the tail fits its budget,
    // the line itself last, when it is longer than the whole budget.
    if (bytes > this.tailBudget) {
      this.omittedBytes += this.tail.bytes + bytes;
      this.tail.clear();
      return;
    }
    while (this.tail.bytes + bytes > this.tailBudget) this.omittedBytes += this.tail.shift();
    this.tail.push(t, stream, text, bytes - 1, end);
  }

  private now(): number {
    return Math.max(0, Math.floor(performance.now() - this.startedAt));
  }
}

const STREAM_CODES: readonly Stream[] = ["stdout", "stderr"];
const MIN_SLOTS = 64;
const MIN_DATA_BYTES = 4096;

/**
 * A FIFO of kept lines that holds no object per line: their text as UTF-8 in one ring buffer
 * (at most `maxTextBytes`), their times, streams and places in typed arrays. A line only
 * becomes a string again in `items()`.
 *
 * This is what keeps a flood's memory flat. Kept as objects, lines that pass through the tail
 * (a flood pushes each out within milliseconds) are still garbage V8 may have allocated in
 * the old generation (it pretenures an allocation site whose objects mostly survived, as they
 * do in an ordinary run where every line is kept). Until the next full GC such a dead line
 * keeps its young text alive through every scavenge, and with it the whole decoded chunk
 * its text was sliced from: every chunk of the flood was promoted, and the old generation
 * grew by over 100 MiB between full GCs.
 */
class LineRing {
  private data: Buffer;
  /** Byte offset in `data` of the oldest line's text, and the text bytes held from there. */
  private readAt = 0;
  private used = 0;
  private offsets: Uint32Array;
  private lengths: Uint32Array;
  private times: Float64Array;
  /** Where each line ended in its stream (bytes), to place log lines among them. */
  private endsAt: Float64Array;
  private streams: Uint8Array;
  /** Slot of the oldest line; slots are used round, modulo the arrays' (power of two) length. */
  private first = 0;
  length = 0;
  /** What the lines count against the budget: their text bytes and one per newline. */
  bytes = 0;

  constructor(private readonly maxTextBytes: number) {
    // Never empty, so offsets can always be taken modulo its length.
    this.data = Buffer.allocUnsafe(Math.max(1, Math.min(maxTextBytes, MIN_DATA_BYTES)));
    this.offsets = new Uint32Array(MIN_SLOTS);
    this.lengths = new Uint32Array(MIN_SLOTS);
    this.times = new Float64Array(MIN_SLOTS);
    this.endsAt = new Float64Array(MIN_SLOTS);
    this.streams = new Uint8Array(MIN_SLOTS);
  }

  /** Appends a line of `textBytes` UTF-8 bytes; the caller keeps the ring within its budget. */
  push(t: number, stream: Stream, text: string, textBytes: number, end: number): void {
    if (this.used + textBytes > this.data.length) this.growData(this.used + textBytes);
    if (this.length === this.offsets.length) this.growSlots();
    const capacity = this.data.length;
    const at = (this.readAt + this.used) % capacity;
    if (at + textBytes <= capacity) {
      this.data.write(text, at, textBytes, "utf8");
    } else {
      // Wraps round the end of the ring: rare, once per lap.
      const encoded = Buffer.from(text, "utf8");
      encoded.copy(this.data, at, 0, capacity - at);
      encoded.copy(this.data, 0, capacity - at);
    }
    const slot = (this.first + this.length) & (this.offsets.length - 1);
    this.offsets[slot] = at;
    this.lengths[slot] = textBytes;
    this.times[slot] = t;
    this.endsAt[slot] = end;
    this.streams[slot] = stream === "stdout" ? 0 : 1;
    this.length += 1;
    this.used += textBytes;
    this.bytes += textBytes + 1;
  }

  /** Drops the oldest line; returns what it counted against the budget. */
  shift(): number {
    if (this.length === 0) return 0;
    const textBytes = this.lengths[this.first]!;
    this.first = (this.first + 1) & (this.offsets.length - 1);
    this.length -= 1;
    this.bytes -= textBytes + 1;
    this.used -= textBytes;
    this.readAt = this.length === 0 ? 0 : (this.readAt + textBytes) % this.data.length;
    return textBytes + 1;
  }

  clear(): void {
    this.first = this.length = this.bytes = this.used = this.readAt = 0;
  }

  items(): OutputLine[] {
    const lines: OutputLine[] = [];
    const capacity = this.data.length;
    for (let i = 0; i < this.length; i++) {
      const slot = (this.first + i) & (this.offsets.length - 1);
      const at = this.offsets[slot]!;
      const end = at + this.lengths[slot]!;
      const text =
        end <= capacity ? this.data.toString("utf8", at, end) : Buffer.concat([this.data.subarray(at), this.data.subarray(0, end - capacity)]).toString("utf8");
      lines.push({ t: this.times[slot]!, stream: STREAM_CODES[this.streams[slot]!]!, text });
    }
    return lines;
  }

  /** Where each held line ended in its stream, oldest first. */
  ends(): number[] {
    const ends: number[] = [];
    for (let i = 0; i < this.length; i++) ends.push(this.endsAt[(this.first + i) & (this.offsets.length - 1)]!);
    return ends;
  }

  /** A bigger buffer, up to the budget, with the held text moved to its start. */
  private growData(needed: number): void {
    const capacity = Math.min(this.maxTextBytes, Math.max(needed, this.data.length * 2));
    const data = Buffer.allocUnsafe(capacity);
    const old = this.data;
    const end = this.readAt + this.used;
    if (end <= old.length) {
      old.copy(data, 0, this.readAt, end);
    } else {
      old.copy(data, 0, this.readAt);
      old.copy(data, old.length - this.readAt, 0, end - old.length);
    }
    const mask = this.offsets.length - 1;
    for (let i = 0; i < this.length; i++) {
      const slot = (this.first + i) & mask;
      this.offsets[slot] = (this.offsets[slot]! - this.readAt + old.length) % old.length;
    }
    this.data = data;
    this.readAt = 0;
  }

  /** Twice the slots, the lines moved to the first ones in order. */
  private growSlots(): void {
    const size = this.offsets.length * 2;
    const mask = this.offsets.length - 1;
    const offsets = new Uint32Array(size);
    const lengths = new Uint32Array(size);
    const times = new Float64Array(size);
    const endsAt = new Float64Array(size);
    const streams = new Uint8Array(size);
    for (let i = 0; i < this.length; i++) {
      const slot = (this.first + i) & mask;
      offsets[i] = this.offsets[slot]!;
      lengths[i] = this.lengths[slot]!;
      times[i] = this.times[slot]!;
      endsAt[i] = this.endsAt[slot]!;
      streams[i] = this.streams[slot]!;
    }
    this.offsets = offsets;
    this.lengths = lengths;
    this.times = times;
    this.endsAt = endsAt;
    this.streams = streams;
    this.first = 0;
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
