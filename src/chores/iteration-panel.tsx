import type { ChoreRunView } from "./chore-run-view.js";
import { iterationShown } from "./iteration-shown.js";
import { PauseForm } from "./pause-form.js";

export interface IterationPanelProps {
  run: Pick<ChoreRunView, "id" | "iteration" | "paused" | "pause_requested" | "status">;
  csrf: string;
  /** The user may decide on the run (the chore's permission): a running iteration's Pause button shows. */
  canPause: boolean;
}

/**
 * An iteration's progress on its run page: a bar, items done of the total, the rate and time
 * left, the last checkpoint, the batch in flight, and who paused it since when. Each value is
 * in an element with an id the live script updates (iteration-shown.ts says the same words);
 * all of it is text nodes. A running iteration that is not already pausing has a Pause button.
 */
export function IterationPanel(props: IterationPanelProps) {
  const shown = iterationShown(props.run);
  if (shown === null) return null;
  const pausable = props.canPause && props.run.status === "running" && !props.run.pause_requested;
  return (
    <section id="run-iteration" class="iteration" aria-labelledby="iteration-title">
      <h2 id="iteration-title">Iteration</h2>
      <p class="progress">
        <progress id="iteration-bar" max={shown.total ?? undefined} value={shown.total === null ? undefined : Math.min(shown.done, shown.total)} />{" "}
        <span id="iteration-line">{shown.line}</span>
      </p>
      <p id="iteration-pause" class="notice" role="status" hidden={shown.pause === null}>
        {shown.pause ?? ""}
      </p>
      <dl class="facts">
        <dt>Rate</dt>
        <dd id="iteration-rate">{shown.rate ?? "not running"}</dd>
        <dt>Time left</dt>
        <dd id="iteration-eta">{shown.eta ?? "unknown"}</dd>
        <dt>Checkpoint</dt>
        <dd id="iteration-checkpoint">{shown.checkpoint ?? "none yet"}</dd>
        <dt>In flight</dt>
        <dd id="iteration-in-flight">{shown.inFlight ?? "none"}</dd>
      </dl>
      {pausable ? <PauseForm runId={props.run.id} csrf={props.csrf} /> : null}
    </section>
  );
}
