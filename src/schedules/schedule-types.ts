// Recurring chores: what the parts that schedule, trigger, retry and record them share.
//
//   index (each push) ──reconcile──► BullMQ job schedulers (one per scheduled chore)
//   scheduler ──one trigger job per occurrence──► `schedule` queue ──► the occurrence's run
//   (process ◄─ execute ◄─ cleanup, id `<scheduler>-<occurrence ms>`)
//   cleanup ──► a retry (a new run), the day's digest, or a log committed at once
import type { RunStatus } from "../run-types.js";

/** Which chore a schedule belongs to, and where its records go. */
export interface ScheduleRef {
  owner: string;
  repo: string;
  /** The chore's name in the catalog (`billing/purge-sessions`). */
  chore: string;
  /** schedulerIdOf(owner, repo, chore). */
  schedulerId: string;
}

/** A trigger job's data: which chore's schedule fired. Everything else is read when it runs (the newest indexed version). */
export interface ScheduleTriggerData {
  format: number;
  owner: string;
  repo: string;
  chore: string;
}

/** How one occurrence ended, without a run (`skipped`) or as one try's run. */
export type OccurrenceStatus = RunStatus | "skipped";

/** One line of a schedule's daily digest: an occurrence, or one try of it. */
export interface DigestRow {
  /** The occurrence's time (ISO 8601, UTC). */
  occurrence: string;
  /** The try's run; null when none ran (skipped). */
  runId: string | null;
  /** 1 for an occurrence's first try; 0 when none ran. */
  attempt: number;
  status: OccurrenceStatus;
  /** When the try started (ISO 8601) and how long it took; null when none ran. */
  startedAt: string | null;
  durationMs: number | null;
  /** The script's counters and its result (redacted, the result cut to a few hundred characters). */
  counters: Record<string, number>;
  result: string | null;
  /** Why it was skipped, retried or not run ("the previous run … still goes", "retried in 1m"…); null when nothing to say. */
  note: string | null;
  /** Where this try's own log was committed (a streak's first failure, a recovery); null when only the digest has it. */
  logPath: string | null;
}

/** Where occurrences that need no commit of their own go: one digest per schedule per day, committed once the day is over. */
export interface DigestRecorder {
  add(ref: ScheduleRef, row: DigestRow): Promise<void>;
}

/** The occurrence's first run id: it holds the schedule's turn (overlap) for all the tries of that occurrence. */
export type OccurrenceKey = string;

/**
 * Queues runs of scheduled chores (src/schedules/, the trigger's side). `queue` is idempotent:
 * the run id derives from the scheduler, the occurrence and the try.
 */
export interface OccurrenceRuns {
  /**
   * Queues try `attempt` of the occurrence at `occurrenceMs`, starting after `delayMs`, with the
   * newest indexed version of the chore. Refused (with the reason, nothing queued) when the
   * chore has no runnable version or no valid schedule any more, or the schedule is paused.
   */
  queue(ref: ScheduleRef, occurrence: { occurrenceMs: number; attempt: number }, delayMs: number): Promise<{ runId: string } | { refused: string }>;
}

/** What a person (the chores page) and the index do with schedules. */
export interface ScheduleControl {
  /** Stops the schedule's occurrences until resumed (recording who); false when it was paused already. */
  pause(ref: ScheduleRef, by: string): Promise<boolean>;
  /** Starts them again from the next occurrence on (no catch-up for the paused time); false when it was not paused. */
  resume(ref: ScheduleRef, by: string): Promise<boolean>;
  /** The next occurrence's time (ms since the epoch), or null (paused, or not scheduled). */
  next(ref: ScheduleRef): Promise<number | null>;
}
