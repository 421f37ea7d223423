import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TokenStore } from "./auth.js";
import { CheckRunStore } from "./check-runs.js";
import { Collaborators } from "./collaborators.js";
import { commitOnBranch } from "./commit-files.js";
import { buildCheckRunPayload, buildIssueCommentPayload, buildPullRequestPayload } from "./event-payloads.js";
import { GitRepo } from "./git-repo.js";
import { IssueCommentStore } from "./issue-comments.js";
import { ReactionStore, REACTION_CONTENTS, type ReactionContent } from "./reactions.js";
import { isoSeconds } from "./git-parse.js";
import { Mutex } from "./mutex.js";
import { mergeOpenPull, mergePull } from "./merge-pull.js";
import { openPull, pushToPull, refreshPull } from "./pull-helpers.js";
import { PullRequestStore } from "./pull-requests.js";
import { buildPushPayload } from "./push-payload.js";
import { OAuthFlow } from "./routes-oauth.js";
import { buildRouter } from "./routes.js";
import { API_PREFIX, ApiServer } from "./server.js";
import type { StandInState } from "./state.js";
import type { GitHubStandIn, StandInOptions } from "./types.js";

export async function startGitHubStandIn(options: StandInOptions = {}): Promise<GitHubStandIn> {
  const owner = options.owner ?? "acme";
  const repo = options.repo ?? "widgets";
  const defaultBranch = options.defaultBranch ?? "main";
  const installationId = options.installationId ?? 4242;
  const latencyMs = nonNegative("latencyMs", options.latencyMs ?? 0, false);

  const root = await mkdtemp(join(tmpdir(), "github-stand-in-"));
  const api = new ApiServer();
  api.latencyMs = latencyMs;
  let opened: GitRepo | undefined;
  try {
    const repoDir = join(root, `${repo}.git`);
    const scratchDir = join(root, "scratch");
    await mkdir(scratchDir);
    const git = (opened = await GitRepo.init(repoDir, scratchDir, defaultBranch));
    const port = await api.listen();
    const host = `127.0.0.1:${port}`;
    const state: StandInState = {
      owner,
      repo,
      defaultBranch,
      installationId,
      apiUrl: `http://${host}${API_PREFIX}`,
      htmlUrl: `http://${host}`,
      git,
      mutex: new Mutex(),
      pulls: new PullRequestStore(),
      tokens: new TokenStore(),
      checkRuns: new CheckRunStore(),
      comments: new IssueCommentStore(),
      reactions: new ReactionStore(),
      protectedBranches: new Set(),
      allowAutoMerge: options.allowAutoMerge ?? false,
      appId: undefined,
      collaborators: new Collaborators(owner),
      pullAssociationLag: 0,
      treeEntryLimit: null,
    };
    api.router = buildRouter(state);
    api.tokens = state.tokens;
    const oauth = new OAuthFlow(state);
    api.oauth = oauth;

    await state.mutex.run(() =>
      commitOnBranch(state, {
        files: {
          "README.md": `# ${repo}\n\nScripts merged under scripts/ are run once by chorebot.\n`,
          "scripts/.gitkeep": "",
        },
        message: "Initial commit",
        author: owner,
      }),
    );

    const resolveOrThrow = async (ref: string) => {
      const sha = await git.resolveCommit(ref);
      if (!sha) throw new Error(`${ref} does not name a commit in ${owner}/${repo}`);
      return sha;
    };

    const head = async (branch = defaultBranch) => {
      const sha = await git.readRef(`refs/heads/${branch}`);
      if (!sha) throw new Error(`branch ${branch} does not exist in ${owner}/${repo}`);
      return sha;
    };

    return {
      host,
      baseUrl: state.apiUrl,
      owner,
      repo,
      defaultBranch,
      installationId,
      repoDir,
      requests: api.requests,
      commitFiles: (o) => state.mutex.run(() => commitOnBranch(state, o)),
      mergePullRequest: (o) => state.mutex.run(() => mergePull(state, o)),
      head,
      async readFile(ref, path) {
        const entry = await git.entryAt(await resolveOrThrow(ref), path.replace(/^\/+/, ""));
        if (!entry || entry.type !== "blob") return undefined;
        return (await git.readBlob(entry.sha)).toString("utf8");
      },
      async listFiles(ref, dir) {
        const clean = (dir ?? "").replace(/^\/+|\/+$/g, "");
        const prefix = clean === "" ? "" : `${clean}/`;
        const entries = await git.lsTree(await resolveOrThrow(ref), { recursive: true });
        return (
          entries
            // Recursive ls-tree lists blobs (files, symlinks) and gitlinks (submodules), never trees.
            .filter((entry) => entry.type !== "tree" && entry.path.startsWith(prefix))
            .map((entry) => entry.path)
            .sort()
        );
      },
      async commits(branch = defaultBranch) {
        const tip = await head(branch);
        const shas = await git.revList(tip, [], { firstParent: true });
        return (await git.readCommits(shas)).map((commit) => ({
          sha: commit.sha,
          message: commit.message,
          parents: commit.parents,
        }));
      },
      pushPayload: (o) => buildPushPayload(state, o),
      openPullRequest: (o) => state.mutex.run(() => openPull(state, o)),
      pushToPullRequest: (number, files) => state.mutex.run(() => pushToPull(state, number, files)),
      mergeOpenPullRequest: (number, o) => state.mutex.run(() => mergeOpenPull(state, number, o)),
      pullRequest(number) {
        const pr = state.pulls.get(number);
        if (!pr) throw new Error(`no pull request #${number} in ${owner}/${repo}`);
        return structuredClone(refreshPull(state, pr));
      },
      pullRequestPayload: (o) => buildPullRequestPayload(state, o),
      checkRunPayload: (o) => buildCheckRunPayload(state, o),
      checkRuns: (sha) => structuredClone(state.checkRuns.all(sha)),
      comments: (number) => state.comments.on(number).map((comment) => ({ id: comment.id, body: comment.body, user: comment.user })),
      commentAs(login, number, body) {
        if (!state.pulls.get(number)) throw new Error(`commentAs: no pull request #${number} in ${owner}/${repo}`);
        const now = isoSeconds();
        const id = state.comments.nextId();
        state.comments.add({ id, issueNumber: number, body, user: login, createdAt: now, updatedAt: now });
        return { id, payload: buildIssueCommentPayload(state, { commentId: id, action: "created" }) };
      },
      editCommentAs(login, id, body) {
        const comment = state.comments.get(id);
        if (!comment) throw new Error(`editCommentAs: no comment ${id}`);
        const previousBody = comment.body;
        comment.body = body;
        comment.updatedAt = isoSeconds();
        return buildIssueCommentPayload(state, { commentId: id, action: "edited", sender: login, previousBody });
      },
      reactAs(login, id, content) {
        if (!state.comments.get(id)) throw new Error(`reactAs: no comment ${id}`);
        if (!(REACTION_CONTENTS as readonly string[]).includes(content)) throw new Error(`reactAs: GitHub has no reaction ${JSON.stringify(content)}`);
        return state.reactions.add(id, login, content as ReactionContent, isoSeconds()).created;
      },
      reactions: (id) => state.reactions.on(id).map((reaction) => ({ user: reaction.user, content: reaction.content })),
      protectBranch(branch = defaultBranch) {
        state.protectedBranches.add(branch);
      },
      unprotectBranch(branch = defaultBranch) {
        state.protectedBranches.delete(branch);
      },
      setPermission: (login, role) => state.collaborators.set(login, role),
      lagPullAssociations(times) {
        state.pullAssociationLag = nonNegative("lagPullAssociations", times);
      },
      setTreeEntryLimit(limit) {
        state.treeEntryLimit = limit === null ? null : nonNegative("setTreeEntryLimit", limit);
      },
      setLatency(ms) {
        api.latencyMs = nonNegative("setLatency", ms, false);
      },
      oauthApp: { clientId: oauth.clientId, clientSecret: oauth.clientSecret },
      setCallbackUrls(urls) {
        for (const url of urls) new URL(url); // throws for anything GitHub's settings would not take
        oauth.callbackUrls = [...urls];
      },
      signInAs: (login, o) => oauth.signInAs(login, o),
      personalToken: (login) => oauth.personalToken(login),
      failNext: (o) => api.failNext(o),
      beforeNext: (o, hook) => api.beforeNext(o, hook),
      async close() {
        await api.close();
        await git.close();
        await rm(root, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await api.close().catch(() => undefined);
    await opened?.close().catch(() => undefined);
    await rm(root, { recursive: true, force: true });
    throw error;
  }
}

/** A count (integer) or a duration (any finite number), never negative. */
function nonNegative(what: string, value: number, integer = true): number {
  if (!(integer ? Number.isInteger(value) : Number.isFinite(value)) || value < 0) {
    throw new Error(`${what}: expected a non-negative ${integer ? "integer" : "number"}, got ${value}`);
  }
  return value;
}
