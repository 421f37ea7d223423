import { formatDuration } from "./format-duration.js";
import { csvInputOf, iterationOf } from "./iteration-mark.js";
import { parseDuration, type Duration } from "./parse-duration.js";
import { DEFAULT_BATCH_SIZE, MAX_BATCH_SIZE, MAX_ITERATION_PAUSE_MS, type IterationDescription } from "./protocol.js";

/** What is wrong with an iteration's option, and the option it is about. */
export class IterationOptionError extends Error {
  constructor(
    readonly option: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "IterationOptionError";
  }
}

/** The iteration's options as describeScript reports them, or null when `script` is no iteration. */
export function describeIterationOf(script: unknown): IterationDescription | null {
  const definition = iterationOf(script);
  return definition === null ? null : describeIteration(definition);
}

/**
 * An iteration's options, defaults filled in: `batchSize` a whole number from 1 to
 * MAX_BATCH_SIZE, `pause` a duration up to MAX_ITERATION_PAUSE_MS, counted when it has `count`
 * or reads a CSV file (csvRows). The SDK (at defineScript) and the static reader (on the
 * literals it read) both call this; it throws an IterationOptionError naming the option.
 */
export function describeIteration(definition: { batchSize?: unknown; pause?: unknown; count?: unknown; collection?: unknown }): IterationDescription {
  const { batchSize, pause, count } = definition;
  if (batchSize !== undefined && !isBatchSize(batchSize)) {
    throw new IterationOptionError(
      "batchSize",
      `batchSize must be a whole number from 1 to ${MAX_BATCH_SIZE.toLocaleString("en-US")} (items per batch and per checkpoint), not ${shown(batchSize)}`,
    );
  }
  const pauseMs = pause === undefined ? 0 : pauseOf(pause);
  if (count !== undefined && typeof count !== "function") {
    throw new IterationOptionError("count", `count must be a function of the inputs that returns how many items there are, not ${shown(count)}`);
  }
  const csv = csvInputOf(definition.collection);
  return { batchSize: batchSize ?? DEFAULT_BATCH_SIZE, pauseMs, counted: count !== undefined || csv !== null, csv };
}

const isBatchSize = (value: unknown): value is number => Number.isInteger(value) && (value as number) >= 1 && (value as number) <= MAX_BATCH_SIZE;

function pauseOf(pause: unknown): number {
  let ms: number;
  try {
    ms = parseDuration(pause as Duration);
  } catch (error) {
    throw new IterationOptionError("pause", `pause: ${(error as Error).message}`, { cause: error });
  }
  if (ms > MAX_ITERATION_PAUSE_MS) {
    throw new IterationOptionError(
      "pause",
      `pause ${shown(pause)} is longer than the longest pause between batches, ${formatDuration(MAX_ITERATION_PAUSE_MS)}`,
    );
  }
  return ms;
}

const shown = (value: unknown): string => (typeof value === "function" ? "a function" : (JSON.stringify(value) ?? String(value)));
