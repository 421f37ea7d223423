import { BASE_PERMISSION, rolePermissions } from "./collaborators.js";
import type { CommitInfo, DiffEntry, DiffStatus, ObjectType } from "./git-repo.js";
import type { IssueCommentRecord } from "./issue-comments.js";
import type { ReactionRecord } from "./reactions.js";
import type { PullRequestRecord, ReviewRecord } from "./pull-requests.js";
import type { Schema } from "./openapi.js";
import { repoApiUrl, repoHtmlUrl, type StandInState } from "./state.js";
import type { CheckRunAnnotation, CheckRunRecord, RepositoryRole } from "./types.js";
import { APP_SLUG, BOT_LOGIN, loginForEmail, nodeId, userId, userObject } from "./users.js";

/**
 * Builders for GitHub's REST response shapes (field names as in the published OpenAPI description).
 * Only this file knows what the JSON looks like; handlers pass git facts in.
 */

/** The fixed creation time of the repository and the installation. */
export const CREATED_AT = "2024-01-02T03:04:05Z";

export function user(state: StandInState, login: string): Schema<"simple-user"> {
  return userObject(state.apiUrl, state.htmlUrl, login);
}

/** The repository owner, an organization. */
export function organization(state: StandInState): Schema<"simple-user"> {
  return userObject(state.apiUrl, state.htmlUrl, state.owner, "Organization");
}

/** The repository: GET /repos/{o}/{r}'s shape, which also serves where GitHub nests a `repository` (pull request ends, tokens). */
export function repository(state: StandInState): Schema<"full-repository"> & Schema<"repository"> {
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
    assignees_url: `${api}/assignees{/user}`,
    branches_url: `${api}/branches{/branch}`,
    blobs_url: `${api}/git/blobs{/sha}`,
    collaborators_url: `${api}/collaborators{/collaborator}`,
    comments_url: `${api}/comments{/number}`,
    commits_url: `${api}/commits{/sha}`,
    compare_url: `${api}/compare/{base}...{head}`,
    contents_url: `${api}/contents/{+path}`,
    contributors_url: `${api}/contributors`,
    deployments_url: `${api}/deployments`,
    downloads_url: `${api}/downloads`,
    events_url: `${api}/events`,
    forks_url: `${api}/forks`,
    git_commits_url: `${api}/git/commits{/sha}`,
    git_refs_url: `${api}/git/refs{/sha}`,
    git_tags_url: `${api}/git/tags{/sha}`,
    issue_comment_url: `${api}/issues/comments{/number}`,
    issue_events_url: `${api}/issues/events{/number}`,
    issues_url: `${api}/issues{/number}`,
    keys_url: `${api}/keys{/key_id}`,
    labels_url: `${api}/labels{/name}`,
    languages_url: `${api}/languages`,
    merges_url: `${api}/merges`,
    milestones_url: `${api}/milestones{/number}`,
    notifications_url: `${api}/notifications{?since,all,participating}`,
    pulls_url: `${api}/pulls{/number}`,
    releases_url: `${api}/releases{/id}`,
    stargazers_url: `${api}/stargazers`,
    subscribers_url: `${api}/subscribers`,
    subscription_url: `${api}/subscription`,
    tags_url: `${api}/tags`,
    teams_url: `${api}/teams`,
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
    subscribers_count: 0,
    network_count: 0,
    default_branch: state.defaultBranch,
    allow_merge_commit: true,
    allow_squash_merge: true,
    allow_rebase_merge: true,
    allow_auto_merge: state.allowAutoMerge,
    delete_branch_on_merge: false,
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
export function gitCommit(state: StandInState, commit: CommitInfo): Schema<"git-commit"> {
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
export function restCommit(state: StandInState, commit: CommitInfo): Schema<"commit"> {
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

const FILE_STATUS: Record<DiffStatus, Schema<"diff-entry">["status"]> = {
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
export function diffFile(state: StandInState, entry: DiffEntry, ref: string): Schema<"diff-entry"> {
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

/** A pull request as list endpoints such as commits/{sha}/pulls return it. */
export function pullRequestSimple(state: StandInState, pr: PullRequestRecord): Schema<"pull-request-simple"> {
  return pullRequestFields(state, pr);
}

/** A pull request as GET /pulls/{n} returns it: the list shape and merged, mergeable, counts…. */
export function pullRequest(
  state: StandInState,
  pr: PullRequestRecord,
  stats?: { additions: number; deletions: number; changedFiles: number },
): Schema<"pull-request"> {
  return {
    ...pullRequestFields(state, pr),
    merged: pr.mergedAt !== null,
    mergeable: null,
    rebaseable: null,
    mergeable_state: "unknown",
    merged_by: pr.mergedBy === null ? null : user(state, pr.mergedBy),
    comments: 0,
    review_comments: 0,
    maintainer_can_modify: false,
    commits: pr.commits.length,
    additions: stats?.additions ?? 0,
    deletions: stats?.deletions ?? 0,
    changed_files: stats?.changedFiles ?? 0,
  };
}

/** What both pull request shapes have. */
function pullRequestFields(state: StandInState, pr: PullRequestRecord) {
  const api = `${repoApiUrl(state)}/pulls/${pr.number}`;
  const html = `${repoHtmlUrl(state)}/pull/${pr.number}`;
  const issueApi = `${repoApiUrl(state)}/issues/${pr.number}`;
  return {
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
    state: pr.state,
    locked: false,
    title: pr.title,
    user: user(state, pr.user),
    body: pr.body,
    labels: [],
    milestone: null,
    active_lock_reason: null,
    created_at: pr.createdAt,
    updated_at: pr.updatedAt,
    closed_at: pr.state === "closed" ? (pr.mergedAt ?? pr.updatedAt) : null,
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
    author_association: "MEMBER" as const,
    auto_merge: pr.autoMerge
      ? {
          enabled_by: user(state, pr.autoMerge.enabledBy),
          merge_method: pr.autoMerge.mergeMethod,
          // Strings in GitHub's description; none was given when it was enabled.
          commit_title: "",
          commit_message: "",
        }
      : null,
    draft: false,
  };
}

/** GET collaborators/{username}/permission: the base permission, the role's own name, the collaborator. */
export function collaboratorPermission(state: StandInState, login: string, role: RepositoryRole): Schema<"repository-collaborator-permission"> {
  return {
    permission: BASE_PERMISSION[role],
    role_name: role,
    user: { ...user(state, login), permissions: rolePermissions(role), role_name: role },
  };
}

export function review(state: StandInState, pr: PullRequestRecord, record: ReviewRecord): Schema<"pull-request-review"> {
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

export function gitRef(state: StandInState, ref: string, sha: string, type: ObjectType = "commit"): Schema<"git-ref"> {
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

/** An app's numeric id, from the JWT's `iss`; 0 when that is a client id, which names no number. */
export function appNumber(appId: number | string | null): number {
  return typeof appId === "number" ? appId : Number(appId) || 0;
}

/** The GitHub App that owns check runs (GET /app's shape, minus what the stand-in cannot know). */
export function app(state: StandInState, appId: number | string | null): Schema<"integration"> {
  const id = appNumber(appId);
  return {
    id,
    slug: APP_SLUG,
    node_id: nodeId("A", id),
    client_id: `Iv1.${APP_SLUG}`,
    owner: organization(state),
    name: APP_SLUG,
    description: null,
    external_url: `${state.htmlUrl}/apps/${APP_SLUG}`,
    html_url: `${state.htmlUrl}/apps/${APP_SLUG}`,
    created_at: CREATED_AT,
    updated_at: CREATED_AT,
    permissions: { checks: "write", contents: "write", metadata: "read", pull_requests: "write" },
    events: ["check_run", "pull_request", "push"],
  };
}

/** A PR as check runs and check_run payloads list it: `{ url, id, number, head, base }`. */
export function checkRunPullRequest(state: StandInState, pr: PullRequestRecord): Schema<"pull-request-minimal"> {
  const repo = { id: userId(`${state.owner}/${state.repo}`), url: repoApiUrl(state), name: state.repo };
  return {
    url: `${repoApiUrl(state)}/pulls/${pr.number}`,
    id: pr.id,
    number: pr.number,
    head: { ref: pr.headRef, sha: pr.headSha, repo },
    base: { ref: pr.baseRef, sha: pr.baseSha, repo },
  };
}

/** The check suite of a run: one per commit and app. */
export function checkSuiteId(run: CheckRunRecord): number {
  return userId(`check-suite/${run.headSha}/${run.appId ?? ""}`);
}

export function checkRun(state: StandInState, run: CheckRunRecord, pulls: PullRequestRecord[]): Schema<"check-run"> {
  const url = `${repoApiUrl(state)}/check-runs/${run.id}`;
  const suiteId = checkSuiteId(run);
  return {
    id: run.id,
    name: run.name,
    node_id: nodeId("CR", run.id),
    head_sha: run.headSha,
    external_id: run.externalId ?? "",
    url,
    html_url: `${repoHtmlUrl(state)}/runs/${run.id}`,
    details_url: run.detailsUrl ?? `${repoHtmlUrl(state)}/runs/${run.id}`,
    status: run.status,
    conclusion: run.conclusion,
    started_at: run.startedAt,
    completed_at: run.completedAt,
    output: {
      title: run.output.title,
      summary: run.output.summary,
      text: run.output.text,
      annotations_count: run.annotations.length,
      annotations_url: `${url}/annotations`,
    },
    check_suite: { id: suiteId },
    app: app(state, run.appId),
    pull_requests: pulls.map((pr) => checkRunPullRequest(state, pr)),
  };
}

export function checkAnnotation(state: StandInState, run: CheckRunRecord, annotation: CheckRunAnnotation): Schema<"check-annotation"> {
  return {
    path: annotation.path,
    blob_href: `${repoHtmlUrl(state)}/blob/${run.headSha}/${encodePath(annotation.path)}`,
    start_line: annotation.start_line,
    end_line: annotation.end_line,
    start_column: annotation.start_column ?? null,
    end_column: annotation.end_column ?? null,
    annotation_level: annotation.annotation_level,
    title: annotation.title ?? null,
    message: annotation.message,
    raw_details: annotation.raw_details ?? null,
  };
}

export function issueComment(state: StandInState, comment: IssueCommentRecord): Schema<"issue-comment"> {
  const url = `${repoApiUrl(state)}/issues/comments/${comment.id}`;
  const reactions = state.reactions.on(comment.id);
  const count = (content: ReactionRecord["content"]) => reactions.filter((r) => r.content === content).length;
  return {
    id: comment.id,
    node_id: nodeId("IC", comment.id),
    url,
    html_url: `${repoHtmlUrl(state)}/pull/${comment.issueNumber}#issuecomment-${comment.id}`,
    body: comment.body,
    user: user(state, comment.user),
    created_at: comment.createdAt,
    updated_at: comment.updatedAt,
    issue_url: `${repoApiUrl(state)}/issues/${comment.issueNumber}`,
    author_association: comment.user === BOT_LOGIN ? "NONE" : "MEMBER",
    performed_via_github_app: null,
    reactions: {
      url: `${url}/reactions`,
      total_count: reactions.length,
      "+1": count("+1"),
      "-1": count("-1"),
      laugh: count("laugh"),
      hooray: count("hooray"),
      confused: count("confused"),
      heart: count("heart"),
      rocket: count("rocket"),
      eyes: count("eyes"),
    },
  };
}

/** A reaction on an issue comment. */
export function reaction(state: StandInState, record: ReactionRecord): Schema<"reaction"> {
  return {
    id: record.id,
    node_id: nodeId("REA", record.id),
    user: user(state, record.user),
    content: record.content,
    created_at: record.createdAt,
  };
}
