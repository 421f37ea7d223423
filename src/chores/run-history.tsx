import type { ChoreRunView } from "./chore-run-view.js";
import { historyEventsUrl, runUrl } from "./chores-paths.js";
import { formatDuration, formatTime } from "./format-time.js";
import { statusWord } from "./run-status-word.js";
import { runStarter } from "./schedule-words.js";
import { StatusBadge } from "./status-badge.js";

/** Whether any of the runs is not over: the page then follows them live. */
export function hasLiveRuns(runs: ChoreRunView[]): boolean {
  return runs.some((run) => !statusWord(run).final);
}

/**
 * A chore's latest runs, newest first. The rows of runs not over yet carry their id, and the
 * table the stream that follows them, for the live script to update their cells.
 */
export function RunHistory(props: { runs: ChoreRunView[] }) {
  if (props.runs.length === 0) return <p>No runs yet.</p>;
  const live = props.runs.filter((run) => !statusWord(run).final).map((run) => run.id);
  return (
    <>
      {live.length > 0 ? <p id="history-live" class="live" role="status" hidden></p> : null}
      <table class="history" data-events={live.length > 0 ? historyEventsUrl(live) : undefined}>
        <thead>
          <tr>
            <th>Status</th>
            <th>Started</th>
            <th>Duration</th>
            <th>Run by</th>
            <th>Run</th>
          </tr>
        </thead>
        <tbody>
          {props.runs.map((run) => (
            <tr key={run.id} data-run={live.includes(run.id) ? run.id : undefined}>
              <td class="run-status">
                <StatusBadge run={run} />
              </td>
              <td class="run-started">{run.started_at ? <time datetime={run.started_at}>{formatTime(run.started_at)}</time> : "not yet"}</td>
              <td class="run-duration">{run.duration_ms === null ? "" : formatDuration(run.duration_ms)}</td>
              <td>{runStarter(run) ?? ""}</td>
              <td>
                {run.name ? <span class="run-name">{run.name} </span> : null}
                <a href={runUrl(run.id)}>{run.id}</a>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
