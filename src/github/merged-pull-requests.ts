import type { RangeCommit } from "./first-parent-chain.js";
import type { GitHubClient } from "./octokit.js";

/** A pull request merged into the default branch by one commit of the push. */
export interface MergedPullRequest {
  number: number;
  title: string;
  url: string;
  author: string;
  headSha: string;
  /** Where it landed on the default branch: its merge, squash or last rebased commit. */
  mergeCommit: string;
  /** The default branch just before it landed (for a rebase, before its first rebased commit). */
  baseCommit: string;
}

interface AssociatedPull {
  number: number;
  title: string;
  html_url: string;
  user: { login: string } | null;
  head: { sha: string };
  base: { ref: string };
  merged_at: string | null;
  merge_commit_sha: string | null;
}

/** The pull requests GitHub associates with a commit (every page); the first answer per commit is kept. */
export interface AssociationLookup {
  ask(sha: string): Promise<AssociatedPull[]>;
  askAgain(sha: string): Promise<AssociatedPull[]>;
}

export function associationLookup(octokit: GitHubClient, repo: { owner: string; repo: string }): AssociationLookup {
  const asked = new Map<string, Promise<AssociatedPull[]>>();
  const askAgain = (sha: string) => {
    const answer = octokit.paginate(octokit.rest.repos.listPullRequestsAssociatedWithCommit, { ...repo, commit_sha: sha, per_page: 100 });
    asked.set(sha, answer);
    return answer;
  };
  return { ask: (sha) => asked.get(sha) ?? askAgain(sha), askAgain };
}

export interface FindOptions {
  /** How long to keep asking about commits GitHub made but names no pull request for yet. */
  waitMs: number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * The pull requests merged into `defaultBranch` along the pushed first-parent line, each
 * with the commit it landed at and the branch tip before it. Every commit is asked
 * separately (in parallel), so a batched push (merge queue) yields each of its pull requests.
 *
 * Right after a merge GitHub may still answer that a commit it made belongs to no pull
 * request; such commits are asked again, with backoff, for up to `waitMs`. Commits a person
 * pushed are not waited for: they carry no pull request to wait for.
 */
export async function findMergedPullRequests(
  associations: AssociationLookup,
  at: { before: string; defaultBranch: string },
  chain: readonly RangeCommit[],
  options: FindOptions,
): Promise<MergedPullRequest[]> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const ask = (sha: string) => associations.ask(sha);
  const mergedHere = (pulls: readonly AssociatedPull[]) => pulls.filter((pull) => pull.merged_at !== null && pull.base.ref === at.defaultBranch);

  const answers = new Map<string, AssociatedPull[]>();
  await Promise.all(chain.map(async (commit) => answers.set(commit.sha, mergedHere(await ask(commit.sha)))));
  const lagging = () => chain.filter((commit) => commit.madeByGitHub && answers.get(commit.sha)!.length === 0);
  for (let waited = 0, delay = 250; lagging().length > 0 && waited < options.waitMs; delay *= 2) {
    const pause = Math.min(delay, options.waitMs - waited);
    await sleep(pause);
    waited += pause;
    await Promise.all(lagging().map(async (commit) => answers.set(commit.sha, mergedHere(await associations.askAgain(commit.sha)))));
  }

  const found: MergedPullRequest[] = [];
  chain.forEach((commit, index) => {
    const pull = answers.get(commit.sha)!.find((candidate) => candidate.merge_commit_sha === commit.sha);
    if (!pull) return;
    // A rebase merge lands as several commits; the ones before its last are the same pull request's.
    let start = index;
    while (start > 0 && answers.get(chain[start - 1]!.sha)!.some((other) => other.number === pull.number && other.merge_commit_sha !== chain[start - 1]!.sha)) {
      start--;
    }
    found.push({
      number: pull.number,
      title: pull.title,
      url: pull.html_url,
      author: pull.user?.login ?? "",
      headSha: pull.head.sha,
      mergeCommit: commit.sha,
      baseCommit: start === 0 ? at.before : chain[start - 1]!.sha,
    });
  });
  return found;
}
