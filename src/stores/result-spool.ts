import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { ExecuteResult, RunJobData } from "../pipeline/job-data.js";

/** An attempt's outcome with the run it belongs to, as kept on disk. */
export interface SpooledOutcome {
  data: RunJobData;
  outcome: ExecuteResult;
  /** The attempt ran to a result (the ledger records it: the run never runs again). */
  finished: boolean;
}

/** How long an outcome may wait for Redis before it goes to disk (Redis unreachable: the client holds commands, it never says no). */
export const KEEP_AFTER_MS = 1_000;

/**
 * Whether `dir` can hold the spool: it exists or can be created, and a file can be written
 * there. Null if so, else what is wrong (one line).
 */
export async function spoolDirProblem(dir: string): Promise<string | null> {
  const probe = join(dir, `.probe-${process.pid}`);
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await writeFile(probe, "", { mode: 0o600 });
    await rm(probe, { force: true });
    return null;
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    return `${dir} cannot hold outcomes kept on disk (${code ?? message}): it must exist or be creatable, and be writable by this process`;
  }
}

/** `promise`'s value, or "slow" if it has not settled within `ms` (the timer does not outlive it). */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | "slow"> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<"slow">((resolve) => (timer = setTimeout(() => resolve("slow"), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Where a finished script's outcome waits when Redis cannot store it (full, read-only,
 * unreachable): one JSON file per attempt in `dir`, written as soon as Redis refuses it or
 * has not taken it within `keepAfterMs`, and removed once stored, so the log of a script
 * that ran still lands, even after this worker restarts (`drain` at startup). Bounded: a
 * worker holds at most one outcome per script it runs at once, each at most OUTPUT_LIMIT of
 * output.
 *
 * It also knows, for shutdown, which runs' outcomes are safe: a run `hold` was told about is
 * safe once its work is over or its outcome is stored or on disk (`whenSafe`, `unsafe`).
 */
export class ResultSpool {
  readonly #held = new Map<string, { safe: Promise<void>; settle(): void; isSafe: boolean }>();
  readonly #closing = new AbortController();

  constructor(
    readonly dir: string,
    private readonly retryMs: number,
    private readonly events: {
      /** An outcome went to disk (once per outcome). */
      kept(entry: SpooledOutcome, error: unknown): void;
      /** Storing it failed again. */
      retryFailed(error: unknown): void;
    },
    private readonly keepAfterMs = KEEP_AFTER_MS,
  ) {}

  /**
   * Runs `store` until it succeeds; while it fails or Redis does not answer, the outcome is
   * kept on disk. After `close()` it stops trying and never settles: the outcome stays on
   * disk for the next start, and whoever waited for it must not take it as stored.
   */
  async store(entry: SpooledOutcome, store: (entry: SpooledOutcome) => Promise<void>): Promise<void> {
    let file: string | null = null;
    const keep = async (error: unknown) => {
      file = await this.#keep(entry);
      this.#safe(entry.data.runId);
      this.events.kept(entry, error);
    };
    for (;;) {
      // One attempt at a time: one that waits for Redis to come back is not piled on.
      const attempt = store(entry).then(
        () => null,
        (error: unknown) => ({ error }),
      );
      let result = await this.#orClosed(file === null ? within(attempt, this.keepAfterMs) : attempt);
      if (result === "slow") {
        await keep(new Error(`Redis did not take it within ${this.keepAfterMs} ms`));
        result = await this.#orClosed(attempt);
      }
      if (result === null) {
        if (file) await rm(file, { force: true });
        this.#safe(entry.data.runId);
        return;
      }
      if (result === "closed") return new Promise<never>(() => undefined);
      if (file === null) await keep(result.error);
      else this.events.retryFailed(result.error);
      if ((await this.#orClosed(sleep(this.retryMs, undefined, { signal: this.#closing.signal }).catch(() => "closed" as const))) === "closed") {
        return new Promise<never>(() => undefined);
      }
    }
  }

  /** Stores every outcome an earlier process left on disk; returns how many. */
  async drain(store: (entry: SpooledOutcome) => Promise<void>): Promise<number> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    let stored = 0;
    for (const name of names.filter((n) => n.endsWith(".json"))) {
      const file = join(this.dir, name);
      const entry = JSON.parse(await readFile(file, "utf8")) as SpooledOutcome;
      await this.store(entry, store);
      await rm(file, { force: true });
      stored++;
    }
    return stored;
  }

  /** `work` (a run's execution) will hand its outcome to `store`: the run is unsafe until then, or until `work` is over. */
  hold<T>(runId: string, work: Promise<T>): Promise<T> {
    let settle = () => undefined as void;
    const safe = new Promise<void>((resolve) => (settle = resolve));
    const held = { safe, settle, isSafe: false };
    this.#held.set(runId, held);
    const release = () => {
      held.settle();
      if (this.#held.get(runId) === held) this.#held.delete(runId);
    };
    work.then(release, release);
    return work;
  }

  /** Resolves once every run held now is safe: its outcome stored or on disk, or its work over. */
  async whenSafe(): Promise<void> {
    await Promise.all([...this.#held.values()].map((held) => held.safe));
  }

  /** The runs whose outcome is neither stored nor on disk yet. */
  unsafe(): string[] {
    return [...this.#held].filter(([, held]) => !held.isSafe).map(([runId]) => runId);
  }

  /** How many outcomes wait on disk for Redis (this process's and any an earlier one left). */
  async waiting(): Promise<number> {
    return (await readdir(this.dir).catch(() => [] as string[])).filter((name) => name.endsWith(".json")).length;
  }

  /** Stops retrying: what is on disk stays there for the next start. */
  close(): void {
    this.#closing.abort();
  }

  #safe(runId: string): void {
    const held = this.#held.get(runId);
    if (!held) return;
    held.isSafe = true;
    held.settle();
  }

  async #orClosed<T>(promise: Promise<T>): Promise<T | "closed"> {
    const signal = this.#closing.signal;
    if (signal.aborted) return "closed";
    let onAbort = () => undefined as void;
    const closed = new Promise<"closed">((resolve) => {
      onAbort = () => resolve("closed");
      signal.addEventListener("abort", onAbort, { once: true });
    });
    try {
      return await Promise.race([promise, closed]);
    } finally {
      signal.removeEventListener("abort", onAbort);
    }
  }

  async #keep(entry: SpooledOutcome): Promise<string> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const file = join(this.dir, `${entry.data.runId}-${entry.outcome.attempt}.json`);
    // Written whole or not at all: a crash mid-write must not leave half an outcome to drain.
    await writeFile(`${file}.tmp`, JSON.stringify(entry), { mode: 0o600 });
    await rename(`${file}.tmp`, file);
    return file;
  }
}
