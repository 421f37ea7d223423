import type { ChoreRunView } from "./chore-run-view.js";
import { runUrl } from "./chores-paths.js";
import { formatDuration, formatTime } from "./format-time.js";
import { StatusBadge } from "./status-badge.js";

/** A chore's latest runs, newest first. */
export function RunHistory(props: { runs: ChoreRunView[] }) {
  if (props.runs.length === 0) return <p>No runs yet.</p>;
  return (
    <table class="history">
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
          <tr key={run.id}>
            <td>
              <StatusBadge run={run} />
            </td>
            <td>{run.started_at ? <time datetime={run.started_at}>{formatTime(run.started_at)}</time> : "not yet"}</td>
            <td>{run.duration_ms === null ? "" : formatDuration(run.duration_ms)}</td>
            <td>{run.requested_by ?? ""}</td>
            <td>
              <a href={runUrl(run.id)}>{run.id}</a>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
