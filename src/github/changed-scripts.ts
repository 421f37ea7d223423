import { isEntryScript } from "./entry-script.js";

/** A file a change touches, as GitHub's list of a pull request's files names it. */
export interface ChangedFile {
  filename: string;
  /** GitHub's: added, removed, modified, renamed, copied, changed or unchanged. */
  status: string;
  /** The path it was renamed or copied from. */
  previous_filename?: string;
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
 * merging the change runs it. A script runs once, when it is added: one renamed or copied
 * from a path that was not an entry script (a draft, a helper) is new; one moved or copied
 * from an entry script, or edited, already ran. Used by the push (discover) and by the pull
 * request check, so what the check says will run is what runs.
 */
export function changedScripts<F extends ChangedFile>(files: readonly F[], scriptsDir: string): ChangedScript<F>[] {
  return files
    .filter((file) => file.status !== "removed" && file.status !== "unchanged" && isEntryScript(file.filename, scriptsDir))
    .sort((a, b) => (a.filename < b.filename ? -1 : a.filename > b.filename ? 1 : 0))
    .map((file) => ({
      file,
      runs: bringsFile(file) && !(file.status !== "added" && file.previous_filename && isEntryScript(file.previous_filename, scriptsDir)),
    }));
}
