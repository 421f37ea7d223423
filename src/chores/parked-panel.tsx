import { decisionSentence } from "../runlog/decision-words.js";
import { resumeWords, rollbackWords } from "../runlog/interrupted-words.js";
import type { ChoreRunView } from "./chore-run-view.js";
import { decideUrl } from "./chores-paths.js";
import { CSRF_FIELD } from "./form-names.js";
import { formatTime } from "./format-time.js";
import { stripTerminalEscapes } from "./strip-terminal-escapes.js";

/** The decision field of the panel's forms, and the signal's payload. */
export const DECISION_FIELD = "decision";
export const PAYLOAD_FIELD = "payload";
/** The signal the Continue form was shown for: posted after the run waits for another, it delivers nothing. */
export const SIGNAL_FIELD = "signal";
/** When the interruption the Resume and Roll back forms were shown for began: posted after the run was interrupted again, they decide nothing. */
export const INTERRUPTED_FIELD = "interrupted-since";
/** When the pause the Resume form was shown for began: posted after the run was resumed and paused again, it decides nothing. */
export const PAUSED_FIELD = "paused-since";

export interface ParkedPanelProps {
  run: Pick<ChoreRunView, "id" | "waiting" | "interrupted" | "paused" | "decisions">;
  login: string;
  csrf: string;
  /** The user has the chore's permission (what running it needs): they may decide. */
  canDecide: boolean;
  /** The permission deciding needs, for the sentence that says why the buttons are missing. */
  required: string;
}

/**
 * What a parked run waits for, and the buttons that decide it: Approve and Reject for
 * approvals (not for who asked), Continue for a signal (an optional JSON payload), Resume and
 * Roll back for an interrupted workflow, Resume for an interrupted or a paused iteration (it has
 * no rollbacks). Every name here (signal, step, login) is a text node.
 */
export function ParkedPanel(props: ParkedPanelProps) {
  const { run } = props;
  const key = parkedKey(run);
  // Once it moved on, who decided what stays on the page.
  if (key === null)
    return (
      <div id="run-parked" data-parked="">
        <Decisions decisions={run.decisions ?? []} />
      </div>
    );
  return (
    <div id="run-parked" class="parked" data-parked={key}>
      {run.waiting ? <Waiting {...props} waiting={run.waiting} /> : null}
      {run.interrupted ? <Interrupted {...props} interrupted={run.interrupted} /> : null}
      {run.paused ? <Paused {...props} paused={run.paused} /> : null}
      <Decisions decisions={run.decisions ?? []} />
    </div>
  );
}

/** What the panel shows, as a key: the live page reloads when it changes (a decision moved the run on). */
export function parkedKey(run: Pick<ChoreRunView, "waiting" | "interrupted" | "paused" | "decisions">): string | null {
  const given = run.waiting?.approvals?.given.length ?? 0;
  if (run.waiting) return JSON.stringify(["waiting", run.waiting.signal, run.waiting.step, given, run.decisions?.length ?? 0]);
  if (run.interrupted) return JSON.stringify(["interrupted", run.interrupted.step, run.decisions?.length ?? 0]);
  if (run.paused) return JSON.stringify(["paused", run.paused.since, run.decisions?.length ?? 0]);
  return null;
}

function Waiting(props: ParkedPanelProps & { waiting: NonNullable<ChoreRunView["waiting"]> }) {
  const { waiting, login } = props;
  const until = waiting.deadline === null ? null : <time datetime={waiting.deadline}>{formatTime(waiting.deadline)}</time>;
  const approvals = waiting.approvals;
  if (approvals) {
    const given = approvals.given.map((g) => clean(g.by));
    const own = waiting.requested_by !== null && waiting.requested_by.toLowerCase() === login.toLowerCase();
    const already = approvals.given.some((g) => g.by.toLowerCase() === login.toLowerCase());
    return (
      <section aria-labelledby="parked-title">
        <h2 id="parked-title">Waiting for approval</h2>
        <p id="parked-what">
          Waiting for {approvals.count} {approvals.count === 1 ? "approval" : "approvals"} ({approvals.given.length} given
          {given.length > 0 ? ` by ${given.join(", ")}` : ""}){waiting.requested_by !== null ? `; asked by ${clean(waiting.requested_by)}` : ""}
          {until ? <>; until {until}, then it is cancelled</> : null}. Nothing of it has run yet.
        </p>
        {!props.canDecide ? (
          <p class="notice">Approving or rejecting this run needs {props.required} permission on its repository.</p>
        ) : own ? (
          <p class="notice" id="parked-own">
            You asked for this run, so you cannot approve it: another person with the chore's permission must. You may still reject it.
          </p>
        ) : already ? (
          <p class="notice">You have approved this run already.</p>
        ) : null}
        {props.canDecide ? (
          <div class="decide">
            {!own && !already ? <DecideButton {...props} decision="approve" label="Approve" what="Counts your approval; at the count the run starts." /> : null}
            <DecideButton {...props} decision="reject" label="Reject" what="Cancels the run: nothing of it runs." />
          </div>
        ) : null}
      </section>
    );
  }
  const step = waiting.step === null ? "The run" : `Step ${clean(waiting.step)}`;
  return (
    <section aria-labelledby="parked-title">
      <h2 id="parked-title">Waiting for a signal</h2>
      <p id="parked-what">
        {step} waits for signal {clean(waiting.signal)}
        {until ? <> until {until}; then the workflow rolls back</> : null}.
        {waiting.pull_request !== null ? ` An approving review of pull request #${waiting.pull_request} also continues it.` : ""}
      </p>
      {props.canDecide ? (
        <form method="post" action={decideUrl(props.run.id)} class="decide">
          <input type="hidden" name={CSRF_FIELD} value={props.csrf} />
          <input type="hidden" name={DECISION_FIELD} value="signal" />
          <input type="hidden" name={SIGNAL_FIELD} value={waiting.signal} />
          <label for="parked-payload">Payload (optional JSON: what the step's waitFor returns)</label>
          <textarea id="parked-payload" name={PAYLOAD_FIELD} rows={3} placeholder='{"ok": true}' />
          <button type="submit">Continue</button>
        </form>
      ) : (
        <p class="notice">Sending the signal needs {props.required} permission on its repository.</p>
      )}
      <p class="hint">
        Or by API:{" "}
        <code>
          POST /api/runs/{props.run.id}/signals/{clean(waiting.signal)}
        </code>{" "}
        with the JSON payload, or a <code>/chorebot continue {props.run.id}</code> comment.
      </p>
    </section>
  );
}

function Interrupted(props: ParkedPanelProps & { interrupted: NonNullable<ChoreRunView["interrupted"]> }) {
  if (props.interrupted.step === null) return <InterruptedIteration {...props} />;
  const step = clean(props.interrupted.step);
  return (
    <section aria-labelledby="parked-title">
      <h2 id="parked-title">Interrupted</h2>
      <p id="parked-what">
        Step {step} was interrupted: its worker was lost while it ran (<time datetime={props.interrupted.since}>{formatTime(props.interrupted.since)}</time>).
        Nothing was re-run on its own, and nothing will be: a person decides.
      </p>
      {props.canDecide ? (
        <div class="decide">
          <DecideButton {...props} decision="resume" label="Resume" what={`${resumeWords(step)}.`} since={props.interrupted.since} />
          <DecideButton {...props} decision="rollback" label="Roll back" what={`${rollbackWords(step)}.`} since={props.interrupted.since} />
        </div>
      ) : (
        <p class="notice">Resuming or rolling back this run needs {props.required} permission on its repository.</p>
      )}
      <p class="hint">
        Or <code>chorebot resume {props.run.id}</code> / <code>chorebot rollback {props.run.id}</code>, the API (
        <code>POST /api/runs/{props.run.id}/resume</code>), or a <code>/chorebot resume {props.run.id}</code> comment.
      </p>
    </section>
  );
}

/** An iteration whose attempt was lost or failed: Resume goes on from its last checkpoint; it has no rollbacks. */
function InterruptedIteration(props: ParkedPanelProps & { interrupted: NonNullable<ChoreRunView["interrupted"]> }) {
  const { since } = props.interrupted;
  const failure = props.interrupted.failure ?? null;
  return (
    <section aria-labelledby="parked-title">
      <h2 id="parked-title">Interrupted</h2>
      <p id="parked-what">
        {failure === null ? "Its worker was lost while it ran" : `Its attempt failed: ${clean(failure)}`} (<time datetime={since}>{formatTime(since)}</time>).
        Nothing was re-run on its own, and nothing will be: a person decides.
      </p>
      {props.canDecide ? (
        <div class="decide">
          <DecideButton
            {...props}
            decision="resume"
            label="Resume"
            what="Goes on from the last checkpoint: the items of the batch in flight may be processed again, none before it."
            since={since}
          />
        </div>
      ) : (
        <p class="notice">Resuming this run needs {props.required} permission on its repository.</p>
      )}
      <p class="hint">
        Or <code>chorebot resume {props.run.id}</code>, the API (<code>POST /api/runs/{props.run.id}/resume</code>), or a{" "}
        <code>/chorebot resume {props.run.id}</code> comment. To give up on it, cancel it.
      </p>
    </section>
  );
}

/** An iteration a person paused: it stopped after a batch, its checkpoint kept, until someone resumes it. */
function Paused(props: ParkedPanelProps & { paused: NonNullable<ChoreRunView["paused"]> }) {
  const { since, by } = props.paused;
  return (
    <section aria-labelledby="parked-title">
      <h2 id="parked-title">Paused</h2>
      <p id="parked-what">
        Paused{by ? ` as ${clean(by)} asked` : ""} (<time datetime={since}>{formatTime(since)}</time>): it stopped after a batch, its checkpoint kept. Nothing
        runs until a person resumes it.
      </p>
      {props.canDecide ? (
        <div class="decide">
          <DecideButton {...props} decision="resume" label="Resume" what="Goes on from its checkpoint, with the next item." pausedSince={since} />
        </div>
      ) : (
        <p class="notice">Resuming this run needs {props.required} permission on its repository.</p>
      )}
      <p class="hint">
        Or <code>chorebot resume {props.run.id}</code>, the API (<code>POST /api/runs/{props.run.id}/resume</code>), or a{" "}
        <code>/chorebot resume {props.run.id}</code> comment.
      </p>
    </section>
  );
}

function DecideButton(props: ParkedPanelProps & { decision: string; label: string; what: string; since?: string; pausedSince?: string }) {
  return (
    <form method="post" action={decideUrl(props.run.id)} class="decide-one">
      <input type="hidden" name={CSRF_FIELD} value={props.csrf} />
      <input type="hidden" name={DECISION_FIELD} value={props.decision} />
      {props.since === undefined ? null : <input type="hidden" name={INTERRUPTED_FIELD} value={props.since} />}
      {props.pausedSince === undefined ? null : <input type="hidden" name={PAUSED_FIELD} value={props.pausedSince} />}
      <button type="submit" id={`decide-${props.decision}`}>
        {props.label}
      </button>{" "}
      <span class="hint">{props.what}</span>
    </form>
  );
}

function Decisions(props: { decisions: NonNullable<ChoreRunView["decisions"]> }) {
  if (props.decisions.length === 0) return null;
  return (
    <>
      <h3>Decisions</h3>
      <ol id="parked-decisions">
        {props.decisions.map((d, i) => (
          <li key={i}>
            {clean(
              decisionSentence(
                d,
                (text) => text,
                (by) => by,
              ),
            )}
          </li>
        ))}
      </ol>
    </>
  );
}

function clean(text: string): string {
  return stripTerminalEscapes(text);
}
