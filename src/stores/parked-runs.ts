import type { Cluster, Redis } from "ioredis";
import type { RunDecision } from "../run-types.js";
import { runKey } from "./run-key.js";

/**
 * A run that waits for a decision, kept in its run hash (field `parked`) so that retention,
 * which never removes a parked run, and the ledger see the same thing:
 * - `waiting`: its execute job is delayed until `deadline` (checked again every little while)
 *   for the signal `signal` (`approval` for approvals at run time, before anything ran);
 * - `interrupted`: its worker was lost during step `step` (a workflow), or an iteration's attempt
 *   was lost or failed (`step` null, `failure` saying how); its execute job failed, and only a
 *   person's Resume (or, for a workflow, Roll back) retries it;
 * - `paused`: an iteration stopped after a batch because a person asked it to (see
 *   requestPause); its execute job is delayed, the same attempt, until a person's Resume.
 */
export interface ParkedRun {
  runId: string;
  kind: "waiting" | "interrupted" | "paused";
  owner: string;
  repo: string;
  /** The chore's name (its permission decides who may decide), or null for a merged script (write permission). */
  chore: string | null;
  /** ISO 8601: when it was parked. */
  since: string;
  /** The attempt that parked it. */
  attempt: number;
  /** `waiting`: the signal it waits for. */
  signal: string | null;
  /** The step that waits, or that was interrupted; null for approvals (no step has run) and for iterations. */
  step: string | null;
  /** An interrupted iteration whose attempt failed (an item threw, it timed out): that attempt's message. Absent or null when its worker was lost. */
  failure?: string | null;
  /** `waiting`: ISO 8601, when it times out (a wait rolls back, an approval cancels). */
  deadline: string | null;
  /** A wait that an approving review of this pull request (of the same repository) continues. */
  pullRequest: number | null;
  /** Who asked for the run (they cannot approve it), or null (a schedule). */
  requestedBy: string | null;
  /** Approvals at run time: how many are needed, and those given so far. */
  approval: { count: number; approvals: RunDecision[] } | null;
  /** The decision that moves it on, set once; the worker acts on it and clears the record. */
  decision: RunDecision | null;
}

export type ParkInit = Omit<ParkedRun, "decision" | "approval"> & { approval: { count: number } | null };

/**
 * Why a decision was not taken:
 * - `not_parked`: the run is not waiting or interrupted (unknown, running, or finished);
 * - `not_waiting` / `not_interrupted`: it is parked the other way (a signal for an
 *   interrupted run, a Resume of a waiting one);
 * - `other_signal`: it waits for another signal (or for approvals, which take approve/reject);
 * - `decided`: someone decided first (`parked.decision` says who);
 * - `own_request`: the person who asked for the run cannot approve it;
 * - `already_approved`: that person approved it already;
 * - `expired`: an approval or a signal came after the wait's deadline (the worker takes the timeout);
 * - `no_rollback`: a Roll back of an interrupted iteration (it has no rollbacks: Resume, or cancel it).
 * A Resume is taken for an interrupted or a paused run; `not_interrupted` refuses it elsewhere.
 */
export type DecideRefusal =
  "not_parked" | "not_waiting" | "not_interrupted" | "other_signal" | "decided" | "own_request" | "already_approved" | "expired" | "no_rollback";

/**
 * Why a pause was not asked for (see requestPause): `already_paused` (it is paused, undecided),
 * `not_running` (it is parked another way, undecided: waiting, interrupted), `ending` (parked,
 * and decided a way that ends it: a cancel, a rejection, a timeout), `pause_requested` (someone
 * asked already and it has not stopped yet: the existing request is returned), `finished` (its
 * result is recorded, though its job may not have ended yet).
 */
export type PauseRefusal = "already_paused" | "not_running" | "ending" | "pause_requested" | "finished";

export type PauseResult =
  /** Taken. `parked`, when the run was parked and decided to go on (a Resume, its approvals), not picked up yet: it pauses before it goes on. */
  { ok: true; request: RunDecision; parked?: ParkedRun } | { ok: false; refusal: PauseRefusal; request: RunDecision | null; parked: ParkedRun | null };

export type DecideResult =
  /** Taken. `moves`: it is the decision that moves the run on (an approval short of the count does not). */
  { ok: true; moves: boolean; parked: ParkedRun } | { ok: false; refusal: DecideRefusal; parked: ParkedRun | null };

// One script decides, so two people deciding at once are taken one after the other: the second
// sees the first's decision. Accepted decisions are appended to the run's `decisions` (its log's).
const DECIDE = `
local raw = redis.call('HGET', KEYS[1], 'parked')
if not raw then return cjson.encode({ ok = false, refusal = 'not_parked' }) end
local parked = cjson.decode(raw)
local decision = cjson.decode(ARGV[1])
local kind = decision.kind
local function refuse(why) return cjson.encode({ ok = false, refusal = why, parked = raw }) end
if parked.decision ~= cjson.null and parked.decision ~= nil then return refuse('decided') end
local moves = true
if kind == 'resume' then
  if parked.kind ~= 'interrupted' and parked.kind ~= 'paused' then return refuse('not_interrupted') end
  -- What an iteration's Resume resumed, for the record: a pause and a Resume read alike whether the run paused or its worker was lost first.
  if parked.step == cjson.null or parked.step == nil then decision.from = parked.kind end
elseif kind == 'rollback' then
  if parked.kind ~= 'interrupted' then return refuse('not_interrupted') end
  if parked.step == cjson.null or parked.step == nil then return refuse('no_rollback') end
elseif kind == 'cancel' and (parked.kind == 'paused' or (parked.kind == 'interrupted' and (parked.step == cjson.null or parked.step == nil))) then
  -- A paused iteration is cancelled by its worker's look (see pickUp), like a wait; an interrupted one by the retry that wakes it.
else
  if parked.kind ~= 'waiting' then return refuse('not_waiting') end
  local forApproval = parked.signal == 'approval'
  if kind == 'approve' or kind == 'reject' then
    if not forApproval then return refuse('other_signal') end
  elseif kind == 'signal' then
    if forApproval or decision.signal ~= parked.signal then return refuse('other_signal') end
  end
  -- Both are ISO 8601 in UTC from toISOString, so they compare as strings.
  if (kind == 'approve' or kind == 'signal') and parked.deadline ~= cjson.null and decision.at > parked.deadline then return refuse('expired') end
  if kind == 'approve' then
    if parked.requestedBy ~= cjson.null and string.lower(decision.by) == string.lower(parked.requestedBy) then return refuse('own_request') end
    local approvals = parked.approval.approvals
    if type(approvals) ~= 'table' or next(approvals) == nil then approvals = {} end
    for _, given in ipairs(approvals) do
      if string.lower(given.by) == string.lower(decision.by) then return refuse('already_approved') end
    end
    table.insert(approvals, decision)
    parked.approval.approvals = approvals
    moves = #approvals >= parked.approval.count
  end
end
if moves then parked.decision = decision end
if kind == 'signal' then redis.call('HSET', KEYS[1], 'signal-payload', ARGV[2]) end
local history = redis.call('HGET', KEYS[1], 'decisions')
local decisions = history and cjson.decode(history) or {}
if type(decisions) ~= 'table' or next(decisions) == nil then decisions = {} end
if #decisions < tonumber(ARGV[3]) then table.insert(decisions, decision) end
redis.call('HSET', KEYS[1], 'parked', cjson.encode(parked), 'decisions', cjson.encode(decisions))
return cjson.encode({ ok = true, moves = moves, parked = cjson.encode(parked) })
`;

// A pause is asked of a running iteration: kept in its run hash (field `pause`) for its worker to
// answer at the next checkpoint, and recorded among its decisions at once. A run whose result is
// recorded (the ledger's resultAttempt, in the same hash) is over: its worker answered the pauses
// asked before, and one taken now would stay for good. A parked run whose decision moves it on (a
// Resume, the approvals it needed) is as good as queued: its worker looks for the request after
// it clears the record and before it goes on (execute-step), so the pause is taken, not refused.
const PAUSE = `
local result = redis.call('HGET', KEYS[1], 'resultAttempt')
if result and tonumber(result) > 0 then return cjson.encode({ ok = false, refusal = 'finished' }) end
local raw = redis.call('HGET', KEYS[1], 'parked')
local goesOn = nil
if raw then
  local parked = cjson.decode(raw)
  local decision = parked.decision
  local decided = decision ~= cjson.null and decision ~= nil
  if decided and (decision.kind == 'resume' or decision.kind == 'approve') then
    goesOn = raw
  else
    local why = decided and 'ending' or (parked.kind == 'paused' and 'already_paused' or 'not_running')
    return cjson.encode({ ok = false, refusal = why, parked = raw })
  end
end
local asked = redis.call('HGET', KEYS[1], 'pause')
if asked then return cjson.encode({ ok = false, refusal = 'pause_requested', request = asked }) end
redis.call('HSET', KEYS[1], 'pause', ARGV[1])
local history = redis.call('HGET', KEYS[1], 'decisions')
local decisions = history and cjson.decode(history) or {}
if type(decisions) ~= 'table' or next(decisions) == nil then decisions = {} end
if #decisions < tonumber(ARGV[2]) then table.insert(decisions, cjson.decode(ARGV[1])) end
redis.call('HSET', KEYS[1], 'decisions', cjson.encode(decisions))
return cjson.encode({ ok = true, parked = goesOn })
`;

/** The most decisions a run's record keeps (approvals, signals, resumes…); later ones still act, unrecorded. */
export const MAX_RECORDED_DECISIONS = 100;

/** Parked runs, in their run hashes, with an index of them all and of the waits each pull request's review continues. */
export class ParkedRuns {
  constructor(
    private readonly redis: Redis | Cluster,
    private readonly prefix: string,
  ) {}

  /** Parks the run (replacing any earlier record of it): nothing decided, no approvals yet. */
  async park(init: ParkInit): Promise<ParkedRun> {
    const parked: ParkedRun = { ...init, approval: init.approval ? { count: init.approval.count, approvals: [] } : null, decision: null };
    const write = this.redis
      .multi()
      .hset(runKey(this.prefix, init.runId), "parked", JSON.stringify(parked))
      .hdel(runKey(this.prefix, init.runId), "signal-payload")
      .zadd(this.indexKey, Date.parse(init.since), init.runId);
    // The attempt a pause was asked of is over (its worker lost, or it failed): the request must not pause the Resume.
    if (init.kind === "interrupted") write.hdel(runKey(this.prefix, init.runId), "pause");
    if (init.pullRequest !== null) write.sadd(this.reviewKey(init.owner, init.repo, init.pullRequest), init.runId);
    await write.exec();
    return parked;
  }

  async read(runId: string): Promise<ParkedRun | null> {
    return parkedOf(await this.redis.hget(runKey(this.prefix, runId), "parked"));
  }

  /**
   * Takes `decision` if the run is parked the way it needs (see DecideRefusal), atomically:
   * of two people deciding at once, one is refused `decided`. A signal's `payload` (JSON,
   * already bounded by the caller) is kept for the step that waits.
   */
  async decide(runId: string, decision: RunDecision, payload: unknown = null): Promise<DecideResult> {
    const answer = (await this.redis.eval(
      DECIDE,
      1,
      runKey(this.prefix, runId),
      JSON.stringify(decision),
      JSON.stringify(payload ?? null),
      String(MAX_RECORDED_DECISIONS),
    )) as string;
    const parsed = JSON.parse(answer) as { ok: boolean; moves?: boolean; refusal?: DecideRefusal; parked?: string };
    const parked = parkedFrom(parsed.parked);
    if (parsed.ok) return { ok: true, moves: parsed.moves === true, parked: parked! };
    return { ok: false, refusal: parsed.refusal!, parked };
  }

  /**
   * Asks a running iteration to pause after its current batch (`request.kind` is `pause`),
   * atomically against decisions and the run's result: refused when the run is parked and not
   * decided to go on, when its result is recorded, or when a pause was asked for already.
   * Whether the run is an iteration whose job is still going is the caller's to check.
   */
  async requestPause(runId: string, request: RunDecision): Promise<PauseResult> {
    const answer = (await this.redis.eval(PAUSE, 1, runKey(this.prefix, runId), JSON.stringify(request), String(MAX_RECORDED_DECISIONS))) as string;
    const parsed = JSON.parse(answer) as { ok: boolean; refusal?: PauseRefusal; request?: string; parked?: string };
    if (parsed.ok) {
      const parked = parkedFrom(parsed.parked);
      return parked === null ? { ok: true, request } : { ok: true, request, parked };
    }
    return {
      ok: false,
      refusal: parsed.refusal!,
      request: parsed.request ? (JSON.parse(parsed.request) as RunDecision) : null,
      parked: parkedFrom(parsed.parked),
    };
  }

  /** The pause asked of the run and not yet answered, or null. */
  async pauseRequest(runId: string): Promise<RunDecision | null> {
    const raw = await this.redis.hget(runKey(this.prefix, runId), "pause");
    return raw === null ? null : (JSON.parse(raw) as RunDecision);
  }

  /** The pause was answered (the run paused, or finished first): a later one may be asked for. */
  async clearPauseRequest(runId: string): Promise<void> {
    await this.redis.hdel(runKey(this.prefix, runId), "pause");
  }

  /** The payload of the signal delivered to the run (null when none, or when it was null). */
  async payload(runId: string): Promise<unknown> {
    const raw = await this.redis.hget(runKey(this.prefix, runId), "signal-payload");
    return raw === null ? null : (JSON.parse(raw) as unknown);
  }

  /**
   * Adds a signal delivered to `step` to those it had (a step may wait for several, one after
   * another, and runs again from its start each time) and returns them all. Only the worker
   * holding the run's job writes this.
   */
  async deliver(runId: string, step: string, signal: string, payload: unknown): Promise<Record<string, unknown>> {
    const signals = { ...(await this.delivered(runId, step)), [signal]: payload };
    await this.redis.hset(runKey(this.prefix, runId), "step-signals", JSON.stringify({ step, signals }));
    return signals;
  }

  /** The signals delivered to `step` so far (none once a later step waited): a Resume of that step gets them again. */
  async delivered(runId: string, step: string): Promise<Record<string, unknown>> {
    const raw = await this.redis.hget(runKey(this.prefix, runId), "step-signals");
    const kept = raw === null ? null : (JSON.parse(raw) as { step: string; signals: Record<string, unknown> });
    return kept?.step === step ? kept.signals : {};
  }

  /** Every decision taken on the run so far, in order (approvals included). */
  async decisions(runId: string): Promise<RunDecision[]> {
    return listOf<RunDecision>(await this.redis.hget(runKey(this.prefix, runId), "decisions"));
  }

  /**
   * The run goes on (or ends): it is no longer parked. Its decisions stay for its record. `ended`:
   * it is over, and a pause still asked of it (taken while it was queued, then it ended before it
   * started: a cancel, a refusal) is answered too; one asked of a run that goes on is its worker's to take.
   */
  async clear(runId: string, o: { ended?: boolean } = {}): Promise<void> {
    const parked = await this.read(runId);
    const fields = o.ended ? ["parked", "signal-payload", "pause"] : ["parked", "signal-payload"];
    const write = this.redis
      .multi()
      .hdel(runKey(this.prefix, runId), ...fields)
      .zrem(this.indexKey, runId);
    if (parked?.pullRequest != null) write.srem(this.reviewKey(parked.owner, parked.repo, parked.pullRequest), runId);
    await write.exec();
  }

  /** The runs waiting on an approving review of that pull request. */
  async waitingForReview(owner: string, repo: string, pullRequest: number): Promise<string[]> {
    return this.redis.smembers(this.reviewKey(owner, repo, pullRequest));
  }

  /** The ids of parked runs, oldest first. */
  async list(limit = 100): Promise<string[]> {
    return this.redis.zrange(this.indexKey, 0, limit - 1);
  }

  private get indexKey(): string {
    return `${this.prefix}:parked`;
  }

  private reviewKey(owner: string, repo: string, pullRequest: number): string {
    return `${this.prefix}:parked-review:${owner.toLowerCase()}/${repo.toLowerCase()}#${pullRequest}`;
  }
}

function parkedFrom(raw: string | undefined): ParkedRun | null {
  return raw === undefined ? null : parkedOf(raw);
}

/** cjson writes an empty list as `{}`, and null as `null`: both are read back as they were meant. */
function parkedOf(raw: string | null): ParkedRun | null {
  if (raw === null) return null;
  const parked = JSON.parse(raw) as ParkedRun;
  if (parked.approval) parked.approval.approvals = Array.isArray(parked.approval.approvals) ? parked.approval.approvals : [];
  return parked;
}

function listOf<T>(raw: string | null): T[] {
  if (raw === null) return [];
  const parsed = JSON.parse(raw) as unknown;
  return Array.isArray(parsed) ? (parsed as T[]) : [];
}
