import type { ReportMessage } from "../sdk/protocol.js";
import { countersText, eta, printable, progressText, resultText, statusLine, type Progress, type ProgressStart } from "./live-view.js";

/** Where the live report goes (stderr: stdout is the script's own). */
export interface Terminal {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

// A terminal redraws its one status line at most this often; a log or CI gets a line of each
// kind at most this often, so a script reporting a million times cannot flood either.
const REDRAW_MS = 100;
const PLAIN_MS = 1000;
const CLEAR_LINE = "\r\x1b[K";

type Kind = "progress" | "counters";

/**
 * Shows an SDK script's progress, counters, log lines and result while `chorebot run` runs
 * it. On a terminal one status line (bar, done/total, percent, ETA, counters) is redrawn in
 * place and cleared before anything else is printed; elsewhere plain `[progress]` and
 * `[counters]` lines, each at most once a second, and the latest state at the end.
 * Everything shown arrives redacted (the runner's report aggregator); text the script chose
 * is kept from moving the cursor.
 */
export class LiveReport {
  private readonly started: number;
  private progress: Progress | null = null;
  private progressStart: (ProgressStart & { total: number | null }) | null = null;
  private readonly counters = new Map<string, number>();
  private result: { value: unknown } | null = null;
  // Plain mode: what changed since it was last printed, and when each kind was.
  private readonly changed = new Set<Kind>();
  private readonly printedAt = new Map<Kind, number>();
  private timer: NodeJS.Timeout | null = null;
  private drawn = false;
  private finished = false;

  constructor(
    private readonly out: Terminal,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.started = now();
  }

  private get tty(): boolean {
    return this.out.isTTY === true;
  }

  report(message: ReportMessage): void {
    if (this.finished) return;
    switch (message.type) {
      case "progress":
        this.progress = { done: message.done, total: message.total };
        // A new total is a new job to measure the pace of.
        if (this.progressStart?.total !== message.total) this.progressStart = { done: message.done, atMs: this.now(), total: message.total };
        this.changed.add("progress");
        break;
      case "counter":
        // The runner sends every counter as its new total.
        this.counters.set(message.name, message.op === "set" ? message.value : (this.counters.get(message.name) ?? 0) + message.value);
        this.changed.add("counters");
        break;
      case "log":
        this.print(() => this.out.write(`[log] ${printable(message.message)}\n`));
        return;
      case "result":
        this.result = { value: message.value };
        return;
      default:
        return;
    }
    this.schedule();
  }

  /** Prints something else (the script's output): the status line makes way and comes back. */
  print(write: () => void): void {
    if (this.drawn) {
      this.out.write(CLEAR_LINE);
      this.drawn = false;
      this.schedule();
    }
    write();
  }

  /** The last state as plain lines, then the result; nothing is drawn after this. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.timer !== null) clearTimeout(this.timer);
    if (this.drawn) this.out.write(CLEAR_LINE);
    // A terminal only ever had the status line, which is gone now: print where things ended.
    if (this.tty) {
      if (this.progress !== null) this.changed.add("progress");
      if (this.counters.size > 0) this.changed.add("counters");
    }
    this.flush("progress");
    this.flush("counters");
    if (this.result !== null) this.out.write(`${resultText(this.result.value)}\n`);
  }

  private schedule(): void {
    if (this.timer !== null || this.finished) return;
    if (this.tty) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.draw();
      }, REDRAW_MS);
    } else {
      // Each kind at most once a second: at once if it has been that long, else when it will have been.
      const now = this.now();
      const due = Math.min(...[...this.changed].map((kind) => (this.printedAt.get(kind) ?? -Infinity) + PLAIN_MS));
      if (due <= now) {
        this.plainTick();
        return;
      }
      this.timer = setTimeout(() => {
        this.timer = null;
        this.plainTick();
      }, due - now);
    }
    this.timer?.unref();
  }

  private plainTick(): void {
    const now = this.now();
    for (const kind of ["progress", "counters"] as const) {
      if ((this.printedAt.get(kind) ?? -Infinity) + PLAIN_MS <= now) this.flush(kind);
    }
    if (this.changed.size > 0) this.schedule();
  }

  private flush(kind: Kind): void {
    if (!this.changed.delete(kind)) return;
    this.printedAt.set(kind, this.now());
    if (kind === "progress" && this.progress !== null) this.out.write(`${progressText(this.progress, this.eta())}\n`);
    if (kind === "counters" && this.counters.size > 0) this.out.write(`${countersText(this.counters)}\n`);
  }

  private eta(): number | null {
    return this.progress === null ? null : eta(this.progressStart, this.progress, this.now());
  }

  private draw(): void {
    if (this.finished || (this.progress === null && this.counters.size === 0)) return;
    const now = this.now();
    const line = statusLine({
      progress: this.progress,
      eta: this.eta(),
      counters: this.counters,
      elapsedMs: now - this.started,
      columns: this.out.columns || 80,
    });
    this.out.write(`${CLEAR_LINE}${line}`);
    this.drawn = true;
  }
}
