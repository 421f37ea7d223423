import { Fragment } from "preact";
import type { ScheduleDescription } from "../sdk/protocol.js";
import type { ScheduleState } from "../stores/schedule-states.js";
import type { ChoreRunView } from "./chore-run-view.js";
import { runUrl } from "./chores-paths.js";
import { CSRF_FIELD } from "./form-names.js";
import { formatTime } from "./format-time.js";
import { describeScheduleRetries, describeScheduleRule, describeTry, formatOccurrence } from "./schedule-words.js";
import { RunLink } from "./status-badge.js";

/** The Pause/Resume form's field saying which of the two the person pressed (a second press of a stale page changes nothing). */
export const SCHEDULE_ACTION_FIELD = "action";
export const SCHEDULE_ACTIONS = ["pause", "resume"] as const;
export type ScheduleAction = (typeof SCHEDULE_ACTIONS)[number];

/** How many of the chore's scheduled runs the panel lists. */
const SCHEDULED_RUNS = 5;

export interface SchedulePanelProps {
  schedule: ScheduleDescription;
  /** Its next occurrence (ms) and kept state, read now; null when the pages have no schedules (the local preview). */
  live: { next: number | null; state: ScheduleState } | null;
  /** The chore's latest runs, newest first: the panel lists the scheduled ones. */
  history: ChoreRunView[];
  /** The Pause/Resume form, for who may run the chore. */
  toggle: { action: string; csrf: string } | null;
  /** What a Pause or Resume just did or why it did nothing. */
  notice: string | null;
}

/** A scheduled chore's panel: when it runs, its next occurrence, whether and by whom it is paused, its last runs and the switch. */
export function SchedulePanel(props: SchedulePanelProps) {
  const { schedule, live } = props;
  const paused = live?.state.paused ?? null;
  const runs = props.history.filter((run) => run.trigger === "schedule").slice(0, SCHEDULED_RUNS);
  return (
    <section id="schedule" class="schedule">
      <h2>Schedule</h2>
      {props.notice !== null ? (
        <p class="notice" role="status">
          {props.notice}
        </p>
      ) : null}
      <dl class="facts">
        <dt>Runs</dt>
        <dd id="schedule-rule">
          <code>{describeScheduleRule(schedule)}</code>
        </dd>
        <dt>Tries</dt>
        <dd>{describeScheduleRetries(schedule)}</dd>
        {live !== null ? (
          <>
            <dt>State</dt>
            <dd id="schedule-state">{paused ? `Paused by ${paused.by} since ${formatTime(paused.at)}` : "Runs on time"}</dd>
            <dt>Next occurrence</dt>
            <dd id="schedule-next">
              {live.next !== null ? (
                <time datetime={new Date(live.next).toISOString()}>{formatOccurrence(live.next, schedule.timezone)}</time>
              ) : paused ? (
                "none while paused"
              ) : (
                "none: chorebot has not set this schedule up (it does when the chore is indexed with a valid schedule)"
              )}
            </dd>
            <dt>Last success</dt>
            <dd id="schedule-last-success">
              {live.state.lastSuccessAt ? <time datetime={live.state.lastSuccessAt}>{formatTime(live.state.lastSuccessAt)}</time> : "none yet"}
            </dd>
            {live.state.last ? (
              <>
                <dt>Last end</dt>
                <dd id="schedule-last-end">
                  <a href={runUrl(live.state.last.runId)}>{live.state.last.status}</a> at {formatTime(live.state.last.at)}
                  {live.state.failing ? " (failing: its last occurrence failed after every try)" : ""}
                </dd>
              </>
            ) : null}
          </>
        ) : null}
        <dt>Scheduled runs</dt>
        <dd id="schedule-runs">
          {runs.length === 0
            ? "none among the chore's latest runs"
            : runs.map((run) => (
                <Fragment key={run.id}>
                  <RunLink run={run} /> {run.schedule ? <span class="run-occurrence">{scheduledTry(run.schedule)} </span> : null}
                </Fragment>
              ))}
        </dd>
      </dl>
      {props.toggle !== null && live !== null ? (
        <form id="schedule-switch" method="post" action={props.toggle.action}>
          <input type="hidden" name={CSRF_FIELD} value={props.toggle.csrf} />
          <input type="hidden" name={SCHEDULE_ACTION_FIELD} value={paused ? "resume" : "pause"} />
          <button type="submit" class={paused ? undefined : "secondary"}>
            {paused ? "Resume" : "Pause"}
          </button>
        </form>
      ) : null}
    </section>
  );
}

/** `2026-12-07 02:00:00 UTC, try 2 of 3`: which occurrence a run was, and which try. */
function scheduledTry(schedule: NonNullable<ChoreRunView["schedule"]>): string {
  const attempt = describeTry(schedule);
  return `(${formatTime(schedule.occurrence_at)}${attempt ? `, ${attempt}` : ""})`;
}
