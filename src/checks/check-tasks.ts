import type { RepoEntry } from "../github/read-file-at-commit.js";
import type { Annotation } from "./check-report.js";
import type { ScriptsToTypeCheck, TypeCheckFiles } from "./gather-type-check-files.js";
import type { BundledScript, ScriptInspection } from "./inspect-bundled-script.js";
import type { TypeCheckInput } from "./type-check-scripts.js";

/** What the check thread does, each with its input, its result and what it reports on the way. */
export interface CheckTasks {
  inspect: { input: BundledScript; result: ScriptInspection; progress: never };
  gather: { input: ScriptsToTypeCheck; result: TypeCheckFiles | null; progress: never };
  /** Annotations come as progress only: those found before a stop are kept. */
  typeCheck: { input: TypeCheckInput; result: null; progress: Annotation[] };
}

export type TaskKind = keyof CheckTasks;
export type CheckTask<K extends TaskKind = TaskKind> = { [T in K]: { kind: T; input: CheckTasks[T]["input"] } }[K];

// Only data crosses between the threads: tasks and repository files in, results out.

/** Main thread → check thread. `entry` answers a `read`; null when reading failed (the main thread keeps the error). */
export type ToCheckThread = { type: "task"; task: CheckTask } | { type: "entry"; id: number; entry: RepoEntry | null };

/** Check thread → main thread. */
export type FromCheckThread =
  | { type: "ready" }
  | { type: "read"; id: number; path: string }
  | { type: "progress"; progress: unknown }
  | { type: "done"; result: unknown }
  | { type: "failed"; message: string };
