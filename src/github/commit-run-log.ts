import { createHash } from "node:crypto";
import { enableAutoMerge, type AutoMerge } from "./enable-auto-merge.js";
import { githubStatus, isNotFastForward, isNotFound, isProtectedBranch, isReferenceExists } from "./http-error.js";
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
  /**
   * Leave the script where it is and add only the log: a chore stays in the repository to run
   * again. Default (a one-off script): the log and the script's deletion land in one commit.
   */
  keepScript?: boolean;
  /**
   * Files that go with the script (its reviewed inputs file): deleted in the same commit as it,
   * wherever they are still there. Never with `keepScript`.
   */
  alsoDelete?: readonly string[];
  /** The run the log belongs to, and its outcome in a few words ("scripts/x.ts succeeded"), for the commit message. */
  runId: string;
  title: string;
  /** "commit" (default): straight onto `branch`, through a pull request if it is protected. */
  mode?: "commit" | "pull_request";
  /** The cleanup branch a pull request comes from, e.g. `chorebot/cleanup-<runId>`. */
  branchName: string;
  /**
   * The merge commit the script came from. It holds the script and not the log, so one
   * compare from it to the head tells where both stand, for every run of the merge at once.
   * Without it each run's two paths are looked up one by one.
   */
  since?: string;
  /**
   * The first cleanup try of a run's first attempt: no earlier try can have committed the log
   * or proposed it in a pull request, and nothing but this run deletes its script, so nothing
   * is looked up. If the script is gone after all, GitHub refuses the deletion and the change
   * is looked up and rebuilt at once: a script already deleted is not a failure.
   */
  firstTry?: boolean;
}

export type RunLogResult =
  { kind: "commit"; commit: string; created: boolean } | { kind: "pull_request"; commit: string; number: number; url: string; autoMerge: AutoMerge };

const ATTEMPTS = 5;

/**
 * Adds the run log and deletes the script in ONE commit (Git Data API), so no branch ever
 * holds a log without the deletion (with `keepScript`, a chore run's, only adds the log).
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
  if (change.mode === "pull_request") return commitThroughPullRequest(octokit, change);
  const [result] = await commitRunLogs(octokit, [change]);
  return result!;
}

/**
 * commitRunLog for several runs of one repository at once, in mode "commit": one commit adds
 * every log and deletes every script, so runs finishing together cost one commit (and one
 * ref update to race with) instead of one each. Each run's log and deletion still land
 * together. Results are in the order of `changes`.
 */
export async function commitRunLogs(octokit: GitHubClient, given: readonly RunLogCommit[]): Promise<RunLogResult[]> {
  let changes = given;
  const { owner, repo, branch } = changes[0]!;
  if (changes.some((c) => c.owner !== owner || c.repo !== repo || c.branch !== branch || c.mode === "pull_request")) {
    throw new Error("commitRunLogs takes direct commits to one branch of one repository");
  }
  for (let attempt = 1; ; attempt++) {
    const { data: ref } = await octokit.rest.git.getRef({ owner, repo, ref: `heads/${branch}` });
    const head = ref.object.sha;
    const known = await knownFromCompare(octokit, changes, head);
    const states = await Promise.all(changes.map((change, i) => stateAt(octokit, change, head, known.get(i))));
    const todo = states.flatMap((state, i) =>
      state.kind === "todo" ? [{ change: changes[i]!, script: state.script, companions: state.companions, cleanupHead: state.cleanupHead, i }] : [],
    );
    const results = new Map<number, RunLogResult>();
    if (todo.length > 0) {
      let commit: string;
      try {
        commit = await buildCommit(octokit, head, todo);
      } catch (error) {
        if (!isDeletingMissingPath(error) || !changes.some((c) => c.firstTry)) throw error;
        // A script assumed there is gone already: look everything up this time.
        changes = changes.map((c) => ({ ...c, firstTry: false }));
        continue;
      }
      try {
        await octokit.rest.git.updateRef({ owner, repo, ref: `heads/${branch}`, sha: commit, force: false });
        for (const { i } of todo) results.set(i, { kind: "commit", commit, created: true });
      } catch (error) {
        if (isProtectedBranch(error)) {
          // Each run gets its own cleanup pull request, so each needs a commit of its own.
          if (todo.length === 1) {
            const [{ change, cleanupHead, i }] = todo as [(typeof todo)[number]];
            results.set(i, await proposeCleanup(octokit, change, await pointCleanupBranch(octokit, change, commit, cleanupHead !== null), true));
          } else {
            for (const { change, i } of todo) results.set(i, await commitRunLog(octokit, change));
          }
        } else if (!isNotFastForward(error) || attempt >= ATTEMPTS) {
          throw error;
        } else {
          // 422 "Update is not a fast forward": the branch moved under us; rebuild on the new head.
          continue;
        }
      }
    }
    return Promise.all(
      states.map((state, i) => {
        if (state.kind === "done") return { kind: "commit" as const, commit: head, created: false };
        // An earlier attempt already went the pull-request way: carry on there, write nothing new.
        if (state.kind === "proposed") return proposeCleanup(octokit, changes[i]!, state.cleanupHead, true);
        return results.get(i)!;
      }),
    );
  }
}

type ChangeState =
  | { kind: "done" }
  | { kind: "proposed"; cleanupHead: string }
  /** `companions`: the `alsoDelete` paths still there. */
  | { kind: "todo"; script: boolean; companions: string[]; cleanupHead: string | null };

/** Where a change stands against the default branch at `head` and its own cleanup branch. */
async function stateAt(octokit: GitHubClient, change: RunLogCommit, head: string, known?: PathsAtHead): Promise<ChangeState> {
  if (change.firstTry) return { kind: "todo", script: !change.keepScript, companions: companionsOf(change), cleanupHead: null };
  // What one compare cannot tell (a companion the merge may not have had) is looked up.
  const companions = known ? await companionsAt(octokit, change, head) : [];
  const onDefault = known
    ? { done: known.log === gitBlobSha(change.log) && !known.script && companions.length === 0, script: known.script, companions }
    : await runLogAt(octokit, change, head);
  if (onDefault.done) return { kind: "done" };
  const cleanupHead = await branchHead(octokit, change, change.branchName);
  if (cleanupHead !== null && (await runLogAt(octokit, change, cleanupHead)).done) return { kind: "proposed", cleanupHead };
  return { kind: "todo", script: onDefault.script, companions: onDefault.companions, cleanupHead };
}

async function commitThroughPullRequest(octokit: GitHubClient, change: RunLogCommit): Promise<RunLogResult> {
  const { data: ref } = await octokit.rest.git.getRef({ owner: change.owner, repo: change.repo, ref: `heads/${change.branch}` });
  const head = ref.object.sha;
  const state = await stateAt(octokit, change, head);
  if (state.kind === "done") return { kind: "commit", commit: head, created: false };
  if (state.kind === "proposed") return proposeCleanup(octokit, change, state.cleanupHead, false);
  let commit: string;
  try {
    commit = await buildCommit(octokit, head, [{ change, script: state.script, companions: state.companions }]);
  } catch (error) {
    if (!isDeletingMissingPath(error) || !change.firstTry) throw error;
    return commitThroughPullRequest(octokit, { ...change, firstTry: false });
  }
  return proposeCleanup(octokit, change, await pointCleanupBranch(octokit, change, commit, state.cleanupHead !== null), false);
}

interface PathsAtHead {
  /** The log's blob id at the head, or null when it is not there. */
  log: string | null;
  script: boolean;
}

// GitHub lists at most this many files in a compare; a longer list may be cut short.
const COMPARE_FILE_LIMIT = 300;

/**
 * What one compare per merge commit (`since`...head) says about each change's log and script,
 * by index. Changes it cannot tell about (no `since`, history rewritten, too many files, an
 * error) are left out and looked up path by path.
 */
async function knownFromCompare(octokit: GitHubClient, changes: readonly RunLogCommit[], head: string): Promise<Map<number, PathsAtHead>> {
  const known = new Map<number, PathsAtHead>();
  const bySince = new Map<string, { change: RunLogCommit; i: number }[]>();
  changes.forEach((change, i) => {
    if (change.since !== undefined && !change.firstTry) bySince.set(change.since, [...(bySince.get(change.since) ?? []), { change, i }]);
  });
  await Promise.all(
    [...bySince].map(async ([since, group]) => {
      const { owner, repo } = group[0]!.change;
      let files: { filename: string; status: string; sha?: string | null; previous_filename?: string }[];
      try {
        const { data } = await octokit.rest.repos.compareCommitsWithBasehead({ owner, repo, basehead: `${since}...${head}`, per_page: 1 });
        if (data.status !== "ahead" && data.status !== "identical") return;
        files = data.files ?? [];
      } catch (error) {
        if (githubStatus(error) !== null) return;
        throw error;
      }
      if (files.length >= COMPARE_FILE_LIMIT) return;
      // Changed since the merge: its state at the head; unchanged: as at the merge (script, no log).
      const at = (path: string, atMerge: string | null): string | null => {
        const file = files.find((f) => f.filename === path);
        if (file) return file.status === "removed" ? null : (file.sha ?? null);
        return files.some((f) => f.status === "renamed" && f.previous_filename === path) ? null : atMerge;
      };
      for (const { change, i } of group) {
        known.set(i, { log: at(change.logPath, null), script: !change.keepScript && at(change.scriptPath, "present") !== null });
      }
    }),
  );
  return known;
}

/**
 * Whether `commit` already has this exact log and no script, and whether the script is there
 * to delete (a script kept, a chore, counts as not there: nothing deletes it).
 */
async function runLogAt(octokit: GitHubClient, change: RunLogCommit, commit: string): Promise<{ done: boolean; script: boolean; companions: string[] }> {
  const { owner, repo } = change;
  const [logSha, scriptSha, companions] = await Promise.all([
    shaAt(octokit, { owner, repo, commit, path: change.logPath }),
    change.keepScript ? null : shaAt(octokit, { owner, repo, commit, path: change.scriptPath }),
    companionsAt(octokit, change, commit),
  ]);
  // Compare git blob ids, not contents: the contents API leaves out files over 1 MB.
  return { done: logSha === gitBlobSha(change.log) && scriptSha === null && companions.length === 0, script: scriptSha !== null, companions };
}

/** The paths deleted with the script; none for a kept script (a chore). */
function companionsOf(change: RunLogCommit): string[] {
  return change.keepScript ? [] : [...(change.alsoDelete ?? [])];
}

/** The companions still there at `commit`. */
async function companionsAt(octokit: GitHubClient, change: RunLogCommit, commit: string): Promise<string[]> {
  const paths = companionsOf(change);
  const shas = await Promise.all(paths.map((path) => shaAt(octokit, { owner: change.owner, repo: change.repo, commit, path })));
  return paths.filter((_, i) => shas[i] !== null);
}

/** Every log added and every script deleted, parent = `head`. Returns the new commit's sha. */
async function buildCommit(
  octokit: GitHubClient,
  head: string,
  todo: readonly { change: RunLogCommit; script: boolean; companions: readonly string[] }[],
): Promise<string> {
  const { owner, repo } = todo[0]!.change;
  const { data: headCommit } = await octokit.rest.git.getCommit({ owner, repo, commit_sha: head });
  // A dashboard retry deletes the same script again: one deletion per path. Its inputs file goes with it.
  const deletions = [...new Set(todo.flatMap((t) => [...(t.script ? [t.change.scriptPath] : []), ...t.companions]))];
  const { data: tree } = await octokit.rest.git.createTree({
    owner,
    repo,
    base_tree: headCommit.tree.sha,
    tree: [
      ...todo.map(({ change }) => ({ path: change.logPath, mode: "100644" as const, type: "blob" as const, content: change.log })),
      ...deletions.map((path) => ({ path, mode: "100644" as const, type: "blob" as const, sha: null })),
    ],
  });
  const { data: commit } = await octokit.rest.git.createCommit({
    owner,
    repo,
    message: commitMessage(todo.map((t) => t.change)),
    tree: tree.sha,
    parents: [head],
  });
  return commit.sha;
}

function commitMessage(changes: readonly RunLogCommit[]): string {
  if (changes.length === 1) {
    const [change] = changes as [RunLogCommit];
    return `chorebot: ${change.title}\n\nRun ${change.runId}; log in ${change.logPath}.`;
  }
  const lines = changes.map((change) => `- ${change.title}: run ${change.runId}, log in ${change.logPath}`);
  return `chorebot: run logs of ${changes.length} scripts\n\n${lines.join("\n")}`;
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

async function proposeCleanup(octokit: GitHubClient, change: RunLogCommit, commit: string, protectedBranch: boolean): Promise<RunLogResult> {
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
      change.keepScript
        ? `chorebot ran \`${change.scriptPath}\`. This pull request adds its run log, \`${change.logPath}\`; the chore stays.`
        : `chorebot ran \`${change.scriptPath}\`. This pull request adds its run log, \`${change.logPath}\`, and deletes the script so it never runs again.`,
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
    if (isNotFound(error)) return null;
    throw error;
  }
}

/** The git object id at `path` (a directory listing counts as present), or null when nothing is there. */
async function shaAt(octokit: GitHubClient, at: { owner: string; repo: string; commit: string; path: string }): Promise<string | null> {
  try {
    const { data } = await octokit.rest.repos.getContent({ owner: at.owner, repo: at.repo, path: at.path, ref: at.commit });
    return Array.isArray(data) ? "directory" : data.sha;
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}

/**
 * A 422 from building the commit: what GitHub answers a deletion of a path the base tree lacks
 * ("GitRPC::BadObjectState", or "tree.path … does not exist in base_tree"). Any 422 will do:
 * the retry looks every path up, and a 422 for another reason fails it again.
 */
function isDeletingMissingPath(error: unknown): boolean {
  return githubStatus(error) === 422;
}

/** The id git gives a blob with this content. */
export function gitBlobSha(text: string): string {
  const bytes = Buffer.from(text, "utf8");
  return createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
}
