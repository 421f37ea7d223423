import { formatDuration } from "../sdk/format-duration.js";
import type { IterationDescription } from "../sdk/protocol.js";
import { markdownText } from "./markdown-text.js";

/**
 * The summary's "Iterations" section: for each script or chore that is an iteration, how it
 * goes through its items (batch size, pause, whether it counts them, the CSV input). Empty when none is.
 */
export function renderIterations(scripts: readonly { path: string; iteration?: IterationDescription }[]): string[] {
  const iterating = scripts.filter((script): script is { path: string; iteration: IterationDescription } => script.iteration !== undefined);
  if (iterating.length === 0) return [];
  const lines = ["### Iterations", ""];
  for (const { path, iteration } of iterating) lines.push(`- **${markdownText(path)}**: ${iterationSentence(iteration)}`);
  lines.push("");
  return lines;
}

/** "Goes through the rows of the CSV input `codes` in batches of 500, checkpointed after each, 2s apart; counted for progress." */
export function iterationSentence({ batchSize, pauseMs, counted, csv }: IterationDescription): string {
  const what = csv === null ? "Goes through its collection" : `Goes through the rows of the CSV input \`${markdownText(csv)}\``;
  const pause = pauseMs === 0 ? "" : `, ${formatDuration(pauseMs)} apart`;
  const count = counted ? "counted for progress" : "not counted (progress without a total)";
  return `${what} in batches of ${batchSize.toLocaleString("en-US")} item${batchSize === 1 ? "" : "s"}, each checkpointed${pause}; ${count}. Pause and Resume go on from the last checkpoint.`;
}
