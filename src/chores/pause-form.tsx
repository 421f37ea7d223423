import { pauseUrl } from "./chores-paths.js";
import { CSRF_FIELD } from "./form-names.js";

export interface PauseFormProps {
  runId: string;
  /** The session's CSRF token. */
  csrf: string;
}

/**
 * A running iteration's Pause button (`POST /chores/runs/<run>/pause`), for who may decide on
 * the run: the page that renders it shows it only then, and the route checks it again.
 */
export function PauseForm(props: PauseFormProps) {
  return (
    <form method="post" action={pauseUrl(props.runId)} class="decide-one" id="run-pause">
      <input type="hidden" name={CSRF_FIELD} value={props.csrf} />
      <button type="submit" id="decide-pause" class="secondary">
        Pause
      </button>{" "}
      <span class="hint">Stops after the current batch, keeping its checkpoint; Resume goes on from there.</span>
    </form>
  );
}
