import type { ExecutionReport, ReportLog } from "../run-types.js";
import type { ReportMessage } from "../sdk/protocol.js";
import { stripTerminalEscapes } from "./terminal-escapes.js";

// Everything kept is bounded, whatever the script sends (messages are at most 64 KiB each).
const MAX_LOGS = 1000;
const MAX_LOG_CHARS = 4096;
const MAX_FAIL_REASON_CHARS = 4096;
const MAX_COUNTERS = 200;
const MAX_COUNTER_NAME_CHARS = 200;
// Deeper values (inputs, result) are refused: redacting them recursively must stay cheap.
const MAX_DEPTH = 64;
const TRUNCATED = " […]";

export interface ReportAggregatorOptions {
  /** Milliseconds since the script started, for log times. */
  now: () => number;
  redact?: (text: string) => string;
}

/**
 * Folds a run's report messages into an {@link ExecutionReport}: redacts every free text (log
 * messages, the fail reason, counter names, strings anywhere in inputs and result) and keeps
 * memory bounded. `add` returns the message as kept (redacted, cut), or null when refused.
 */
export class ReportAggregator {
  private readonly now: () => number;
  private readonly redact: (text: string) => string;
  private inputs: Record<string, unknown> | null = null;
  private readonly counters = new Map<string, number>();
  private progress: ExecutionReport["progress"] = null;
  private result: unknown = undefined;
  private failReason: string | null = null;
  private readonly logs: ReportLog[] = [];
  private droppedLogs = 0;
  private refused = 0;

  constructor(o: ReportAggregatorOptions) {
    this.now = o.now;
    this.redact = o.redact ?? ((text) => text);
  }

  add(message: ReportMessage): ReportMessage | null {
    const kept = this.accept(message);
    if (kept === null) this.refused += 1;
    return kept;
  }

  private accept(message: ReportMessage): ReportMessage | null {
    switch (message.type) {
      case "log": {
        const text = cut(this.redact(stripTerminalEscapes(message.message)), MAX_LOG_CHARS);
        if (this.logs.length < MAX_LOGS) this.logs.push({ t: this.now(), message: text });
        else this.droppedLogs += 1;
        return { type: "log", message: text };
      }
      case "counter": {
        const name = this.redact(message.name);
        if (name.length > MAX_COUNTER_NAME_CHARS) return null;
        const current = this.counters.get(name);
        if (current === undefined && this.counters.size >= MAX_COUNTERS) return null;
        const value = message.op === "set" ? message.value : (current ?? 0) + message.value;
        if (!Number.isFinite(value)) return null;
        this.counters.set(name, value);
        return { ...message, name };
      }
      case "progress":
        this.progress = { done: message.done, total: message.total };
        return message;
      case "fail": {
        const reason = cut(this.redact(message.reason), MAX_FAIL_REASON_CHARS);
        this.failReason ??= reason;
        return { type: "fail", reason };
      }
      case "result": {
        const value = redactValue(message.value, this.redact, 0);
        if (value === TOO_DEEP) return null;
        this.result = value;
        return { type: "result", value };
      }
      case "inputs": {
        const values = redactValue(message.values, this.redact, 0);
        if (values === TOO_DEEP) return null;
        this.inputs = values as Record<string, unknown>;
        return { type: "inputs", values: this.inputs };
      }
    }
  }

  /** The report; `rejectedLines` adds the lines the channel refused to the messages refused here. */
  end(channelRejected = 0): ExecutionReport {
    return {
      inputs: this.inputs,
      counters: Object.fromEntries(this.counters),
      progress: this.progress,
      result: this.result,
      failReason: this.failReason,
      logs: [...this.logs],
      droppedLogs: this.droppedLogs,
      rejectedLines: channelRejected + this.refused,
    };
  }
}

const TOO_DEEP = Symbol("too deep");

/** A JSON value with `redact` applied to every string in it (not to keys). */
function redactValue(value: unknown, redact: (text: string) => string, depth: number): unknown {
  if (typeof value === "string") return redact(value);
  if (typeof value !== "object" || value === null) return value;
  if (depth >= MAX_DEPTH) return TOO_DEEP;
  if (Array.isArray(value)) {
    const items: unknown[] = [];
    for (const item of value) {
      const redacted = redactValue(item, redact, depth + 1);
      if (redacted === TOO_DEEP) return TOO_DEEP;
      items.push(redacted);
    }
    return items;
  }
  const entries: [string, unknown][] = [];
  for (const [key, item] of Object.entries(value)) {
    const redacted = redactValue(item, redact, depth + 1);
    if (redacted === TOO_DEEP) return TOO_DEEP;
    entries.push([key, redacted]);
  }
  // fromEntries defines own properties, so a "__proto__" key stays data.
  return Object.fromEntries(entries);
}

/** A redacted value of a report (exported for redactExecution). */
export function redactReportValue(value: unknown, redact: (text: string) => string): unknown {
  const redacted = redactValue(value, redact, 0);
  return redacted === TOO_DEEP ? null : redacted;
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : text.slice(0, max - TRUNCATED.length) + TRUNCATED;
}
