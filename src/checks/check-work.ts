import type { RepoEntry } from "../github/read-file-at-commit.js";
import type { CheckTask, CheckTasks, TaskKind } from "./check-tasks.js";
import { sharedCheckThread, type TaskOutcome } from "./check-thread.js";
import type { WorkLimits } from "./work-limits.js";

/**
 * The work of one pull request's check: reading its files (here, where GitHub is spoken
 * to) and the tasks it gives the check thread. Its time limit spans all of its tasks, so a
 * pull request with many scripts gets no more than one with a single script.
 */
export class CheckWork {
  /** Every file read so far (repository path → text): the check thread is given them, not asked to read them again. */
  readonly texts = new Map<string, string>();
  #leftMs: number;

  constructor(
    readonly limits: WorkLimits,
    private readonly readEntry: (path: string) => Promise<RepoEntry>,
  ) {
    this.#leftMs = limits.timeMs;
  }

  readonly read = async (path: string): Promise<RepoEntry> => {
    const entry = await this.readEntry(path);
    if (entry.kind === "file") this.texts.set(path, entry.text);
    return entry;
  };

  async run<K extends TaskKind>(task: CheckTask<K>, onProgress?: (progress: CheckTasks[K]["progress"]) => void): Promise<TaskOutcome<CheckTasks[K]["result"]>> {
    if (this.#leftMs <= 0) return { ok: false, stopped: "time", spentMs: 0 };
    const thread = sharedCheckThread(this.limits.memoryMb);
    const outcome = await thread.run(task, { timeMs: this.#leftMs, read: this.read, ...(onProgress ? { onProgress } : {}) });
    this.#leftMs -= outcome.spentMs;
    return outcome;
  }
}
