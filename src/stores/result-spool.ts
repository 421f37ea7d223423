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

/**
 * Where a finished script's outcome waits when Redis cannot store it (full, read-only,
 * unreachable): one JSON file per attempt in `dir`, written before the first retry and
 * removed once stored, so the log of a script that ran still lands, even after this worker
 * restarts (`drain` at startup). Bounded: a worker holds at most one outcome per script it
 * runs at once, each at most OUTPUT_LIMIT of output.
 */
export class ResultSpool {
  constructor(
    private readonly dir: string,
    private readonly retryMs: number,
    private readonly events: {
      /** An outcome went to disk (once per outcome). */
      kept(entry: SpooledOutcome, error: unknown): void;
      /** Storing it failed again. */
      retryFailed(error: unknown): void;
    },
  ) {}

  /** Runs `store` until it succeeds; while it fails, the outcome is kept on disk. */
  async store(entry: SpooledOutcome, store: (entry: SpooledOutcome) => Promise<void>): Promise<void> {
    let file: string | null = null;
    for (;;) {
      try {
        await store(entry);
        if (file) await rm(file, { force: true });
        return;
      } catch (error) {
        if (file === null) {
          file = await this.keep(entry);
          this.events.kept(entry, error);
        } else {
          this.events.retryFailed(error);
        }
        await sleep(this.retryMs);
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

  private async keep(entry: SpooledOutcome): Promise<string> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const file = join(this.dir, `${entry.data.runId}-${entry.outcome.attempt}.json`);
    // Written whole or not at all: a crash mid-write must not leave half an outcome to drain.
    await writeFile(`${file}.tmp`, JSON.stringify(entry), { mode: 0o600 });
    await rename(`${file}.tmp`, file);
    return file;
  }
}
