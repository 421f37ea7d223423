import type { WorkflowEntry, WorkflowReport } from "../run-types.js";
import { MAX_WORKFLOW_STEPS, type Resumption, type StepReport, type WorkflowStepDescription } from "../sdk/protocol.js";
import type { Redact } from "./redact.js";
import { redactJson, TOO_DEEP } from "./redact-value.js";
import { stateChanges } from "./state-changes.js";
import { isAllowedWait } from "./step-wait.js";

const MAX_ERROR_CHARS = 1000;
const TRUNCATED = " […]";

/**
 * A workflow run's record, folded from its step reports: each becomes an entry with its error
 * redacted and cut to one line, and what it changed in the state (stateChanges over the
 * redacted states); the record keeps the last state, redacted.
 *
 * A report is refused (null: not persisted, so never acked) when it cannot be the workflow's
 * next one: its `seq` is not the next number, its step is not declared, the step already has
 * an entry in that direction, it runs a step out of the declared order or after the walk back
 * began, it rolls back a step that did not run or declares no rollback, or it comes after a
 * rollback that failed (the walk stopped there). So a script that lies or floods the channel
 * gets at most two entries per declared step, and never more than 2 × MAX_WORKFLOW_STEPS.
 *
 * A `waiting` report (a step's run that waits for a signal, `wait` well-formed: isAllowedWait)
 * may only be the next step's run, and nothing may follow it in the same process.
 *
 * A workflow that goes on in a fresh process (`resume`) is seeded with the `earlier` record:
 * its entries stay, and reports are numbered on from `resume.seq` + 1. Its `waiting` entries
 * are superseded (the step runs again from its start), so step `resume.from` runs next; with
 * `resume.rollback`, the run of `from` counts as failed (by the rollback's reason), and only
 * rollbacks may follow: `from`'s own, if it declares one, then those of the steps before it.
 *
 * A state that is not kept (over `stateLimit` as JSON, or nested too deep to redact) leaves
 * the record's state as it was: the entry is still recorded, with no changes.
 */
export class WorkflowRecord {
  private readonly declared: WorkflowReport["declared"];
  private readonly entries: WorkflowEntry[];
  /** How many of `entries` an earlier process recorded. */
  private readonly earlier: number;
  /** The `seq` of the first report of this process, less one, less `earlier`. */
  private readonly seqOffset: number;
  private readonly resume: Resumption | null;
  private state: unknown;
  private started: boolean;
  private refusedReports = 0;
  private spokeAfterWait = false;
  private readonly stateLimit: number;
  private readonly redact: Redact;

  constructor(o: { steps: readonly WorkflowStepDescription[]; stateLimit: number; redact?: Redact; earlier?: WorkflowReport; resume?: Resumption }) {
    this.declared = o.steps.map(({ name, rollback }) => ({ name, rollback }));
    this.stateLimit = o.stateLimit;
    this.redact = o.redact ?? ((text) => text);
    this.resume = o.resume ?? null;
    this.entries = this.resume === null ? [] : [...(o.earlier?.entries ?? [])];
    this.earlier = this.entries.length;
    this.seqOffset = (this.resume?.seq ?? 0) - this.earlier;
    this.started = this.earlier > 0;
    this.state = this.started ? (o.earlier?.state ?? null) : null;
  }

  /** Folds `report` in; the whole record to persist, or null when it is refused (see above). */
  add(report: StepReport): WorkflowReport | null {
    if (this.waiting() !== null) this.spokeAfterWait = true;
    if (!this.acceptable(report)) {
      this.refusedReports += 1;
      return null;
    }
    const { redact } = this;
    if (!this.started && report.before !== undefined) {
      // The state it started from: the first step's changes are told against it.
      const before = this.kept(redactJson(report.before, redact));
      if (before !== NOT_KEPT) {
        this.state = before;
        this.started = true;
      }
    }
    const state = this.kept(redactJson(report.state, redact));
    const { changes, more } = state === NOT_KEPT ? { changes: [], more: 0 } : stateChanges(this.started ? this.state : undefined, state);
    if (state !== NOT_KEPT) {
      this.state = state;
      this.started = true;
    }
    this.entries.push({
      step: report.step,
      direction: report.direction,
      outcome: report.outcome,
      startedAt: report.startedAt,
      durationMs: Math.round(report.durationMs),
      error: report.error === null ? null : oneLine(redact(report.error)),
      changes,
      moreChanges: more,
      ...(report.wait === undefined ? {} : { wait: { ...report.wait } }),
    });
    return this.report();
  }

  report(): WorkflowReport {
    return { declared: this.declared.map((step) => ({ ...step })), entries: [...this.entries], state: this.state };
  }

  /** The entry for the report just folded in. */
  last(): WorkflowEntry | null {
    return this.entries.at(-1) ?? null;
  }

  /** How many reports were refused. */
  refused(): number {
    return this.refusedReports;
  }

  /** This process's `waiting` entry, when it reported one: always its last. */
  waiting(): WorkflowEntry | null {
    const last = this.entries.at(-1);
    return this.entries.length > this.earlier && last?.outcome === "waiting" ? last : null;
  }

  /** Whether the script sent a step report after its `waiting` one (all refused). */
  reportedAfterWait(): boolean {
    return this.spokeAfterWait;
  }

  /** Why the workflow walks back when a person or a timeout decided so (Resumption.rollback), else null. */
  failure(): string | null {
    return this.resume?.rollback?.reason ?? null;
  }

  /**
   * The entries to judge the workflow by (judgeWorkflow, the "can this be next" rules): the
   * earlier processes' `waiting` entries left out (superseded: the step ran again, or walks
   * back from `from`), a failed run of `from` where a decision rolls it back, then this
   * process's entries, but for a `waiting` one (the workflow waits: nothing failed).
   */
  judged(): WorkflowEntry[] {
    const earlier = this.entries.slice(0, this.earlier).filter(({ outcome }) => outcome !== "waiting");
    const failure = this.failure();
    const decided: WorkflowEntry[] =
      failure === null
        ? []
        : [
            {
              step: this.resume!.from,
              direction: "run",
              outcome: "cancelled",
              startedAt: new Date(0).toISOString(),
              durationMs: 0,
              error: failure,
              changes: [],
              moreChanges: 0,
            },
          ];
    const now = this.entries.slice(this.earlier).filter(({ outcome }) => outcome !== "waiting");
    return [...earlier, ...decided, ...now];
  }

  private acceptable(report: StepReport): boolean {
    const mine = this.entries.length - this.earlier;
    if (report.seq !== this.seqOffset + this.entries.length + 1 || mine >= 2 * Math.min(this.declared.length, MAX_WORKFLOW_STEPS)) return false;
    if (!this.declared.some(({ name }) => name === report.step)) return false;
    // A step that waits ends the process: nothing may come after it.
    if (this.waiting() !== null) return false;
    if ((report.outcome === "waiting") !== (report.wait !== undefined)) return false;
    if (report.wait !== undefined && (report.direction !== "run" || !isAllowedWait(report.wait))) return false;
    const entries = this.judged();
    if (entries.some(({ step, direction }) => step === report.step && direction === report.direction)) return false;
    // The walk back stopped at a rollback that did not succeed: nothing comes after it.
    if (entries.some(({ direction, outcome }) => direction === "rollback" && outcome !== "succeeded")) return false;
    // Once a step failed, or a rollback ran, the workflow only walks back.
    const walkingBack = entries.some(({ direction, outcome }) => direction === "rollback" || outcome !== "succeeded");
    if (report.direction === "run") {
      // Steps run in their declared order.
      const runs = entries.filter(({ direction }) => direction === "run").length;
      return !walkingBack && this.declared[runs]?.name === report.step;
    }
    // Only a step that ran (not vetoed) and declares a rollback is rolled back.
    const ran = entries.find(({ step, direction }) => step === report.step && direction === "run");
    return walkingBack && ran !== undefined && ran.outcome !== "vetoed" && this.declared.some(({ name, rollback }) => name === report.step && rollback);
  }

  private kept(state: unknown): unknown {
    if (state === TOO_DEEP) return NOT_KEPT;
    return Buffer.byteLength(JSON.stringify(state) ?? "null") > this.stateLimit ? NOT_KEPT : state;
  }
}

const NOT_KEPT = Symbol("not kept");

function oneLine(text: string): string {
  const line = text.replace(/\s*[\r\n]+\s*/g, " ").trim();
  return line.length <= MAX_ERROR_CHARS ? line : line.slice(0, MAX_ERROR_CHARS - TRUNCATED.length) + TRUNCATED;
}
