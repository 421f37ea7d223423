import type { Queue } from "bullmq";
import { Cluster, type Redis } from "ioredis";
import { runPhase, type RunPhase } from "../pipeline/run-phase.js";
import { ParkedRuns } from "./parked-runs.js";
import { executeJobId } from "../pipeline/run-id.js";

/** The execute queue: its jobs' states, and (to wake a run that waits in `delayed`) its jobs. */
type ExecuteQueue = Pick<Queue, "getJobState"> & Partial<Pick<Queue, "getJob">>;

/** Who asked to cancel a run, and when (ISO 8601). */
export interface CancelRequest {
  by: string;
  at: string;
}

/**
 * What a cancel request found: the run's phase (see runPhase) while its script has not ended
 * (`queued` or `waiting`: not started yet; `running`), `finished` once its execute job is
 * done (recorded or being recorded: there is nothing left to stop), `unknown` when there is
 * no such run.
 */
export type CancelTarget = Exclude<RunPhase, "recording"> | "unknown";

/** A running script's cancel signal; aborted with the `CancelRequest` as its reason. */
export interface CancelSignal {
  signal: AbortSignal;
  /** Resolves once the request channel is listened to and an earlier request was looked for. */
  ready: Promise<void>;
  /** Stops listening for this run. */
  dispose(): void;
}

// Long enough for a run not yet started (queued behind its process step, waiting in a paused
// queue) to still see it when it is picked up; short enough that nothing piles up.
const KEEP_SECONDS = 7 * 24 * 60 * 60;
const MAX_BY_CHARS = 64;
// On a Redis Cluster, how often the requests of runs being watched are looked at again.
const CLUSTER_RECHECK_MS = 2_000;

/**
 * Requests to cancel runs, kept in Redis next to the jobs (`<prefix>:cancel:<runId>`, JSON
 * `{ by, at }`, for a week) and announced on `<prefix>:cancellations`, so whichever worker
 * runs the script stops it at once and a run not yet started never starts.
 *
 * The execute step asks `cancelledBy` before it starts a script (a request there means it is
 * not run), wraps the run in `signalFor`, and calls `clear` when the attempt is over, so
 * that a person retrying a cancelled run in the dashboard gets a real run.
 *
 * `redis` is the caller's and stays open; `close()` ends only the subscriber this class
 * makes (lazily, with `redis.duplicate()`, on the first `signalFor`). `executeQueue` is needed
 * for `request` only.
 *
 * An announcement sent while the subscriber is away is lost. A single Redis client says it
 * is back (`ready`), and the keys of the runs being watched are looked at again then. A
 * Cluster does not: when the connection it subscribed on drops, ioredis subscribes again on
 * another one without an event. So on a Cluster those keys are also looked at every
 * `recheckMs` (default 2 s; 0 turns it off) while runs are watched.
 */
export class Cancellations {
  readonly #redis: Redis | Cluster;
  readonly #prefix: string;
  readonly #executeQueue: ExecuteQueue | null;
  readonly #onError: (error: unknown) => void;
  /** Live signals by run id. */
  readonly #watching = new Map<string, Set<AbortController>>();
  #subscriber: Redis | Cluster | null = null;
  #subscribed: Promise<void> | null = null;
  readonly #recheckMs: number;
  #recheckTimer: NodeJS.Timeout | null = null;
  #rechecking = false;
  #closed = false;

  constructor(redis: Redis | Cluster, prefix: string, options: { executeQueue?: ExecuteQueue; onError?: (error: unknown) => void; recheckMs?: number } = {}) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#executeQueue = options.executeQueue ?? null;
    this.#onError = options.onError ?? (() => {});
    this.#recheckMs = options.recheckMs ?? (redis instanceof Cluster ? CLUSTER_RECHECK_MS : 0);
  }

  /**
   * Asks to cancel `runId` on behalf of `by`, and says what that hit. Only a run that is
   * queued, waiting or running is recorded (the first request's `by` is kept); a finished or
   * unknown run is left alone.
   */
  async request(runId: string, by: string): Promise<CancelTarget> {
    let target = await this.#targetOf(runId);
    if (target === "finished") {
      const iteration = await this.#cancelInterruptedIteration(runId, by);
      if (iteration === "taken") return "waiting";
      // A Resume came first and its job is retried now: this request stops that attempt like any other run's.
      if (iteration === "resumed") target = await this.#targetOf(runId);
      if (target === "finished") return target;
    }
    if (target === "unknown") return target;
    const request: CancelRequest = { by: cleanActorName(by) || "unknown", at: new Date().toISOString() };
    const set = await this.#redis.set(this.#key(runId), JSON.stringify(request), "EX", KEEP_SECONDS, "NX");
    if (set !== null) {
      await this.#redis.publish(this.#channel(), JSON.stringify({ runId, ...request }));
      // The run may have finished between the look and the write: then nobody will clear the
      // request, and it must not cancel a later retry of the run.
      if ((await this.#targetOf(runId)) === "finished") await this.#redis.del(this.#key(runId));
    }
    if (target === "waiting") await this.#wake(runId);
    return target;
  }

  /** The request to cancel `runId`, if there is one. */
  async cancelledBy(runId: string): Promise<CancelRequest | null> {
    return parseRequest(await this.#redis.get(this.#key(runId)));
  }

  /** Forgets the request to cancel `runId`: call it when the attempt it applied to is over. */
  async clear(runId: string): Promise<void> {
    await this.#redis.del(this.#key(runId));
  }

  /**
   * A signal aborted (with the `CancelRequest` as reason) when `runId` is asked to be
   * cancelled, now or already. Call `dispose()` when the script is done.
   */
  signalFor(runId: string): CancelSignal {
    if (this.#closed) throw new Error("cancellations are closed");
    const controller = new AbortController();
    let set = this.#watching.get(runId);
    if (!set) this.#watching.set(runId, (set = new Set()));
    set.add(controller);
    // Listen first, then look: a request made in between is seen one way or the other.
    const ready = this.#subscribe()
      .then(() => this.#check(runId))
      .catch((error: unknown) => this.#onError(error));
    return {
      signal: controller.signal,
      ready,
      dispose: () => {
        const watchers = this.#watching.get(runId);
        watchers?.delete(controller);
        if (watchers?.size === 0) this.#watching.delete(runId);
      },
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#watching.clear();
    if (this.#recheckTimer) clearInterval(this.#recheckTimer);
    this.#recheckTimer = null;
    const subscriber = this.#subscriber;
    this.#subscriber = null;
    if (subscriber) await subscriber.quit().catch(() => subscriber.disconnect());
  }

  /**
   * A run that waits in `delayed` (parked for a signal or approvals, its lock, a freeze) looks
   * at the request now instead of at its next check: a parked workflow then rolls back.
   */
  async #wake(runId: string): Promise<void> {
    const job = await this.#executeQueue?.getJob?.(executeJobId(runId));
    // It may have moved on meanwhile (its own check, another wake): that is what was wanted.
    if (job && (await job.isDelayed())) await job.promote().catch(() => undefined);
  }

  /**
   * An interrupted iteration's execute job has failed, yet the run is not over: it waits for a
   * person. A cancel is that person's decision (taken by the one decider, so it cannot cross a
   * Resume), and its job is retried to record it `cancelled` (`taken`). When a Resume was
   * decided first, its job is retried as that Resume would (`resumed`): the caller then asks
   * that attempt to stop. Null for any other run.
   */
  async #cancelInterruptedIteration(runId: string, by: string): Promise<"taken" | "resumed" | null> {
    const parked = new ParkedRuns(this.#redis, this.#prefix);
    const record = await parked.read(runId);
    if (record?.kind !== "interrupted" || record.step !== null) return null;
    const taken = await parked.decide(runId, { kind: "cancel", by: cleanActorName(by) || "unknown", via: "api", at: new Date().toISOString() });
    if (!taken.ok && taken.refusal !== "decided") return null;
    const job = await this.#executeQueue?.getJob?.(executeJobId(runId));
    if (job && (await job.isFailed())) await job.retry("failed").catch(() => undefined);
    return taken.ok || taken.parked?.decision?.kind === "cancel" ? "taken" : "resumed";
  }

  async #targetOf(runId: string): Promise<CancelTarget> {
    if (!this.#executeQueue) throw new Error("Cancellations needs the execute queue to take requests");
    const state = await this.#executeQueue.getJobState(executeJobId(runId));
    if (state === "unknown") return "unknown";
    // The request only concerns the script: once execute is done, whatever its cleanup does, it has ended.
    const phase = runPhase(state, "unknown");
    return phase === "recording" ? "finished" : phase;
  }

  #subscribe(): Promise<void> {
    if (this.#subscribed) return this.#subscribed;
    const subscriber = this.#redis.duplicate();
    this.#subscriber = subscriber;
    subscriber.on("error", (error: unknown) => this.#onError(error));
    subscriber.on("message", (_channel: string, text: string) => {
      const message = parseMessage(text);
      if (message) this.#abort(message.runId, { by: message.by, at: message.at });
    });
    let connectedBefore = false;
    subscriber.on("ready", () => {
      // Messages sent while the subscriber was away are lost: look at the keys again.
      if (connectedBefore) void this.#checkAll();
      connectedBefore = true;
    });
    if (this.#recheckMs > 0 && !this.#recheckTimer) {
      this.#recheckTimer = setInterval(() => {
        // One round at a time: while Redis is away, looks would only pile up.
        if (this.#rechecking) return;
        this.#rechecking = true;
        void this.#checkAll().finally(() => (this.#rechecking = false));
      }, this.#recheckMs);
      this.#recheckTimer.unref();
    }
    this.#subscribed = subscriber.subscribe(this.#channel()).then(() => undefined);
    // A failed first subscription is tried again by the next signalFor.
    this.#subscribed.catch(() => (this.#subscribed = null));
    return this.#subscribed;
  }

  /** Looks at the request of every run being watched. */
  async #checkAll(): Promise<void> {
    await Promise.all([...this.#watching.keys()].map((runId) => this.#check(runId).catch((error: unknown) => this.#onError(error))));
  }

  async #check(runId: string): Promise<void> {
    if (!this.#watching.has(runId)) return;
    const request = await this.cancelledBy(runId);
    if (request) this.#abort(runId, request);
  }

  #abort(runId: string, request: CancelRequest): void {
    for (const controller of this.#watching.get(runId) ?? []) controller.abort(request);
  }

  #key(runId: string): string {
    return cancelKey(this.#prefix, runId);
  }

  #channel(): string {
    return `${this.#prefix}:cancellations`;
  }
}

/**
 * A requester's name fit for a run log's one-line message: letters, digits, spaces and
 * `. _ @ + -`, whitespace collapsed, at most 64 characters. Empty when nothing is left.
 */
export function cleanActorName(name: string): string {
  const cleaned = name
    .normalize("NFKC")
    .replace(/[^\p{L}\p{N} ._@+-]+/gu, " ")
    .replace(/\s+/g, " ")
    .trim();
  return Array.from(cleaned).slice(0, MAX_BY_CHARS).join("").trim();
}

function parseRequest(text: string | null): CancelRequest | null {
  if (text === null) return null;
  try {
    const value = JSON.parse(text) as Partial<CancelRequest>;
    return typeof value.by === "string" && typeof value.at === "string" ? { by: value.by, at: value.at } : null;
  } catch {
    return null;
  }
}

function parseMessage(text: string): (CancelRequest & { runId: string }) | null {
  try {
    const value = JSON.parse(text) as { runId?: unknown };
    const request = parseRequest(text);
    return request && typeof value.runId === "string" ? { runId: value.runId, ...request } : null;
  } catch {
    return null;
  }
}

/** Where a run's cancellation request is kept. The queue prefix carries the Redis Cluster hash tag, so requests live with the jobs. */
export function cancelKey(prefix: string, runId: string): string {
  return `${prefix}:cancel:${runId}`;
}
