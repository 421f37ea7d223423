const PAUSED = Symbol.for("chorebot.iteration-paused");

/**
 * Thrown out of an iteration's run once a batch was checkpointed and its ack asked the run to
 * pause: the runtime then ends the process with exit code 0 and no result; the run goes on
 * from the checkpoint in a fresh process once a person resumes it.
 */
export class IterationPaused extends Error {
  readonly [PAUSED] = true;
  constructor(
    readonly seq: number,
    readonly done: number,
  ) {
    super(`paused after batch ${seq} (${done} items done)`);
    this.name = "IterationPaused";
  }
}

export function isIterationPaused(error: unknown): error is IterationPaused {
  return typeof error === "object" && error !== null && (error as Record<symbol, unknown>)[PAUSED] === true;
}
