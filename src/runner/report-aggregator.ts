import type { ExecutionReport, ReportLog } from "../run-types.js";
import type { ChannelMessage, OutputMark } from "../sdk/channel-client.js";
import type { ReportMessage } from "../sdk/protocol.js";
import type { Redact } from "./redact.js";
import { redactJson, redactNumber, showsSecret, TOO_DEEP } from "./redact-value.js";
import { stripTerminalEscapes } from "./terminal-escapes.js";

// Everything kept is bounded, whatever the script sends (messages are at most 64 KiB each).
const MAX_LOGS = 1000;
const MAX_LOG_CHARS = 4096;
const MAX_FAIL_REASON_CHARS = 4096;
const MAX_COUNTERS = 200;
const MAX_COUNTER_NAME_CHARS = 200;
const TRUNCATED = " […]";
// What `accept` answers for a message it does not keep.
const REFUSED = Symbol("refused");

export interface ReportAggregatorOptions {
  /** Milliseconds since the script started, for log times. */
  now: () => number;
  redact?: Redact;
}

/**
 * Folds a run's report messages into an {@link ExecutionReport}: redacts everything the
 * script sent (log messages, the fail reason, counter names and values, and every string, key
 * and number in inputs and result; a number that shows a secret becomes `[REDACTED]`) and
 * keeps memory bounded. `add` returns the message to show live (redacted, cut), or null when
 * it was refused or cannot be shown without a secret.
 */
export class ReportAggregator {
  private readonly now: () => number;
  private readonly redact: Redact;
  private inputs: Record<string, unknown> | null = null;
  private readonly counters = new Map<string, number>();
  private progress: ExecutionReport["progress"] = null;
  private result: unknown = undefined;
  private failReason: string | null = null;
  private readonly logs: ReportLog[] = [];
  // Where each kept log line was written among the output, when the script said (see orderLogs).
  private readonly marks: (OutputMark | null)[] = [];
  private droppedLogs = 0;
  private refused = 0;

  constructor(o: ReportAggregatorOptions) {
    this.now = o.now;
    this.redact = o.redact ?? ((text) => text);
  }

  add(message: ChannelMessage): ReportMessage | null {
    const shown = this.accept(message);
    if (shown !== REFUSED) return shown;
    this.refused += 1;
    return null;
  }

  /** The message to show live, null when it is kept but cannot be shown, or REFUSED. */
  private accept(message: ChannelMessage): ReportMessage | null | typeof REFUSED {
    switch (message.type) {
      case "log": {
        const text = cut(this.redact(stripTerminalEscapes(message.message)), MAX_LOG_CHARS);
        if (this.logs.length < MAX_LOGS) {
          this.logs.push({ t: this.now(), message: text });
          this.marks.push("written" in message ? message.written : null);
        } else {
          this.droppedLogs += 1;
        }
        return { type: "log", message: text };
      }
      case "counter": {
        const name = this.redact(message.name);
        if (name.length > MAX_COUNTER_NAME_CHARS) return REFUSED;
        const current = this.counters.get(name);
        if (current === undefined && this.counters.size >= MAX_COUNTERS) return REFUSED;
        const value = message.op === "set" ? message.value : (current ?? 0) + message.value;
        if (!Number.isFinite(value)) return REFUSED;
        this.counters.set(name, value);
        // Shown as the new total, never as a step: steps a viewer adds up could make a secret.
        return showsSecret(value, this.redact) ? null : { type: "counter", name, op: "set", value };
      }
      case "progress":
        // Only there to draw a bar with: a number that shows a secret is dropped.
        if (showsSecret(message.done, this.redact) || showsSecret(message.total, this.redact)) return REFUSED;
        this.progress = { done: message.done, total: message.total };
        return message;
      case "fail": {
        const reason = cut(this.redact(message.reason), MAX_FAIL_REASON_CHARS);
        this.failReason ??= reason;
        return { type: "fail", reason };
      }
      case "result": {
        const value = redactJson(message.value, this.redact);
        if (value === TOO_DEEP) return REFUSED;
        this.result = value;
        return { type: "result", value };
      }
      case "step":
      case "batch":
        // A workflow's steps and an iteration's batches never come here: the channel hands them to run-script (workflow-record.ts,
        // its iteration record). Any other script's are refused.
        return REFUSED;
      case "inputs": {
        const values = redactJson(message.values, this.redact);
        if (values === TOO_DEEP) return REFUSED;
        this.inputs = values as Record<string, unknown>;
        return { type: "inputs", values: this.inputs };
      }
    }
  }

  /** For each log line of the report, in order: where the script wrote it among its output, or null. */
  logMarks(): (OutputMark | null)[] {
    return [...this.marks];
  }

  /** The report; `rejectedLines` adds the lines the channel refused to the messages refused here. */
  end(channelRejected = 0): ExecutionReport {
    return {
      inputs: this.inputs,
      counters: Object.fromEntries([...this.counters].map(([name, value]) => [name, redactNumber(value, this.redact)])),
      progress: this.progress,
      result: this.result,
      failReason: this.failReason,
      logs: [...this.logs],
      droppedLogs: this.droppedLogs,
      rejectedLines: channelRejected + this.refused,
    };
  }
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : text.slice(0, max - TRUNCATED.length) + TRUNCATED;
}
