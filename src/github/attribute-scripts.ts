import { bringsFile } from "./changed-scripts.js";
import { judgeInputsFile, type InputsFileAtPush } from "./judge-inputs-file.js";
import type { MergedPullRequest } from "./merged-pull-requests.js";
import type { PullRequestFile } from "./pull-request-files.js";

/** What a pushed entry script is, as far as provenance goes: which pull request brought it, or why none did. */
export type Attribution = (
  | { path: string; blob: string; pullRequest: MergedPullRequest; refusal: null }
  | { path: string; blob: string; pullRequest: MergedPullRequest | null; refusal: string }
) & {
  /** The script's inputs file as pushed (`scripts/<name>.inputs.yml`), when there is one: its values are the run's; cleanup deletes it with the script. */
  inputsFile?: { path: string; blob: string };
};

export interface MergedWithFiles {
  pull: MergedPullRequest;
  files: readonly PullRequestFile[];
  /** False when GitHub's cap on a pull request's file list may have hidden some. */
  complete: boolean;
}

/**
 * Judges each script the push added by the pull request that added it: the last one merged
 * in the push whose files add the path. It runs only if the version at the top of the push
 * is the one at that pull request's head, the version its reviews cover; a script no pull
 * request added (a direct commit, a merge commit's own change) is refused, saying so.
 */
export function attributeScripts(
  scripts: readonly { path: string; blob: string; inputsFile?: InputsFileAtPush }[],
  merged: readonly MergedWithFiles[],
  pushedTo: { after: string; defaultBranch: string },
): Attribution[] {
  // A script's inputs file is judged with it: the same pull request must have brought that very version.
  const judged = scripts.map((script) => judgeInputsFile(attributeOne(script, merged, pushedTo), script.inputsFile, merged, pushedTo));
  // `x.ts` and `x.mjs` both take `x.inputs.yml`: one file's values never feed two scripts (the check fails it too, but it is no gate).
  const sharing = new Map<string, string[]>();
  for (const { inputsFile, path } of judged) if (inputsFile) sharing.set(inputsFile.path, [...(sharing.get(inputsFile.path) ?? []), path]);
  return judged.map((attribution) => {
    const owners = attribution.inputsFile ? sharing.get(attribution.inputsFile.path)! : [];
    if (owners.length < 2 || attribution.refusal !== null) return attribution;
    return {
      ...attribution,
      refusal: `${owners.join(" and ")} would both run with ${attribution.inputsFile!.path}: an inputs file gives values to one script`,
    };
  });
}

function attributeOne(
  { path, blob }: { path: string; blob: string },
  merged: readonly MergedWithFiles[],
  pushedTo: { after: string; defaultBranch: string },
): Attribution {
  const adding = merged.findLast(({ files }) => files.some((file) => file.filename === path && bringsFile(file)));
  if (!adding) {
    const capped = merged.find((candidate) => !candidate.complete);
    const refusal = capped
      ? `pull request #${capped.pull.number} changes more files than GitHub lists (3,000), so chorebot cannot tell which pull request added ${path}; split it`
      : `${path} was not added by a pull request merged into ${pushedTo.defaultBranch} in this push (it came from a direct commit or from a merge commit's own changes); only what a reviewed pull request added runs`;
    return { path, blob, pullRequest: null, refusal };
  }
  const approved = adding.files.find((file) => file.filename === path)!.sha;
  if (approved !== blob) {
    return {
      path,
      blob,
      pullRequest: adding.pull,
      refusal: `${path} at ${pushedTo.after.slice(0, 7)} is not the version at the head of pull request #${adding.pull.number}, which its reviews cover: a merge commit or a later commit changed it`,
    };
  }
  return { path, blob, pullRequest: adding.pull, refusal: null };
}
