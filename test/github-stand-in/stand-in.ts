import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TokenStore } from "./auth.js";
import { fileEdit } from "./file-edits.js";
import { isoSeconds } from "./git-parse.js";
import { GitRepo, TreeEditError, ZERO_SHA, type GitIdentity, type TreeEdit } from "./git-repo.js";
import { Mutex } from "./mutex.js";
import { PullRequestStore, type ReviewRecord } from "./pull-requests.js";
import { buildPushPayload } from "./push-payload.js";
import { buildRouter } from "./routes.js";
import { API_PREFIX, ApiServer } from "./server.js";
import type { StandInState } from "./state.js";
import type {
  CommitFilesOptions,
  GitHubStandIn,
  MergedPullRequest,
  MergePullRequestOptions,
  StandInOptions,
} from "./types.js";
import { gitIdentityFor, userId } from "./users.js";

const DEFAULT_AUTHOR = "octocat";
/** The committer GitHub records on merge and squash commits made in the web UI. */
const GITHUB_COMMITTER: GitIdentity = { name: "GitHub", email: "noreply@github.com" };

/** Commits `files` on `branch` (created from the default branch when missing). Caller holds the mutex. */
async function commitOnBranch(state: StandInState, o: CommitFilesOptions): Promise<string> {
  const git = state.git;
  const branch = o.branch ?? state.defaultBranch;
  const ref = `refs/heads/${branch}`;
  const tip = await git.readRef(ref);
  const parent = tip ?? (await git.readRef(`refs/heads/${state.defaultBranch}`));
  const parentTree = parent ? (await git.readCommit(parent))!.tree : undefined;

  let tree: string;
  try {
    const edits: TreeEdit[] = [];
    for (const [path, content] of Object.entries(o.files)) edits.push(await fileEdit(git, path, content));
    tree = await git.buildTree(parentTree, edits);
  } catch (error) {
    if (error instanceof TreeEditError) throw new Error(`commitFiles on ${branch}: ${error.message}`);
    throw error;
  }
  const paths = Object.keys(o.files);
  const identity = gitIdentityFor(o.author ?? DEFAULT_AUTHOR);
  const sha = await git.commitTree({
    tree,
    parents: parent ? [parent] : [],
    message: o.message ?? `Update ${paths.join(", ")}`,
    author: identity,
    committer: identity,
  });
  if (!(await git.updateRef(ref, sha, tip ?? ZERO_SHA))) {
    throw new Error(`commitFiles: ${ref} moved concurrently`);
  }
  return sha;
}

async function mergePull(state: StandInState, o: MergePullRequestOptions): Promise<MergedPullRequest> {
  const git = state.git;
  const baseRef = `refs/heads/${state.defaultBranch}`;
  const before = await git.readRef(baseRef);
  if (!before) throw new Error(`mergePullRequest: ${baseRef} does not exist`);
  const number = state.pulls.nextNumber();
  const author = o.author ?? DEFAULT_AUTHOR;
  const headRef = o.head ?? `pr-${number}`;
  const title = o.title ?? `Update ${Object.keys(o.files).join(", ")}`;
  const createdAt = isoSeconds();

  const headSha = await commitOnBranch(state, { branch: headRef, files: o.files, message: title, author });
  const prCommits = await git.revList(headSha, [before], { reverse: true });
  const reviewSpecs: NonNullable<MergePullRequestOptions["reviews"]> =
    o.reviews ?? (o.approvals ?? []).map((login) => ({ user: login, state: "APPROVED" }));
  const reviews: ReviewRecord[] = reviewSpecs.map((spec) => ({
    id: state.pulls.nextReviewId(),
    user: spec.user,
    state: spec.state,
    commitId: spec.commitId ?? headSha,
    submittedAt: isoSeconds(),
    body: spec.state === "APPROVED" ? "" : "Please take another look.",
  }));

  const merged = await git.mergeTrees(before, headSha);
  if (!merged.clean) throw new Error(`mergePullRequest: ${headRef} does not merge cleanly into ${state.defaultBranch}`);
  const squash = o.merge === "squash";
  let message: string;
  if (squash) {
    const messages = (await git.readCommits(prCommits)).map((commit) => `* ${commit.message}`);
    message = `${title} (#${number})` + (messages.length > 1 ? `\n\n${messages.join("\n\n")}` : "");
  } else {
    message = `Merge pull request #${number} from ${state.owner}/${headRef}\n\n${title}`;
  }
  const after = await git.commitTree({
    tree: merged.tree,
    parents: squash ? [before] : [before, headSha],
    message,
    author: gitIdentityFor(author),
    committer: GITHUB_COMMITTER,
  });
  if (!(await git.updateRef(baseRef, after, before))) throw new Error(`mergePullRequest: ${baseRef} moved concurrently`);

  state.pulls.add({
    number,
    id: userId(`pull/${state.owner}/${state.repo}/${number}`),
    title,
    body: null,
    user: author,
    headRef,
    headSha,
    baseRef: state.defaultBranch,
    baseSha: before,
    mergeCommitSha: after,
    mergedBy: author,
    createdAt,
    mergedAt: isoSeconds(),
    commits: prCommits,
    reviews,
  });
  return { number, before, after, headSha };
}

export async function startGitHubStandIn(options: StandInOptions = {}): Promise<GitHubStandIn> {
  const owner = options.owner ?? "acme";
  const repo = options.repo ?? "widgets";
  const defaultBranch = options.defaultBranch ?? "main";
  const installationId = options.installationId ?? 4242;

  const root = await mkdtemp(join(tmpdir(), "github-stand-in-"));
  const api = new ApiServer();
  try {
    const repoDir = join(root, `${repo}.git`);
    const scratchDir = join(root, "scratch");
    await mkdir(scratchDir);
    const git = await GitRepo.init(repoDir, scratchDir, defaultBranch);
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
    };
    api.router = buildRouter(state);
    api.tokens = state.tokens;

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
        return entries
          // Recursive ls-tree lists blobs (files, symlinks) and gitlinks (submodules), never trees.
          .filter((entry) => entry.type !== "tree" && entry.path.startsWith(prefix))
          .map((entry) => entry.path)
          .sort();
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
      failNext: (o) => api.failNext(o),
      beforeNext: (o, hook) => api.beforeNext(o, hook),
      async close() {
        await api.close();
        await rm(root, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await api.close().catch(() => undefined);
    await rm(root, { recursive: true, force: true });
    throw error;
  }
}
