import { isEntryScript } from "./entry-script.js";

/** A file a change touches, as GitHub's list of a pull request's files names it. */
export interface ChangedFile {
  filename: string;
  /** GitHub's: added, removed, modified, renamed, copied, changed or unchanged. */
  status: string;
  /** The path it was renamed or copied from. */
  previous_filename?: string;
  /** Lines added and removed; a rename with none is git's exact rename. */
  changes?: number;
}

/** An entry script a change adds or changes, and whether merging the change runs it. */
export interface ChangedScript<F extends ChangedFile = ChangedFile> {
  file: F;
  runs: boolean;
}

/** Whether the change brings a file to `file.filename`: adds it, or renames or copies one there. */
export function bringsFile(file: ChangedFile): boolean {
  return file.status === "added" || file.status === "renamed" || file.status === "copied";
}

/**
 * Which files of a change are scripts that will run: the entry scripts it leaves in place
 * (added, changed, moved or copied; not removed), in path order, each with `runs` true when
 * merging the change runs it. A script runs once, when its content first appears at its
 * path: an added or copied one runs (a copy is a new script; its original stays), and so
 * does one renamed from a path that was not an entry script (a draft, a helper) or renamed
 * with edits; one moved unchanged from an entry script, or edited in place, does not. The
 * push (which compares trees: exact renames only) and the pull request check both judge by
 * this, so what the check says will run is what runs.
 */
export function changedScripts<F extends ChangedFile>(files: readonly F[], scriptsDir: string): ChangedScript<F>[] {
  return files
    .filter((file) => file.status !== "removed" && file.status !== "unchanged" && isEntryScript(file.filename, scriptsDir))
    .sort((a, b) => (a.filename < b.filename ? -1 : a.filename > b.filename ? 1 : 0))
    .map((file) => ({ file, runs: runsOnMerge(file, scriptsDir) }));
}

function runsOnMerge(file: ChangedFile, scriptsDir: string): boolean {
  if (file.status === "added" || file.status === "copied") return true;
  if (file.status !== "renamed") return false;
  const movedScript = file.previous_filename !== undefined && isEntryScript(file.previous_filename, scriptsDir);
  return !movedScript || (file.changes ?? 0) > 0;
}

/**
 * The entry chores a change adds, edits, moves or copies (not removed ones), in path order.
 * Unlike a script, a chore stays in the repository and never runs on merge; an edit to one
 * is what runs from then on, so every change to one counts.
 */
export function changedChores<F extends ChangedFile>(files: readonly F[], choresDir: string): F[] {
  return files
    .filter((file) => file.status !== "removed" && file.status !== "unchanged" && isEntryScript(file.filename, choresDir))
    .sort((a, b) => (a.filename < b.filename ? -1 : a.filename > b.filename ? 1 : 0));
}
