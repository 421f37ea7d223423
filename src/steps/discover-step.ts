import type { FlowProducer, Job } from "bullmq";
import type { MergedPush } from "../github/handle-push.js";
import { addedScripts } from "../github/added-scripts.js";
import { attributeScripts, type Attribution } from "../github/attribute-scripts.js";
import { indexByLowerCase, inputsFilePath, lookalikeInputsFiles } from "../github/inputs-file-path.js";
import { pushedChain, type PushedCommits, type RangeCommit } from "../github/first-parent-chain.js";
import type { InputsFileAtPush } from "../github/judge-inputs-file.js";
import { listFolderAtCommit } from "../github/list-folder-at-commit.js";
import { associationLookup, findMergedPullRequests, type AssociationLookup } from "../github/merged-pull-requests.js";
import type { GitHubClient } from "../github/octokit.js";
import { listPullRequestFiles } from "../github/pull-request-files.js";
import { loadRepoConfig, type ServerLimits } from "../github/repo-config.js";
import { annotateSpan } from "../telemetry/annotate-span.js";
import { enqueueRuns } from "../pipeline/enqueue-run.js";

export interface DiscoverDeps {
  octokitFor(installationId: number): Promise<GitHubClient>;
  flows: FlowProducer;
  limits: ServerLimits;
  githubStepAttempts: number;
  /** How long GitHub may take to name the pull request a commit it made belongs to. */
  associationWaitMs: number;
}

/**
 * Step 0: find the entry scripts a push added, judge each against the pull request that
 * added it, and queue one run for each (refused ones too: every script leaves a log).
 */
export function discoverStep(deps: DiscoverDeps) {
  return async (job: Job<MergedPush>): Promise<{ runIds: string[] }> => {
    const push = job.data;
    const { owner, repo } = push;
    annotateSpan({ "chorebot.repository": `${owner}/${repo}`, "chorebot.commit": push.after });
    const octokit = await deps.octokitFor(push.installationId);
    // The settings as they were before the push, so no pull request in it judges itself by
    // rules it brought. Everything that does not depend on them is asked at the same time.
    const configLoading = loadRepoConfig(octokit, { owner, repo, ref: push.before }, deps.limits);
    const scriptsDir = configLoading.then((loaded) => loaded.config.scriptsDir);
    const chainListing = pushedChain(octokit, push);
    chainListing.catch(() => {}); // awaited below unless the push added no script
    // The pushed head is on every first-parent line: which pull request it merged, and that
    // pull request's files, can be asked for now, while the settings are still being read.
    const associations = associationLookup(octokit, push);
    const pullFiles = memoize((number: number) => listPullRequestFiles(octokit, { owner, repo, number }));
    associations
      .ask(push.after)
      .then((pulls) => pulls.filter((pull) => pull.merge_commit_sha === push.after).forEach((pull) => void pullFiles(pull.number).catch(() => {})))
      .catch(() => {});
    const [repoConfig, before, after] = await Promise.all([
      configLoading,
      ...[push.before, push.after].map((commit) => listFolderAtCommit(octokit, { owner, repo, commit }, scriptsDir)),
    ] as const);
    const { config } = repoConfig;
    if (!after!.complete || !before!.complete) {
      throw new Error(`cannot list ${config.scriptsDir}/ completely: ${[before, after].map((l) => (l!.complete ? "" : l!.reason)).join(" ")}`);
    }
    // Each script with the inputs file beside it, as the top of the push has it (blob null: none there), and its look-alikes.
    const byLowerCase = indexByLowerCase(after!.files.keys());
    const scripts = addedScripts(before!.files, after!.files, config.scriptsDir).map((script) => {
      const path = inputsFilePath(script.path);
      return { ...script, inputsFile: { path, blob: after!.files.get(path) ?? null, lookalikes: lookalikeInputsFiles(byLowerCase, script.path) } };
    });
    if (scripts.length === 0) {
      await job.log("no entry scripts added");
      return { runIds: [] };
    }
    const pushed = await chainListing;
    const attributions = await attribute(associations, pullFiles, push, scripts, pushed.chain, deps.associationWaitMs);
    const configError = repoConfig.ok ? null : repoConfig.error;
    const committedAt = commitDates(pushed);
    const runIds = await enqueueRuns(
      deps.flows,
      attributions.map(({ path, blob, pullRequest, refusal, inputsFile }) => {
        const commit = pullRequest && !refusal ? pullRequest.mergeCommit : push.after;
        return {
          owner,
          repo,
          installationId: push.installationId,
          defaultBranch: push.defaultBranch,
          commit,
          committedAt: committedAt(commit),
          path,
          blob,
          forced: push.forced,
          pullRequest,
          refusal,
          config,
          configError,
          ...(inputsFile ? { inputsFile } : {}),
        };
      }),
      deps,
    );
    annotateSpan({ "chorebot.run_ids": runIds });
    await job.log(`queued ${runIds.join(", ")} (order: ${config.order})`);
    return { runIds };
  };
}

/** Which pull request of the push added each script, or why none did. */
async function attribute(
  associations: AssociationLookup,
  pullFiles: (number: number) => ReturnType<typeof listPullRequestFiles>,
  push: MergedPush,
  scripts: { path: string; blob: string; inputsFile: InputsFileAtPush }[],
  chain: RangeCommit[] | null,
  waitMs: number,
): Promise<Attribution[]> {
  if (!chain) {
    const refusal = `the push to ${push.defaultBranch} does not continue its history from ${push.before.slice(0, 7)}; scripts only run from a normal merge`;
    return scripts.map(({ path, blob, inputsFile }) => ({
      path,
      blob,
      pullRequest: null,
      refusal,
      ...(inputsFile.blob === null ? {} : { inputsFile: { path: inputsFile.path, blob: inputsFile.blob } }),
    }));
  }
  const merged = await findMergedPullRequests(associations, push, chain, { waitMs });
  const withFiles = await Promise.all(merged.map(async (pull) => ({ pull, ...(await pullFiles(pull.number)) })));
  return attributeScripts(scripts, withFiles, push);
}

/**
 * The committer date of a commit the push brought, from what GitHub already sent: a run's
 * commit is the pushed head or a merge commit on the chain.
 */
function commitDates({ head, chain }: PushedCommits): (sha: string) => string {
  const dates = new Map([head, ...(chain ?? [])].map((commit) => [commit.sha, commit.committedAt]));
  return (sha) => {
    const date = dates.get(sha);
    if (date === undefined) throw new Error(`no committer date for ${sha}, which is not among the pushed commits`);
    return date;
  };
}

/** One call per argument; a failed call is forgotten, so the job's retry asks again. */
function memoize<K, V>(call: (key: K) => Promise<V>): (key: K) => Promise<V> {
  const calls = new Map<K, Promise<V>>();
  return (key) => {
    let pending = calls.get(key);
    if (!pending) {
      pending = call(key);
      calls.set(key, pending);
    }
    return pending;
  };
}
