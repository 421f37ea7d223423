import type { LoggedInput } from "../run-types.js";
import type { ChoreRunView } from "./chore-run-view.js";
import { cancelUrl, choreUrl, CHORES_PATH } from "./chores-paths.js";
import type { ChoresUser } from "./chores-pages-deps.js";
import { CSRF_FIELD } from "./form-names.js";
import { formatBytes } from "./format-bytes.js";
import { httpUrl } from "./http-url.js";
import { formatDuration, formatOffset, formatTime } from "./format-time.js";
import { Layout } from "./layout.js";
import { statusWord } from "./run-status-word.js";
import { StatusBadge } from "./status-badge.js";
import { stripTerminalEscapes } from "./strip-terminal-escapes.js";

/** The most output lines a page shows (the view is a tail already), and the most characters of a result. */
const MAX_LINES = 2000;
const MAX_RESULT_CHARS = 64 * 1024;

export interface RunPageProps {
  user: ChoresUser;
  csrf: string;
  run: ChoreRunView;
  /** The user may cancel it (it is not over, and they may run the repository's chores). */
  canCancel: boolean;
  /** Said at the top (a cancel request was recorded…). */
  notice?: string | null;
}

/**
 * A run: who ran it, with which inputs, its status (reloading itself every few seconds until
 * it is final), its output and `log()` lines, counters, progress, result and message, and a
 * link to its committed log once there is one. Everything the script produced is shown as
 * text: terminal escapes stripped, the rest escaped.
 */
export function RunPage(props: RunPageProps) {
  const { run } = props;
  const status = statusWord(run);
  const [owner, repo] = run.repository.split("/");
  const title = run.chore ?? run.script;
  return (
    <Layout title={`${title} run ${run.id}`} user={props.user} csrf={props.csrf} refresh={!status.final}>
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
        {title} <StatusBadge run={run} />
      </h1>
      {props.notice ? (
        <p class="notice" role="status">
          {props.notice}
        </p>
      ) : null}
      {status.detail !== null ? <p class="notice">{clean(status.detail)}</p> : null}
      {!status.final ? <p class="notice">This page reloads itself every 5 seconds until the run is over.</p> : null}
      {run.message !== null ? <p class={status.final && status.word !== "succeeded" ? "problem" : "notice"}>{clean(run.message)}</p> : null}
      {props.canCancel && !status.final ? (
        <form method="post" action={cancelUrl(run.id)} class="cancel">
          <input type="hidden" name={CSRF_FIELD} value={props.csrf} />
          <button type="submit">Cancel this run</button>
        </form>
      ) : null}
      <dl class="facts">
        <dt>Run</dt>
        <dd>
          <code>{run.id}</code>
        </dd>
        <dt>Status</dt>
        <dd>{status.word}</dd>
        <dt>Run by</dt>
        <dd>{run.requested_by ?? (run.trigger === "merge" ? "a merge" : "unknown")}</dd>
        <dt>Started from</dt>
        <dd>{run.trigger === "ui" ? "the chores page" : run.trigger}</dd>
        <dt>Chore version</dt>
        <dd>
          <code>{run.script}</code> at commit <code>{run.commit.slice(0, 7)}</code>
        </dd>
        <dt>Started</dt>
        <dd>{run.started_at ? <time datetime={run.started_at}>{formatTime(run.started_at)}</time> : "not yet"}</dd>
        {run.finished_at ? (
          <>
            <dt>Finished</dt>
            <dd>
              <time datetime={run.finished_at}>{formatTime(run.finished_at)}</time>
            </dd>
          </>
        ) : null}
        {run.duration_ms !== null ? (
          <>
            <dt>Duration</dt>
            <dd>{formatDuration(run.duration_ms)}</dd>
          </>
        ) : null}
        {run.progress !== null ? (
          <>
            <dt>Progress</dt>
            <dd>{run.progress}</dd>
          </>
        ) : null}
        <dt>Log</dt>
        <dd>
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
      {run.result !== null && run.result !== undefined ? (
        <>
          <h2>Result</h2>
          <pre class="result">{resultText(run.result)}</pre>
        </>
      ) : null}
      <h2>Output</h2>
      <Output lines={run.output ?? []} />
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

function Output(props: { lines: NonNullable<ChoreRunView["output"]> }) {
  if (props.lines.length === 0) return <p>No output.</p>;
  const lines = props.lines.slice(-MAX_LINES);
  const left = props.lines.length - lines.length;
  return (
    <>
      {left > 0 ? <p class="notice">The first {left} lines are left out; the committed log has the output as recorded.</p> : null}
      <pre class="output">
        {lines.map((line, i) => (
          <span key={i} class={line.stream}>
            <span class="t">{formatOffset(line.t)}</span> {line.stream === "log" ? "log: " : line.stream === "stderr" ? "err: " : ""}
            {clean(line.text)}
            {"\n"}
          </span>
        ))}
      </pre>
    </>
  );
}

/** A result as indented JSON, cut past MAX_RESULT_CHARS. */
function resultText(result: unknown): string {
  let text: string;
  try {
    text = typeof result === "string" ? result : (JSON.stringify(result, null, 2) ?? String(result));
  } catch {
    text = String(result);
  }
  text = clean(text);
  return text.length > MAX_RESULT_CHARS ? `${text.slice(0, MAX_RESULT_CHARS)}\n… (cut here; the committed log has all of it)` : text;
}

function clean(text: string): string {
  return stripTerminalEscapes(text);
}
