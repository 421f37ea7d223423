import { Worker } from "node:worker_threads";
import type { RepoEntry } from "../github/read-file-at-commit.js";
import type { CheckTask, CheckTasks, FromCheckThread, TaskKind, ToCheckThread } from "./check-tasks.js";
import { ComputeTimer } from "./compute-timer.js";
import { locateCheckWorker } from "./locate-check-worker.js";
import type { LimitHit } from "./work-limits.js";

export type TaskOutcome<T> = ({ ok: true; result: T } | { ok: false; stopped: LimitHit }) & { spentMs: number };

export interface TaskOptions<P> {
  /** Computing time the task may take. */
  timeMs: number;
  /** Reads a repository file for the thread (the main thread alone speaks to GitHub). */
  read: (path: string) => Promise<RepoEntry>;
  onProgress?: (progress: P) => void;
}

/**
 * One worker thread that parses and type-checks pull requests' code with TypeScript, one
 * task at a time, so that the main thread (webhooks, dashboard, job-lock renewals) never
 * waits on it. Its heap is capped by V8 (`resourceLimits`); a task over its time is stopped
 * by terminating the thread. A thread stopped for a limit, or dead for any reason, is
 * replaced by a fresh one for the next task. It starts no processes, so stopping it leaves
 * nothing behind.
 */
export class CheckThread {
  #worker: Promise<Worker> | null = null;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(readonly memoryMb: number) {}

  run<K extends TaskKind>(task: CheckTask<K>, options: TaskOptions<CheckTasks[K]["progress"]>): Promise<TaskOutcome<CheckTasks[K]["result"]>> {
    const turn = this.#queue.then(() => this.#run(task as CheckTask, options as TaskOptions<unknown>));
    this.#queue = turn.catch(() => {});
    return turn as Promise<TaskOutcome<CheckTasks[K]["result"]>>;
  }

  async #run(task: CheckTask, options: TaskOptions<unknown>): Promise<TaskOutcome<unknown>> {
    const worker = await this.#start();
    return new Promise((resolve, reject) => {
      // The main thread keeps a failed read's error (an HttpError), to throw it as before.
      let readError: unknown = null;
      let settled = false;
      const settle = (finish: (spentMs: number) => void) => {
        if (settled) return;
        settled = true;
        worker.off("message", onMessage).off("error", onError).off("exit", onExit);
        finish(timer.stop());
      };
      const timer = new ComputeTimer(options.timeMs, () =>
        settle((spentMs) => {
          this.#worker = null;
          // Resolved once the thread is gone: the next task never shares memory with it.
          void worker.terminate().then(() => resolve({ ok: false, stopped: "time", spentMs }));
        }),
      );
      const onMessage = (message: FromCheckThread) => {
        if (message.type === "read") {
          timer.wait();
          // Read failures are caught just below (and reported when the thread gives up), so nothing is left to await.
          void options
            .read(message.path)
            .catch((error: unknown) => {
              readError ??= error;
              return null;
            })
            .then((entry) => {
              if (settled) return;
              worker.postMessage({ type: "entry", id: message.id, entry } satisfies ToCheckThread);
              timer.answered();
            });
        } else if (message.type === "progress") {
          options.onProgress?.(message.progress);
        } else if (message.type === "done") {
          settle((spentMs) => resolve({ ok: true, result: message.result, spentMs }));
        } else if (message.type === "failed") {
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the read's own error, passed on as is
          settle(() => reject(readError ?? new Error(message.message)));
        }
      };
      const onError = (error: Error & { code?: string }) =>
        settle((spentMs) => {
          if (error.code === "ERR_WORKER_OUT_OF_MEMORY") resolve({ ok: false, stopped: "memory", spentMs });
          else reject(error);
        });
      const onExit = (code: number) => settle(() => reject(new Error(`the check thread exited with code ${code}`)));
      worker.on("message", onMessage).on("error", onError).on("exit", onExit);
      worker.postMessage({ type: "task", task } satisfies ToCheckThread);
    });
  }

  #start(): Promise<Worker> {
    if (this.#worker !== null) return this.#worker;
    const entry = locateCheckWorker();
    const worker = new Worker(entry.url, {
      ...(entry.execArgv ? { execArgv: entry.execArgv } : {}),
      resourceLimits: { maxOldGenerationSizeMb: this.memoryMb },
      // Nothing in the thread needs the environment: the app's secrets stay out of it.
      env: {},
    });
    // Idle, it must not keep the process up (a running task's timer does).
    worker.unref();
    const started = new Promise<Worker>((resolve, reject) => {
      worker.once("message", () => resolve(worker));
      // However it ends (a limit, a crash, even while idle), the next task starts another.
      const forget = (error: Error) => {
        if (this.#worker === started) this.#worker = null;
        reject(error);
      };
      worker.on("error", forget).on("exit", (code) => forget(new Error(`the check thread exited with code ${code}`)));
    });
    this.#worker = started;
    return started;
  }
}

const threads = new Map<number, CheckThread>();

/** The process's check thread for this memory limit (in production there is one limit, so one thread). */
export function sharedCheckThread(memoryMb: number): CheckThread {
  let thread = threads.get(memoryMb);
  if (thread === undefined) {
    thread = new CheckThread(memoryMb);
    threads.set(memoryMb, thread);
  }
  return thread;
}
