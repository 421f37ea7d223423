import { isoSeconds } from "./git-parse.js";
import { ZERO_SHA, type CommitInfo } from "./git-repo.js";
import { repository, user } from "./shapes.js";
import { repoHtmlUrl, type StandInState } from "./state.js";
import type { PushPayloadRequest } from "./types.js";
import { loginForEmail, nodeId } from "./users.js";
import { retargetTemplateUrls, webhookExample } from "./webhook-examples.js";

/** GitHub's documented cap on `commits` in a push payload. */
const MAX_PAYLOAD_COMMITS = 2048;

/** The first branch push (not a tag, not a deletion) among the published `push` examples. */
function pushTemplate(): Record<string, unknown> {
  return webhookExample("push", (payload) => String(payload.ref).startsWith("refs/heads/") && payload.deleted === false);
}

/** Files touched by `commit` relative to its first parent (root commits: everything added). */
function changedPaths(state: StandInState, commit: CommitInfo) {
  const entries = state.git.diffSync(commit.parents[0], commit.sha);
  const added: string[] = [];
  const removed: string[] = [];
  const modified: string[] = [];
  for (const entry of entries) {
    if (entry.status === "A" || entry.status === "C") added.push(entry.path);
    else if (entry.status === "D") removed.push(entry.path);
    else if (entry.status === "R") {
      removed.push(entry.previousPath!);
      added.push(entry.path);
    } else modified.push(entry.path);
  }
  return { added, removed, modified };
}

function personJson(identity: { name: string; email: string }) {
  const username = loginForEmail(identity.email);
  return { name: identity.name, email: identity.email, ...(username ? { username } : {}) };
}

function commitJson(state: StandInState, commit: CommitInfo, distinct: boolean) {
  return {
    id: commit.sha,
    tree_id: commit.tree,
    distinct,
    message: commit.message,
    timestamp: commit.committer.date,
    url: `${repoHtmlUrl(state)}/commit/${commit.sha}`,
    author: personJson(commit.author),
    committer: personJson(commit.committer),
    ...changedPaths(state, commit),
  };
}

/**
 * A realistic `push` webhook payload: the published example, deep-cloned, with everything that
 * describes this push and this repository overwritten from the git repository. Synchronous
 * (spawnSync) so callers can pass it straight into sendWebhook.
 */
export function buildPushPayload(state: StandInState, o: PushPayloadRequest): Record<string, unknown> {
  const payload = pushTemplate();
  const ref = o.ref ?? `refs/heads/${state.defaultBranch}`;
  const created = o.before === ZERO_SHA;
  const deleted = o.deleted ?? o.after === ZERO_SHA;

  let commits: CommitInfo[] = [];
  if (!deleted) {
    const shas = created ? [o.after] : state.git.revListSync(o.after, [o.before], { reverse: true });
    commits = state.git.readCommitsSync(shas.slice(-MAX_PAYLOAD_COMMITS));
  }
  const headCommit = deleted ? undefined : state.git.readCommitsSync([o.after])[0];
  if (!deleted && !headCommit) throw new Error(`pushPayload: ${o.after} is not a commit in ${state.owner}/${state.repo}`);
  const forced = o.forced ?? (!created && !deleted && !state.git.isAncestorSync(o.before, o.after));
  const sender = o.sender ?? (headCommit && loginForEmail(headCommit.author.email)) ?? state.owner;
  const senderUser = user(state, sender);

  const repo = repository(state);
  const pushedAt = Math.floor(Date.now() / 1000);
  payload.repository = {
    ...retargetTemplateUrls(state, payload.repository as Record<string, unknown>),
    ...repo,
    // A quirk of push payloads: repository.url is the html URL, not the API URL.
    url: repoHtmlUrl(state),
    // Push events alone carry numeric timestamps for these, and a master_branch alias.
    created_at: Math.floor(Date.parse(repo.created_at) / 1000),
    pushed_at: pushedAt,
    updated_at: isoSeconds(new Date(pushedAt * 1000)),
    owner: { ...repo.owner, name: state.owner, email: null },
    master_branch: state.defaultBranch,
    stargazers: 0,
    custom_properties: {},
  };
  payload.ref = ref;
  payload.before = o.before;
  payload.after = o.after;
  payload.created = created;
  payload.deleted = deleted;
  payload.forced = forced;
  payload.base_ref = null;
  payload.compare = created
    ? `${repoHtmlUrl(state)}/commit/${o.after.slice(0, 12)}`
    : `${repoHtmlUrl(state)}/compare/${o.before.slice(0, 12)}...${o.after.slice(0, 12)}`;
  payload.commits = commits.map((commit) => commitJson(state, commit, true));
  payload.head_commit = headCommit ? commitJson(state, headCommit, true) : null;
  payload.pusher = { name: sender, email: `${senderUser.id}+${sender}@users.noreply.github.com` };
  payload.sender = senderUser;
  payload.installation = { id: state.installationId, node_id: nodeId("IN", state.installationId) };
  delete payload.organization;
  return payload;
}
