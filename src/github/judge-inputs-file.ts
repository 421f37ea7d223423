import type { Attribution, MergedWithFiles } from "./attribute-scripts.js";

/** A script's inputs file at the top of the push: its path, and its blob, or null when the push leaves none there. */
export interface InputsFileAtPush {
  path: string;
  blob: string | null;
  /** Files beside the script named like its inputs file in another case or as `.inputs.yaml` (never read): they refuse the run. */
  lookalikes?: readonly string[];
}

/**
 * Judges a script's inputs file with the script: the values a script runs with must be the
 * ones reviewed with it, so the pull request that added the script must also have added or
 * changed the inputs file, to the very version at the top of the push. An inputs file from a
 * direct push or another pull request, one changed after the review, and one the script's
 * pull request brought that a later change removed all refuse the run, saying so. A script
 * with no inputs file anywhere is attributed as before; an inputs file left at the top of
 * the push goes with the attribution either way, for cleanup to delete with the script.
 */
export function judgeInputsFile(
  attribution: Attribution,
  atPush: InputsFileAtPush | undefined,
  merged: readonly MergedWithFiles[],
  pushedTo: { after: string },
): Attribution {
  if (atPush === undefined) return attribution;
  const { path, blob } = atPush;
  const carried: Attribution = blob === null ? attribution : { ...attribution, inputsFile: { path, blob } };
  if (carried.refusal !== null) return carried;
  if (atPush.lookalikes !== undefined && atPush.lookalikes.length > 0) {
    return {
      ...carried,
      refusal:
        `${atPush.lookalikes.join(" and ")} ${atPush.lookalikes.length === 1 ? "is" : "are"} beside ${attribution.path}, but its values are read only from ${path}: ` +
        "rename it (the script would run on its defaults, not on the values reviewed there)",
    };
  }
  const pull = carried.pullRequest;
  const files = merged.findLast((candidate) => candidate.pull.number === pull.number)?.files ?? [];
  const reviewed = files.find((file) => file.filename === path && file.status !== "removed");
  const refuse = (refusal: string): Attribution => ({ ...carried, refusal });
  if (blob === null) {
    if (reviewed === undefined) return carried;
    return refuse(
      `${path} came with ${attribution.path} in pull request #${pull.number} but is gone at ${pushedTo.after.slice(0, 7)} (a later change deleted it); ` +
        "the script only runs with the values reviewed with it",
    );
  }
  if (reviewed === undefined) {
    return refuse(
      `${path} was not added or changed by pull request #${pull.number}, which added ${attribution.path} (it came from a direct push or from another pull request); ` +
        "a script only runs with an inputs file reviewed and approved with it",
    );
  }
  if (reviewed.sha !== blob) {
    return refuse(
      `${path} at ${pushedTo.after.slice(0, 7)} is not the version at the head of pull request #${pull.number}, which its reviews cover: a merge commit or a later commit changed it`,
    );
  }
  return carried;
}
