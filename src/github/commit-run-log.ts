import { createHash } from "node:crypto";
import { enableAutoMerge, type AutoMerge } from "./enable-auto-merge.js";
import { openCleanupPullRequest } from "./open-cleanup-pull-request.js";
import type { GitHubClient } from "./octokit.js";

export interface RunLogCommit {
  owner: string;
  repo: string;
  /** The default branch. */
  branch: string;
  logPath: string;
  log: string;
  scriptPath: string;
  message: string;
  /** "commit" (default): straight onto `branch`, through a pull request if it is protected. */
  mode?: "commit" | "pull_request";
  /** The cleanup branch a pull request comes from, e.g. `chorebot/cleanup-<runId>`. */
  branchName: string;
}

export type RunLogResult =
  | { kind: "commit"; commit: string; created: boolean }
  | { kind: "pull_request"; commit: string; number: number; url: string; autoMerge: AutoMerge };

const ATTEMPTS = 5;

/**
 * Adds the run log and deletes the script in ONE commit (Git Data API), so no branch ever
 * holds a log without the deletion.
 *
 * - mode "commit": the commit goes straight onto the default branch, without forcing; when
 *   someone pushes meanwhile it is rebuilt on the new head. When the branch is protected
 *   (classic protection or a ruleset requiring pull requests), the same commit goes the
 *   pull-request way instead.
 * - mode "pull_request": the commit goes on `branchName`, an open pull request into the
 *   default branch is reused or opened, and auto-merge is enabled when the repository allows it.
 *
 * Idempotent, for retried cleanup jobs: nothing is written when the default branch already
 * has this exact log and no script (e.g. the cleanup pull request was merged), and a cleanup
 * branch already holding it is reused with its open pull request.
 */
export async function commitRunLog(octokit: GitHubClient, change: RunLogCommit): Promise<RunLogResult> {
  const { owner, repo, branch } = change;
  for (let attempt = 1; ; attempt++) {
    const { data: ref } = await octokit.rest.git.getRef({ owner, repo, ref: `heads/${branch}` });
    const head = ref.object.sha;
    const onDefault = await runLogAt(octokit, change, head);
    if (onDefault.done) return { kind: "commit", commit: head, created: false };

    // An earlier attempt already went the pull-request way: carry on there, write nothing new.
    const cleanupHead = await branchHead(octokit, change, change.branchName);
    if (cleanupHead !== null && (await runLogAt(octokit, change, cleanupHead)).done) {
      return proposeCleanup(octokit, change, cleanupHead, (change.mode ?? "commit") === "commit");
    }

    const commit = await buildCommit(octokit, change, head, onDefault.script);
    if (change.mode === "pull_request") {
      return proposeCleanup(octokit, change, await pointCleanupBranch(octokit, change, commit, cleanupHead !== null), false);
    }
    try {
      await octokit.rest.git.updateRef({ owner, repo, ref: `heads/${branch}`, sha: commit, force: false });
      return { kind: "commit", commit, created: true };
    } catch (error) {
      if (isProtectedBranchRejection(error)) {
        return proposeCleanup(octokit, change, await pointCleanupBranch(octokit, change, commit, cleanupHead !== null), true);
      }
      // 422 "Update is not a fast forward": the branch moved under us; rebuild on the new head.
      if (!isNotFastForward(error) || attempt >= ATTEMPTS) throw error;
    }
  }
}

/** Whether `commit` already has this exact log and no script, and whether the script is there. */
async function runLogAt(
  octokit: GitHubClient,
  change: RunLogCommit,
  commit: string,
): Promise<{ done: boolean; script: boolean }> {
  const { owner, repo } = change;
  const [logSha, scriptSha] = await Promise.all([
    shaAt(octokit, { owner, repo, commit, path: change.logPath }),
    shaAt(octokit, { owner, repo, commit, path: change.scriptPath }),
  ]);
  // Compare git blob ids, not contents: the contents API leaves out files over 1 MB.
  return { done: logSha === gitBlobSha(change.log) && scriptSha === null, script: scriptSha !== null };
}

/** Log added, script deleted, parent = `head`. Returns the new commit's sha. */
async function buildCommit(octokit: GitHubClient, change: RunLogCommit, head: string, script: boolean): Promise<string> {
  const { owner, repo } = change;
  const { data: headCommit } = await octokit.rest.git.getCommit({ owner, repo, commit_sha: head });
  const { data: tree } = await octokit.rest.git.createTree({
    owner,
    repo,
    base_tree: headCommit.tree.sha,
    tree: [
      { path: change.logPath, mode: "100644", type: "blob", content: change.log },
      ...(script ? [{ path: change.scriptPath, mode: "100644" as const, type: "blob" as const, sha: null }] : []),
    ],
  });
  const { data: commit } = await octokit.rest.git.createCommit({ owner, repo, message: change.message, tree: tree.sha, parents: [head] });
  return commit.sha;
}

/**
 * Puts `commit` on the cleanup branch and returns the branch's head: created when missing;
 * when it exists (a stale attempt, or a concurrent one that got there first) it is kept if
 * it already holds this log, otherwise force-moved to `commit` (it is chorebot's own branch).
 */
async function pointCleanupBranch(octokit: GitHubClient, change: RunLogCommit, commit: string, exists: boolean): Promise<string> {
  const { owner, repo, branchName } = change;
  if (!exists) {
    try {
      await octokit.rest.git.createRef({ owner, repo, ref: `refs/heads/${branchName}`, sha: commit });
      return commit;
    } catch (error) {
      if (!isReferenceExists(error)) throw error;
    }
    const current = await branchHead(octokit, change, branchName);
    if (current !== null && (await runLogAt(octokit, change, current)).done) return current;
  }
  await octokit.rest.git.updateRef({ owner, repo, ref: `heads/${branchName}`, sha: commit, force: true });
  return commit;
}

async function proposeCleanup(
  octokit: GitHubClient,
  change: RunLogCommit,
  commit: string,
  protectedBranch: boolean,
): Promise<RunLogResult> {
  const { owner, repo } = change;
  const why = protectedBranch
    ? `\`${change.branch}\` does not accept direct commits, so chorebot proposes them here.`
    : "This repository's `.github/chorebot.yml` sets `cleanup: pull_request`.";
  const pr = await openCleanupPullRequest(octokit, {
    owner,
    repo,
    head: change.branchName,
    base: change.branch,
    title: `chorebot: run log for ${change.scriptPath}`,
    body: [
      `chorebot ran \`${change.scriptPath}\`. This pull request adds its run log, \`${change.logPath}\`, and deletes the script so it never runs again.`,
      why,
    ].join("\n\n"),
  });
  const autoMerge = await enableAutoMerge(octokit, { owner, repo, nodeId: pr.nodeId, alreadyEnabled: pr.autoMergeEnabled });
  return { kind: "pull_request", commit, number: pr.number, url: pr.url, autoMerge };
}

/** The branch's head commit, or null when there is no such branch. */
async function branchHead(octokit: GitHubClient, change: RunLogCommit, branch: string): Promise<string | null> {
  try {
    const { data } = await octokit.rest.git.getRef({ owner: change.owner, repo: change.repo, ref: `heads/${branch}` });
    return data.object.sha;
  } catch (error) {
    if ((error as { status?: number }).status === 404) return null;
    throw error;
  }
}

function errorText(error: unknown): { status: number | undefined; text: string } {
  const { status, message, response } = error as { status?: number; message?: string; response?: { data?: { message?: unknown } } };
  const dataMessage = response?.data?.message;
  return { status, text: `${message ?? ""}\n${typeof dataMessage === "string" ? dataMessage : ""}` };
}

/**
 * Classic protection: 422 (sometimes 403) "Protected branch update failed for refs/heads/main.";
 * rulesets: 422 "Repository rule violations found … Changes must be made through a pull request."
 */
function isProtectedBranchRejection(error: unknown): boolean {
  const { status, text } = errorText(error);
  return (status === 422 || status === 403) && /protected branch|repository rule violations/i.test(text);
}

function isNotFastForward(error: unknown): boolean {
  const { status, text } = errorText(error);
  return status === 422 && /fast.?forward/i.test(text);
}

function isReferenceExists(error: unknown): boolean {
  const { status, text } = errorText(error);
  return status === 422 && /reference already exists/i.test(text);
}

/** The git object id at `path` (a directory listing counts as present), or null when nothing is there. */
async function shaAt(octokit: GitHubClient, at: { owner: string; repo: string; commit: string; path: string }): Promise<string | null> {
  try {
    const { data } = await octokit.rest.repos.getContent({ owner: at.owner, repo: at.repo, path: at.path, ref: at.commit });
    return Array.isArray(data) ? "directory" : data.sha;
  } catch (error) {
    if ((error as { status?: number }).status === 404) return null;
    throw error;
  }
}

/** The id git gives a blob with this content. */
export function gitBlobSha(text: string): string {
  const bytes = Buffer.from(text, "utf8");
  return createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
}
