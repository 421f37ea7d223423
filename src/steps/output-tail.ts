import type { CapturedOutput, OutputLine } from "../run-types.js";

// What a lost run's log can show of its output: the last lines, each clipped, so a flooding
// script costs at most one small write per interval however much it prints.
const MAX_LINES = 40;
const MAX_LINE_CHARS = 500;
const INTERVAL_MS = 1000;

/**
 * The last lines a running script printed (already redacted by the runner), saved through
 * `save` at most once per `intervalMs` while it prints, so that when its worker dies the run's
 * record still shows what it printed (see failedAttemptExecution). A failed save is let go:
 * the next one carries the newer tail.
 */
export class OutputTail {
  private readonly lines: OutputLine[] = [];
  private omittedBytes = 0;
  private timer: NodeJS.Timeout | null = null;
  private saving = false;
  private dirty = false;
  private stopped = false;

  constructor(
    private readonly save: (output: CapturedOutput) => Promise<void>,
    private readonly intervalMs = INTERVAL_MS,
  ) {}

  add(line: OutputLine): void {
    if (this.stopped) return;
    const text = line.text.length <= MAX_LINE_CHARS ? line.text : `${line.text.slice(0, MAX_LINE_CHARS - 1)}…`;
    // Printed lines and log() lines are timed by different clocks: never let one go back in
    // time, so that a reader following the tail by time loses none.
    const t = Math.max(line.t, this.lines.at(-1)?.t ?? 0);
    this.lines.push(text === line.text && t === line.t ? line : { ...line, t, text });
    if (this.lines.length > MAX_LINES) this.omittedBytes += Buffer.byteLength(this.lines.shift()!.text) + 1;
    this.dirty = true;
    this.schedule();
  }

  /** No more saves: the run's own record takes over. */
  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  /** What a save writes now. */
  snapshot(): CapturedOutput {
    return { lines: [...this.lines], omittedBytes: this.omittedBytes, omittedAt: this.omittedBytes > 0 ? 0 : null };
  }

  private schedule(): void {
    if (this.timer !== null || this.saving || this.stopped) return;
    this.timer = setTimeout(() => void this.flush(), this.intervalMs);
    this.timer.unref();
  }

  private async flush(): Promise<void> {
    this.timer = null;
    if (this.stopped || !this.dirty) return;
    this.dirty = false;
    this.saving = true;
    try {
      await this.save(this.snapshot());
    } catch {
      this.dirty = true;
    } finally {
      this.saving = false;
    }
    if (this.dirty) this.schedule();
  }
}
