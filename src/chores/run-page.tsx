import type { LoggedInput } from "../run-types.js";
import { cancelUrl, choreUrl, CHORES_PATH, runEventsUrl } from "./chores-paths.js";
import type { ChoresUser } from "./chores-pages-deps.js";
import { CSRF_FIELD } from "./form-names.js";
import { formatBytes } from "../sdk/format-bytes.js";
import { httpUrl } from "./http-url.js";
import { formatDuration, formatOffset, formatTime } from "./format-time.js";
import { Layout } from "./layout.js";
import type { LiveRunView } from "./live/live-run-view.js";
import { cursorId, cursorOf, lineText, resultText, stateOf } from "./live/run-events.js";
import { statusWord } from "./run-status-word.js";
import { runStarter } from "./schedule-words.js";
import { StatusBadge } from "./status-badge.js";
import { stripTerminalEscapes } from "./strip-terminal-escapes.js";
import { WorkflowSteps } from "./workflow-steps.js";
import { ParkedPanel } from "./parked-panel.js";
import { IterationPanel } from "./iteration-panel.js";

/** How a run was started, in words (RunTrigger). */
const STARTED_FROM: Readonly<Record<string, string>> = {
  ui: "the chores page",
  comment: "a /chorebot comment",
  api: "the API",
  merge: "a merge",
  schedule: "the chore's schedule",
};

/** The most output lines a page shows (the view is a tail already). */
const MAX_LINES = 2000;

export interface RunPageProps {
  user: ChoresUser;
  csrf: string;
  run: LiveRunView;
  /** The user may cancel it (it is not over, and they may run the repository's chores). */
  canCancel: boolean;
  /** Said at the top (a cancel request was recorded…). */
  notice?: string | null;
  /** A parked run's decision buttons: whether the user may decide (null: deciding is not served here), and the permission it needs. */
  decide?: { allowed: boolean; required: string } | null;
}

/**
 * A run: who ran it, with which inputs, its status, its output and `log()` lines, counters,
 * progress, a workflow's steps, result and message, and a link to its committed log once there is one. Until it
 * is final, the live script follows its stream (`data-events`, from what this page shows) and
 * updates the elements with ids; without JavaScript the page reloads itself every few seconds.
 * Everything the script produced is shown as text: terminal escapes stripped, the rest escaped.
 */
export function RunPage(props: RunPageProps) {
  const { run } = props;
  const status = statusWord(run);
  const [owner, repo] = run.repository.split("/");
  const title = run.chore ?? run.script;
  return (
    <Layout title={`${title} run ${run.id}`} user={props.user} csrf={props.csrf} refresh={!status.final} live={!status.final}>
      <div id="run" data-events={status.final ? undefined : runEventsUrl(run.id, cursorId(cursorOf(run)))}>
        <p>
          <a href={CHORES_PATH}>Chores</a> › {run.repository}
          {run.chore !== null && owner && repo ? (
            <>
              {" "}
              › <a href={choreUrl(owner, repo, run.chore)}>{run.chore}</a>
            </>
          ) : null}
        </p>
        <h1>
          {title}{" "}
          <span id="run-status">
            <StatusBadge run={run} />
          </span>
        </h1>
        {props.notice ? (
          <p class="notice" role="status">
            {props.notice}
          </p>
        ) : null}
        <p id="run-detail" class="notice" hidden={status.detail === null}>
          {status.detail === null ? "" : clean(status.detail)}
        </p>
        {!status.final ? (
          <>
            <noscript>
              <p class="notice">This page reloads itself every 5 seconds until the run is over.</p>
            </noscript>
            <p id="run-live" class="live" role="status" hidden>
              Connecting to the run…
            </p>
          </>
        ) : null}
        <p id="run-message" class={status.final && status.word !== "succeeded" ? "problem" : "notice"} hidden={run.message === null}>
          {run.message === null ? "" : clean(run.message)}
        </p>
        {props.decide ? (
          <ParkedPanel run={run} login={props.user.login} csrf={props.csrf} canDecide={props.decide.allowed} required={props.decide.required} />
        ) : null}
        <IterationPanel run={run} csrf={props.csrf} canPause={props.decide?.allowed ?? false} />
        {props.canCancel && !status.final && run.status !== "interrupted" ? (
          <form id="run-cancel" method="post" action={cancelUrl(run.id)} class="cancel">
            <input type="hidden" name={CSRF_FIELD} value={props.csrf} />
            <button type="submit">Cancel this run</button>
          </form>
        ) : null}
        <dl class="facts">
          <dt>Run</dt>
          <dd>
            <code>{run.id}</code>
          </dd>
          {run.name ? (
            <>
              <dt>Name</dt>
              <dd>
                <code>{clean(run.name)}</code>
              </dd>
            </>
          ) : null}
          <dt>Status</dt>
          <dd id="run-status-word">{status.word}</dd>
          <dt>Run by</dt>
          <dd>{runStarter(run) ?? (run.trigger === "merge" ? "a merge" : "unknown")}</dd>
          <dt>Started from</dt>
          <dd>{Object.hasOwn(STARTED_FROM, run.trigger) ? STARTED_FROM[run.trigger] : run.trigger}</dd>
          {run.schedule ? (
            <>
              <dt>Occurrence</dt>
              <dd id="run-occurrence">
                <time datetime={run.schedule.occurrence_at}>{formatTime(run.schedule.occurrence_at)}</time>, try {run.schedule.attempt} of{" "}
                {run.schedule.attempts}
              </dd>
            </>
          ) : null}
          <dt>Chore version</dt>
          <dd>
            <code>{run.script}</code> at commit <code>{run.commit.slice(0, 7)}</code>
          </dd>
          <dt>Started</dt>
          <dd id="run-started">{run.started_at ? <time datetime={run.started_at}>{formatTime(run.started_at)}</time> : "not yet"}</dd>
          <dt>Finished</dt>
          <dd id="run-finished">{run.finished_at ? <time datetime={run.finished_at}>{formatTime(run.finished_at)}</time> : "not yet"}</dd>
          <dt>Duration</dt>
          <dd id="run-duration">{run.duration_ms !== null ? formatDuration(run.duration_ms) : "not yet"}</dd>
          <dt>Progress</dt>
          <dd id="run-progress">
            <Progress run={run} />
          </dd>
          <dt>Log</dt>
          <dd id="run-log">
            {run.log === null ? (
              status.final ? (
                "no commit recorded for this run"
              ) : (
                "committed to the repository once the run is over"
              )
            ) : httpUrl(run.log.url) !== undefined ? (
              <a href={httpUrl(run.log.url)}>{run.log.path}</a>
            ) : (
              <>
                <code>{run.log.path}</code> at commit <code>{run.log.commit.slice(0, 7)}</code>
              </>
            )}
          </dd>
        </dl>
        <h2>Inputs</h2>
        <Inputs inputs={run.inputs} />
        <div id="run-counters">
          {run.counters !== null && Object.keys(run.counters).length > 0 ? (
            <>
              <h2>Counters</h2>
              <table class="counters">
                <tbody>
                  {Object.entries(run.counters).map(([name, value]) => (
                    <tr key={name}>
                      <th scope="row">{clean(name)}</th>
                      <td>{value}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          ) : null}
        </div>
        <div id="run-steps">
          <WorkflowSteps steps={stateOf(run).steps} />
        </div>
        <div id="run-result">
          {run.result !== null && run.result !== undefined ? (
            <>
              <h2>Result</h2>
              <pre class="result">{resultText(run.result)}</pre>
            </>
          ) : null}
        </div>
        <h2>Output</h2>
        <Output lines={run.output ?? []} />
      </div>
    </Layout>
  );
}

function Inputs(props: { inputs: Record<string, LoggedInput> | null }) {
  const entries = Object.entries(props.inputs ?? {});
  if (entries.length === 0) return <p>None.</p>;
  return (
    <table class="inputs">
      <tbody>
        {entries.map(([name, value]) => (
          <tr key={name}>
            <th scope="row">{clean(name)}</th>
            <td>{clean(inputText(value))}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** An input as its run's record shows it: a secret masked, a file by name, size and sha256. */
export function inputText(value: LoggedInput): string {
  if (value === null) return "(not given)";
  if (typeof value !== "object") return String(value);
  if ("secret" in value) return "•••••• (secret)";
  return `${value.file} (${formatBytes(value.bytes)}, sha256 ${value.sha256})`;
}

/** A bar with the count and share done when the script gave a total, else the number it reported. */
function Progress(props: { run: LiveRunView }) {
  const { done, total, progress } = stateOf(props.run);
  if (done === null || total === null) return <>{progress === null ? "none reported" : String(progress)}</>;
  return (
    <>
      <progress max={total} value={Math.min(done, total)} /> {done} of {total} ({Math.round((100 * done) / total)}%)
    </>
  );
}

/** The output's lines (the live script appends to the same elements, and says the same notes). */
function Output(props: { lines: NonNullable<LiveRunView["output"]> }) {
  const lines = props.lines.slice(-MAX_LINES);
  const left = props.lines.length - lines.length;
  return (
    <>
      <p id="run-output-empty" hidden={props.lines.length > 0}>
        No output.
      </p>
      <p id="run-output-note" class="notice" hidden={left === 0}>
        {left > 0 ? `The first ${left} lines are left out here; the committed log has the output as recorded.` : ""}
      </p>
      <pre id="run-output" class="output">
        {lines.map((line, i) => (
          <span key={i} class={line.stream}>
            <span class="t">{formatOffset(line.t)}</span> {line.stream === "log" ? "log: " : line.stream === "stderr" ? "err: " : ""}
            {lineText(line.text)}
            {"\n"}
          </span>
        ))}
      </pre>
    </>
  );
}

function clean(text: string): string {
  return stripTerminalEscapes(text);
}
