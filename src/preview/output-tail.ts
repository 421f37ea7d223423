import type { ChoreOutputLine } from "../chores/chore-run-view.js";

/** How many of a run's last output lines the preview keeps, as /api/runs shows a run's tail. */
export const OUTPUT_LINES = 200;

/**
 * The last `size` lines of a run's output, as they arrive: adding a line costs the same
 * however many came before (a script printing millions of lines must not slow the preview
 * down). Times never go back, as the live pages' cursors need: a printed line's time is the
 * script's own; a `log()` line arrives without one and is given the time since the script
 * started as the printed lines tell it (or since `start` before any was printed).
 */
export class OutputTail {
  #lines: ChoreOutputLine[] = [];
  #last = 0;
  /** When the script started, on performance.now()'s clock: the earliest a printed line says. */
  #scriptStart: number | null = null;

  constructor(
    private readonly start: number,
    private readonly size = OUTPUT_LINES,
  ) {}

  add(line: ChoreOutputLine, now = performance.now()): void {
    this.#scriptStart = Math.min(this.#scriptStart ?? Infinity, now - line.t);
    this.#push({ t: line.t, stream: line.stream, text: line.text });
  }

  addLog(text: string, now = performance.now()): void {
    this.#push({ t: Math.round(now - (this.#scriptStart ?? this.start)), stream: "log", text });
  }

  /** Keeps the last of `lines` instead (a run's output as its log records it, once it ended). */
  replace(lines: readonly ChoreOutputLine[]): void {
    this.#lines = lines.slice(-this.size).map((line) => ({ t: line.t, stream: line.stream, text: line.text }));
  }

  /** The kept lines, oldest first. */
  lines(): ChoreOutputLine[] {
    return this.#lines.slice(-this.size);
  }

  #push(line: ChoreOutputLine): void {
    this.#last = Math.max(this.#last, line.t);
    this.#lines.push({ ...line, t: this.#last });
    // Trimmed in batches: each line is copied at most once.
    if (this.#lines.length >= 2 * this.size) this.#lines = this.#lines.slice(-this.size);
  }
}
