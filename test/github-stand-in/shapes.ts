import type { CommitInfo, DiffEntry, DiffStatus, ObjectType } from "./git-repo.js";
import type { PullRequestRecord, ReviewRecord } from "./pull-requests.js";
import { repoApiUrl, repoHtmlUrl, type StandInState } from "./state.js";
import { loginForEmail, nodeId, userId, userObject } from "./users.js";

/**
 * Builders for GitHub's REST response shapes (field names as in the published OpenAPI description).
 * Only this file knows what the JSON looks like; handlers pass git facts in.
 */

/** The fixed creation time of the repository and the installation. */
export const CREATED_AT = "2024-01-02T03:04:05Z";

export function user(state: StandInState, login: string) {
  return userObject(state.apiUrl, state.htmlUrl, login);
}

/** The repository owner, an organization. */
export function organization(state: StandInState) {
  return userObject(state.apiUrl, state.htmlUrl, state.owner, "Organization");
}

export function repository(state: StandInState) {
  const api = repoApiUrl(state);
  const html = repoHtmlUrl(state);
  const id = userId(`${state.owner}/${state.repo}`);
  return {
    id,
    node_id: nodeId("R", id),
    name: state.repo,
    full_name: `${state.owner}/${state.repo}`,
    private: true,
    owner: organization(state),
    html_url: html,
    description: null,
    fork: false,
    url: api,
    archive_url: `${api}/{archive_format}{/ref}`,
    branches_url: `${api}/branches{/branch}`,
    blobs_url: `${api}/git/blobs{/sha}`,
    commits_url: `${api}/commits{/sha}`,
    compare_url: `${api}/compare/{base}...{head}`,
    contents_url: `${api}/contents/{+path}`,
    git_commits_url: `${api}/git/commits{/sha}`,
    git_refs_url: `${api}/git/refs{/sha}`,
    git_tags_url: `${api}/git/tags{/sha}`,
    pulls_url: `${api}/pulls{/number}`,
    trees_url: `${api}/git/trees{/sha}`,
    statuses_url: `${api}/statuses/{sha}`,
    hooks_url: `${api}/hooks`,
    created_at: CREATED_AT,
    updated_at: CREATED_AT,
    pushed_at: CREATED_AT,
    git_url: `${state.htmlUrl.replace(/^http/, "git")}/${state.owner}/${state.repo}.git`,
    ssh_url: `git@${new URL(state.htmlUrl).hostname}:${state.owner}/${state.repo}.git`,
    clone_url: `${html}.git`,
    svn_url: html,
    homepage: null,
    size: 0,
    stargazers_count: 0,
    watchers_count: 0,
    language: "TypeScript",
    has_issues: true,
    has_projects: false,
    has_downloads: true,
    has_wiki: false,
    has_pages: false,
    has_discussions: false,
    forks_count: 0,
    mirror_url: null,
    archived: false,
    disabled: false,
    open_issues_count: 0,
    license: null,
    allow_forking: false,
    is_template: false,
    web_commit_signoff_required: false,
    topics: [],
    visibility: "private",
    forks: 0,
    open_issues: 0,
    watchers: 0,
    default_branch: state.defaultBranch,
  };
}

const UNSIGNED = { verified: false, reason: "unsigned", signature: null, payload: null, verified_at: null };

function parentRefs(state: StandInState, parents: string[]) {
  return parents.map((sha) => ({
    sha,
    url: gitObjectUrl(state, "commit", sha),
    html_url: `${repoHtmlUrl(state)}/commit/${sha}`,
  }));
}

/** The Git Database API commit: GET/POST /repos/{o}/{r}/git/commits. */
export function gitCommit(state: StandInState, commit: CommitInfo) {
  return {
    sha: commit.sha,
    node_id: nodeId("C", userId(commit.sha)),
    url: gitObjectUrl(state, "commit", commit.sha),
    html_url: `${repoHtmlUrl(state)}/commit/${commit.sha}`,
    author: commit.author,
    committer: commit.committer,
    tree: { sha: commit.tree, url: gitObjectUrl(state, "tree", commit.tree) },
    message: commit.message,
    parents: parentRefs(state, commit.parents),
    verification: UNSIGNED,
  };
}

/** The REST "commit" (compare's commits[] and base commits): git data nested under `commit`. */
export function restCommit(state: StandInState, commit: CommitInfo) {
  const authorLogin = loginForEmail(commit.author.email);
  const committerLogin = loginForEmail(commit.committer.email);
  return {
    sha: commit.sha,
    node_id: nodeId("C", userId(commit.sha)),
    commit: {
      author: commit.author,
      committer: commit.committer,
      message: commit.message,
      tree: { sha: commit.tree, url: gitObjectUrl(state, "tree", commit.tree) },
      url: gitObjectUrl(state, "commit", commit.sha),
      comment_count: 0,
      verification: UNSIGNED,
    },
    url: `${repoApiUrl(state)}/commits/${commit.sha}`,
    html_url: `${repoHtmlUrl(state)}/commit/${commit.sha}`,
    comments_url: `${repoApiUrl(state)}/commits/${commit.sha}/comments`,
    author: authorLogin ? user(state, authorLogin) : null,
    committer: committerLogin ? user(state, committerLogin) : null,
    parents: parentRefs(state, commit.parents).map(({ sha, url, html_url }) => ({
      sha,
      url: url.replace("/git/commits/", "/commits/"),
      html_url,
    })),
  };
}

const FILE_STATUS: Record<DiffStatus, string> = {
  A: "added",
  D: "removed",
  M: "modified",
  R: "renamed",
  C: "copied",
  T: "changed",
};

export function encodePath(path: string): string {
  return path.split("/").map(encodeURIComponent).join("/");
}

/** An entry of compare's `files`. */
export function diffFile(state: StandInState, entry: DiffEntry, ref: string) {
  const sha = entry.status === "D" ? entry.oldSha : entry.newSha;
  return {
    sha,
    filename: entry.path,
    status: FILE_STATUS[entry.status],
    additions: entry.additions,
    deletions: entry.deletions,
    changes: entry.additions + entry.deletions,
    blob_url: `${repoHtmlUrl(state)}/blob/${ref}/${encodePath(entry.path)}`,
    raw_url: `${repoHtmlUrl(state)}/raw/${ref}/${encodePath(entry.path)}`,
    contents_url: `${repoApiUrl(state)}/contents/${encodePath(entry.path)}?ref=${ref}`,
    ...(entry.previousPath !== undefined ? { previous_filename: entry.previousPath } : {}),
  };
}

function branchEnd(state: StandInState, ref: string, sha: string) {
  return {
    label: `${state.owner}:${ref}`,
    ref,
    sha,
    user: organization(state),
    repo: repository(state),
  };
}

/**
 * A pull request. `full` adds the fields only GET /pulls/{n} has (merged, mergeable, counts…);
 * list endpoints such as commits/{sha}/pulls return the simple shape.
 */
export function pullRequest(
  state: StandInState,
  pr: PullRequestRecord,
  full: boolean,
  stats?: { additions: number; deletions: number; changedFiles: number },
) {
  const api = `${repoApiUrl(state)}/pulls/${pr.number}`;
  const html = `${repoHtmlUrl(state)}/pull/${pr.number}`;
  const issueApi = `${repoApiUrl(state)}/issues/${pr.number}`;
  const simple = {
    url: api,
    id: pr.id,
    node_id: nodeId("PR", pr.id),
    html_url: html,
    diff_url: `${html}.diff`,
    patch_url: `${html}.patch`,
    issue_url: issueApi,
    commits_url: `${api}/commits`,
    review_comments_url: `${api}/comments`,
    review_comment_url: `${repoApiUrl(state)}/pulls/comments{/number}`,
    comments_url: `${issueApi}/comments`,
    statuses_url: `${repoApiUrl(state)}/statuses/${pr.headSha}`,
    number: pr.number,
    state: "closed",
    locked: false,
    title: pr.title,
    user: user(state, pr.user),
    body: pr.body,
    labels: [],
    milestone: null,
    active_lock_reason: null,
    created_at: pr.createdAt,
    updated_at: pr.mergedAt,
    closed_at: pr.mergedAt,
    merged_at: pr.mergedAt,
    merge_commit_sha: pr.mergeCommitSha,
    assignee: null,
    assignees: [],
    requested_reviewers: [],
    requested_teams: [],
    head: branchEnd(state, pr.headRef, pr.headSha),
    base: branchEnd(state, pr.baseRef, pr.baseSha),
    _links: {
      self: { href: api },
      html: { href: html },
      issue: { href: issueApi },
      comments: { href: `${issueApi}/comments` },
      review_comments: { href: `${api}/comments` },
      review_comment: { href: `${repoApiUrl(state)}/pulls/comments{/number}` },
      commits: { href: `${api}/commits` },
      statuses: { href: `${repoApiUrl(state)}/statuses/${pr.headSha}` },
    },
    author_association: "MEMBER",
    auto_merge: null,
    draft: false,
  };
  if (!full) return simple;
  return {
    ...simple,
    merged: true,
    mergeable: null,
    rebaseable: null,
    mergeable_state: "unknown",
    merged_by: user(state, pr.mergedBy),
    comments: 0,
    review_comments: 0,
    maintainer_can_modify: false,
    commits: pr.commits.length,
    additions: stats?.additions ?? 0,
    deletions: stats?.deletions ?? 0,
    changed_files: stats?.changedFiles ?? 0,
  };
}

export function review(state: StandInState, pr: PullRequestRecord, record: ReviewRecord) {
  const html = `${repoHtmlUrl(state)}/pull/${pr.number}#pullrequestreview-${record.id}`;
  return {
    id: record.id,
    node_id: nodeId("PRR", record.id),
    user: user(state, record.user),
    body: record.body,
    state: record.state,
    html_url: html,
    pull_request_url: `${repoApiUrl(state)}/pulls/${pr.number}`,
    author_association: "MEMBER",
    _links: { html: { href: html }, pull_request: { href: `${repoApiUrl(state)}/pulls/${pr.number}` } },
    submitted_at: record.submittedAt,
    commit_id: record.commitId,
  };
}

export function gitRef(state: StandInState, ref: string, sha: string, type: ObjectType = "commit") {
  return {
    ref,
    node_id: nodeId("REF", userId(ref)),
    url: `${repoApiUrl(state)}/git/${ref}`,
    object: { sha, type, url: gitObjectUrl(state, type, sha) },
  };
}

/** The Git Database API URL of an object: …/git/blobs/<sha>, …/git/trees/<sha>, …/git/commits/<sha>. */
export function gitObjectUrl(state: StandInState, type: ObjectType, sha: string): string {
  return `${repoApiUrl(state)}/git/${type}s/${sha}`;
}
