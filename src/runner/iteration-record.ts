import { MAX_SHOWN_CURSOR_CHARS, type CheckpointView, type IterationReport } from "../run-types.js";
import { MAX_CURSOR_BYTES, type BatchReport, type IterationDescription, type IterationResumption } from "../sdk/protocol.js";
import type { Redact } from "./redact.js";
import { redactJson, TOO_DEEP } from "./redact-value.js";

const CUT = "…";

/** Where the iteration stands for this process: the last checkpoint, its cursor as JSON (raw). */
interface Point {
  seq: number;
  done: number;
  cursor: string;
}

/**
 * An iteration run's record, folded from its batch reports. A report is refused (null: never
 * persisted, never acked, counted in `refused`) when it cannot be the iteration's next
 * checkpoint: its `seq` is not the last one's + 1, it holds more than `batchSize` items, or
 * none without being the `last` (an empty last batch says the collection had nothing left,
 * and keeps the cursor), its `done` is not the last one's plus its items, its cursor is over
 * MAX_CURSOR_BYTES as JSON, too deeply nested to redact, or JSON-equal to the last
 * checkpoint's (or to the start cursor: null, or the one it went on from), or it comes after
 * a `last` batch or after an ack that said pause. So a lying or flooding script gets nothing more checkpointed than an honest
 * one would, and never anything after it was told to stop.
 *
 * The record keeps the last checkpoint redacted (CheckpointView, its cursor one line of JSON
 * cut to MAX_SHOWN_CURSOR_CHARS); the raw cursor is only in the report handed to `onBatch`.
 * `progress` takes the script's progress messages (`done`: items processed in the run, the
 * checkpointed ones included, as BatchReport.done counts them) for the batch in flight.
 *
 * A process that goes on from a checkpoint (`resume`) is seeded with the `earlier` record:
 * batches are numbered on from `resume.seq`, and its first cursor must differ from `resume.cursor`.
 */
export class IterationRecord {
  private readonly batchSize: number;
  private readonly redact: Redact;
  private readonly now: () => Date;
  private readonly earlierRefused: number;
  private readonly resumedFrom: IterationReport["resumedFrom"];
  private point: Point;
  private checkpoint: CheckpointView | null;
  private total: number | null;
  /** Items processed in the run, as the script's progress last said. */
  private progressDone = 0;
  private refusedReports = 0;
  private pausedAfterAck = false;
  private lastAcked = false;
  /** The batch folded in last is `last`; finished once it is acked. */
  private lastFolded = false;
  private spokeAfterEnd = false;
  /** Where the record stood before the batch folded in last, until that batch is acked or not. */
  private beforeLast: { point: Point; checkpoint: CheckpointView | null; lastFolded: boolean } | null = null;

  constructor(o: { description: IterationDescription; earlier?: IterationReport; resume?: IterationResumption; redact?: Redact; now?: () => Date }) {
    this.batchSize = o.description.batchSize;
    this.redact = o.redact ?? ((text) => text);
    this.now = o.now ?? (() => new Date());
    const resume = o.resume ?? null;
    // An earlier record only counts for a process that goes on from it.
    const earlier = resume === null ? null : (o.earlier ?? null);
    this.point = { seq: resume?.seq ?? 0, done: resume?.done ?? 0, cursor: JSON.stringify(resume?.cursor ?? null) };
    this.checkpoint = resume === null || resume.seq === 0 ? null : (earlier?.checkpoint ?? null);
    this.total = earlier?.total ?? null;
    this.earlierRefused = earlier?.refused ?? 0;
    this.resumedFrom = resume === null ? null : { seq: resume.seq, done: resume.done };
    this.progressDone = this.point.done;
  }

  /** Folds `batch` in; the whole record to persist with its raw cursor, or null when it is refused (see above). */
  add(batch: BatchReport): IterationReport | null {
    const shown = this.acceptable(batch);
    if (shown === null) {
      this.refusedReports += 1;
      return null;
    }
    this.beforeLast = { point: this.point, checkpoint: this.checkpoint, lastFolded: this.lastFolded };
    this.point = { seq: batch.seq, done: batch.done, cursor: JSON.stringify(batch.cursor) };
    this.checkpoint = { seq: batch.seq, done: batch.done, cursor: shown, at: this.now().toISOString() };
    this.lastFolded = batch.last;
    return this.report();
  }

  /** The batch folded in last could not be checkpointed (never acked): the record goes back to the checkpoint before it, where a Resume goes on from. */
  unsaved(): void {
    if (this.beforeLast === null) return;
    ({ point: this.point, checkpoint: this.checkpoint, lastFolded: this.lastFolded } = this.beforeLast);
    this.beforeLast = null;
  }

  /** The ack of the batch folded in last was written: with `pause`, the script stops here. */
  acked(pause: boolean): void {
    this.beforeLast = null;
    if (this.lastFolded) this.lastAcked = true;
    else if (pause) this.pausedAfterAck = true;
  }

  /** The script's progress: how many items of the run it has processed. */
  progress(done: number, total: number | null): void {
    if (Number.isSafeInteger(done) && done >= 0) this.progressDone = done;
    if (total !== null && Number.isSafeInteger(total) && total >= 0) this.total = total;
  }

  report(): IterationReport {
    return {
      batchSize: this.batchSize,
      total: this.total,
      checkpoint: this.checkpoint === null ? null : { ...this.checkpoint },
      inFlight: this.inFlight(),
      resumedFrom: this.resumedFrom === null ? null : { ...this.resumedFrom },
      paused: this.pausedAfterAck,
      finished: this.lastAcked,
      refused: this.earlierRefused + this.refusedReports,
    };
  }

  /** How many batch reports of this process were refused. */
  refused(): number {
    return this.refusedReports;
  }

  /** Whether the script sent a batch report after it was told to pause, or after its last batch (all refused). */
  reportedAfterEnd(): boolean {
    return this.spokeAfterEnd;
  }

  /** The checkpoint of this process's last acked-or-folded batch: its number and items done. */
  last(): { seq: number; done: number } {
    return { seq: this.point.seq, done: this.point.done };
  }

  /** The batch whose items were being processed: items done beyond the checkpoint, as far as a batch goes. */
  private inFlight(): IterationReport["inFlight"] {
    if (this.pausedAfterAck || this.lastFolded) return null;
    const items = Math.min(this.progressDone - this.point.done, this.batchSize);
    return items > 0 ? { seq: this.point.seq + 1, from: this.point.done + 1, items } : null;
  }

  /** The cursor as shown, or null when `batch` is refused. */
  private acceptable(batch: BatchReport): string | null {
    // Told to stop (or nothing is left): whatever comes now is a script that did not stop.
    if (this.pausedAfterAck || this.lastFolded) {
      this.spokeAfterEnd = true;
      return null;
    }
    if (batch.seq !== this.point.seq + 1) return null;
    if (!Number.isSafeInteger(batch.items) || batch.items < 0 || batch.items > this.batchSize) return null;
    if (batch.done !== this.point.done + batch.items) return null;
    const json = JSON.stringify(batch.cursor) as string | undefined;
    if (json === undefined || Buffer.byteLength(json) > MAX_CURSOR_BYTES) return null;
    // A batch moves the cursor on, but for the empty last one (nothing was left after it), which keeps it.
    const empty = batch.items === 0;
    if (empty ? !batch.last || json !== this.point.cursor : json === this.point.cursor) return null;
    const redacted = redactJson(batch.cursor, this.redact);
    if (redacted === TOO_DEEP) return null;
    return shownCursor(JSON.stringify(redacted), this.redact);
  }
}

/** A cursor's JSON as records show it: redacted once more as text (a secret split across keys and values), cut to one short line. */
function shownCursor(json: string, redact: Redact): string {
  const text = redact(json);
  return text.length <= MAX_SHOWN_CURSOR_CHARS ? text : text.slice(0, MAX_SHOWN_CURSOR_CHARS - CUT.length) + CUT;
}
