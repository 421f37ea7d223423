import type { Cluster, Redis } from "ioredis";
import type { CapturedOutput, ExecutionResult, IterationReport, WorkflowReport } from "../run-types.js";
import { format1Keys } from "../pipeline/format-1.js";
import { runKey } from "./run-key.js";

export interface LedgerEntry {
  /** The attempt that started the script last (0: never started). */
  attempt: number;
  /** The host that started it, and when. */
  host: string | null;
  startedAt: Date | null;
  /** The attempt whose result was recorded (0: none yet): a run with a result never runs again. */
  resultAttempt: number;
  /** How that attempt ended, for when its job could not be completed (its worker lost its claim). */
  result: FinishedSummary | null;
  /** The last lines an attempt printed as saved while it ran (OutputTail), for when its worker dies. */
  output: { attempt: number; output: CapturedOutput } | null;
  /** A workflow's steps so far as an attempt reported them (redacted), saved after each one before the next started. */
  workflow: { attempt: number; report: WorkflowReport } | null;
  /**
   * Where a workflow would go on from, as saved with its record (unredacted: it is what the
   * next step starts from): the next step's starting state and the last report's number.
   */
  resume: { attempt: number; seq: number; state: unknown } | null;
  /**
   * An iteration's last checkpoint and its record so far (redacted), saved after each batch
   * before the script takes the next item: `checkpoint.cursor` is RAW (unredacted, at most
   * MAX_CURSOR_BYTES as JSON), since the run goes on from it.
   */
  iteration: { attempt: number; checkpoint: Checkpoint; report: IterationReport } | null;
}

/** Where an iteration goes on from: after batch `seq`, `done` items processed, from `cursor` (raw). */
export interface Checkpoint {
  seq: number;
  done: number;
  cursor: unknown;
  /** ISO 8601: when it was saved. */
  at: string;
}

/** The facts of a finished execution, without its output. */
export type FinishedSummary = Pick<ExecutionResult, "status" | "exitCode" | "signal" | "startedAt" | "finishedAt" | "durationMs" | "message">;

/**
 * Which attempt of each run last started its script, where and when, kept in Redis apart
 * from BullMQ's job bookkeeping. Written right before the child process is spawned, so when
 * a worker dies the ledger still says whether (and where) the script may have partly run.
 */
export class ExecutionLedger {
  constructor(
    private readonly redis: Redis | Cluster,
    private readonly prefix: string,
  ) {}

  /** Records that `attempt` is starting the script now. */
  async start(runId: string, attempt: number, host: string): Promise<void> {
    await this.redis.hset(this.key(runId), "attempt", attempt, "host", host, "startedAt", new Date().toISOString());
  }

  /** Records that `attempt` ended with a result (the run is then finished for good). */
  async finish(runId: string, attempt: number, execution: ExecutionResult): Promise<void> {
    const { status, exitCode, signal, startedAt, finishedAt, durationMs, message } = execution;
    const summary: FinishedSummary = { status, exitCode, signal, startedAt, finishedAt, durationMs, message };
    await this.redis.hset(this.key(runId), "resultAttempt", attempt, "result", JSON.stringify(summary));
  }

  /** Saves the last lines `attempt` printed so far (bounded and redacted by the caller). */
  async saveOutput(runId: string, attempt: number, output: CapturedOutput): Promise<void> {
    await this.redis.hset(this.key(runId), "output", JSON.stringify({ attempt, output }));
  }

  /**
   * Saves a workflow's record after one of its steps (redacted, its state bounded by
   * WORKFLOW_STATE_LIMIT): the script goes on only once this has resolved.
   */
  async saveWorkflow(runId: string, attempt: number, report: WorkflowReport, resume?: { seq: number; state: unknown }): Promise<void> {
    const fields = ["workflow", JSON.stringify({ attempt, report }), ...(resume ? ["resume", JSON.stringify({ attempt, ...resume })] : [])];
    await this.redis.hset(this.key(runId), ...fields);
  }

  /**
   * Saves an iteration's checkpoint after a batch, with its record so far: the script takes its
   * next item only once this has resolved. Never over a later one: a save retried after its run
   * ended (Redis refused writes for a while) must not move back a checkpoint a Resume went on from.
   */
  async saveCheckpoint(runId: string, attempt: number, checkpoint: Checkpoint, report: IterationReport): Promise<void> {
    await this.redis.eval(SAVE_CHECKPOINT, 1, this.key(runId), JSON.stringify({ attempt, checkpoint, report }), attempt, checkpoint.seq);
  }

  /**
   * The run's entry. A run an older release started may have its record in that release's
   * hash (format 1), which is read too and never rewritten: whichever says the later attempt
   * started, and the later result, wins, so a result the old release recorded still stops
   * any retry (at most once across the upgrade).
   */
  async read(runId: string): Promise<LedgerEntry> {
    const keys = [this.key(runId), format1Keys.ledger(this.prefix, runId)];
    const [a, b] = (await Promise.all(keys.map((key) => this.redis.hmget(key, ...FIELDS)))).map(entryOf) as [LedgerEntry, LedgerEntry];
    const started = a.attempt >= b.attempt ? a : b;
    const finished = a.resultAttempt >= b.resultAttempt ? a : b;
    return {
      attempt: started.attempt,
      host: started.host,
      startedAt: started.startedAt,
      resultAttempt: finished.resultAttempt,
      result: finished.result,
      output: a.output,
      workflow: a.workflow,
      resume: a.resume,
      iteration: a.iteration,
    };
  }

  private key(runId: string): string {
    return runKey(this.prefix, runId);
  }
}

// Keeps the later of the saved checkpoint and this one (by attempt, then batch number).
const SAVE_CHECKPOINT = `
local raw = redis.call('HGET', KEYS[1], 'iteration')
if raw then
  local saved = cjson.decode(raw)
  local attempt, seq = tonumber(ARGV[2]), tonumber(ARGV[3])
  if saved.attempt > attempt or (saved.attempt == attempt and saved.checkpoint.seq > seq) then return 0 end
end
redis.call('HSET', KEYS[1], 'iteration', ARGV[1])
return 1
`;

const FIELDS = ["attempt", "host", "startedAt", "resultAttempt", "result", "output", "workflow", "resume", "iteration"] as const;

function entryOf([attempt, host, startedAt, resultAttempt, result, output, workflow, resume, iteration]: (string | null)[]): LedgerEntry {
  return {
    attempt: Number(attempt ?? 0),
    host: host ?? null,
    startedAt: startedAt ? new Date(startedAt) : null,
    resultAttempt: Number(resultAttempt ?? 0),
    result: result ? (JSON.parse(result) as FinishedSummary) : null,
    output: output ? (JSON.parse(output) as LedgerEntry["output"]) : null,
    workflow: workflow ? (JSON.parse(workflow) as LedgerEntry["workflow"]) : null,
    resume: resume ? (JSON.parse(resume) as LedgerEntry["resume"]) : null,
    iteration: iteration ? (JSON.parse(iteration) as LedgerEntry["iteration"]) : null,
  };
}
