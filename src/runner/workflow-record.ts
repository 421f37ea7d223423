import type { WorkflowEntry, WorkflowReport } from "../run-types.js";
import { MAX_WORKFLOW_STEPS, type StepReport, type WorkflowStepDescription } from "../sdk/protocol.js";
import type { Redact } from "./redact.js";
import { redactJson, TOO_DEEP } from "./redact-value.js";
import { stateChanges } from "./state-changes.js";

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
 * A state that is not kept (over `stateLimit` as JSON, or nested too deep to redact) leaves
 * the record's state as it was: the entry is still recorded, with no changes.
 */
export class WorkflowRecord {
  private readonly declared: WorkflowReport["declared"];
  private readonly entries: WorkflowEntry[] = [];
  private state: unknown = null;
  private started = false;
  private refusedReports = 0;
  private readonly stateLimit: number;
  private readonly redact: Redact;

  constructor(o: { steps: readonly WorkflowStepDescription[]; stateLimit: number; redact?: Redact }) {
    this.declared = o.steps.map(({ name, rollback }) => ({ name, rollback }));
    this.stateLimit = o.stateLimit;
    this.redact = o.redact ?? ((text) => text);
  }

  /** Folds `report` in; the whole record to persist, or null when it is refused (see above). */
  add(report: StepReport): WorkflowReport | null {
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

  private acceptable(report: StepReport): boolean {
    const { entries } = this;
    if (report.seq !== entries.length + 1 || entries.length >= 2 * Math.min(this.declared.length, MAX_WORKFLOW_STEPS)) return false;
    if (!this.declared.some(({ name }) => name === report.step)) return false;
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
