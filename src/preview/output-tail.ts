import type { ChoreOutputLine } from "../chores/chore-run-view.js";

/** How many of a run's last output lines the preview keeps, as /api/runs shows a run's tail. */
export const OUTPUT_LINES = 200;

/**
 * The last `size` lines of a run's output: adding a line costs the same however many came
 * before (a script printing millions of lines must not slow the preview down).
 */
export class OutputTail {
  #lines: ChoreOutputLine[] = [];

  constructor(private readonly size = OUTPUT_LINES) {}

  add(line: ChoreOutputLine): void {
    this.#lines.push({ t: line.t, stream: line.stream, text: line.text });
    // Trimmed in batches: each line is copied at most once.
    if (this.#lines.length >= 2 * this.size) this.#lines = this.#lines.slice(-this.size);
  }

  /** Keeps the last of `lines` instead (a run's output as its log records it, once it ended). */
  replace(lines: readonly ChoreOutputLine[]): void {
    this.#lines = [];
    for (const line of lines.slice(-this.size)) this.add(line);
  }

  /** The kept lines, oldest first. */
  lines(): ChoreOutputLine[] {
    return this.#lines.slice(-this.size);
  }
}
