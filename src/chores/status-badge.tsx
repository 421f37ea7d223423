import type { ChoreRunView } from "./chore-run-view.js";
import { runUrl } from "./chores-paths.js";
import { statusWord } from "./run-status-word.js";
import { runStarter } from "./schedule-words.js";

/** A run's status word, styled by it (a colour and a shape, but the word says it all without them). */
export function StatusBadge(props: { run: Pick<ChoreRunView, "status" | "waiting_reason"> }) {
  const { word } = statusWord(props.run);
  return <span class={`status status-${word}`}>{word}</span>;
}

/** A run's status word linking to its page, with when it started and who ran it as a tooltip; a run not started yet says what it waits for. */
export function RunLink(props: { run: ChoreRunView }) {
  const { run } = props;
  const starter = runStarter(run);
  const title = [starter ? (run.trigger === "schedule" ? starter : `by ${starter}`) : null, run.started_at].filter((part) => part !== null).join(", ");
  const status = statusWord(run);
  const reason = !status.final && status.word !== "running" ? status.detail : null;
  return (
    <>
      <a href={runUrl(run.id)} title={title || undefined}>
        <StatusBadge run={run} />
      </a>
      {reason !== null ? <span class="status-reason"> ({reason})</span> : null}
    </>
  );
}
