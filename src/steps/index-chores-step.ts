import Bottleneck from "bottleneck";
import type { Job } from "bullmq";
import type { CatalogEntry, IndexedChore, RepoCatalog } from "../catalog-types.js";
import { formatDefinitionProblems } from "../definitions/format-problems.js";
import { readScriptDefinition } from "../definitions/read-definition.js";
import { isEntryScript, scriptsFolderPrefix } from "../github/entry-script.js";
import type { MergedPush } from "../github/handle-push.js";
import { isNotFound } from "../github/http-error.js";
import { judgeFileChange, type FileVerdict } from "../github/judge-file-change.js";
import { listFolderAtCommit } from "../github/list-folder-at-commit.js";
import type { GitHubClient } from "../github/octokit.js";
import { entryReaderAtCommit } from "../github/read-file-at-commit.js";
import { loadRepoConfig, type RepoConfig, type ServerLimits } from "../github/repo-config.js";
import { bundleScript } from "../runner/bundle-script.js";
import { createRedactor } from "../runner/redact.js";
import { redactDescription } from "../runner/redact-description.js";
import type { ChoreCatalog } from "../stores/chore-catalog.js";
import { annotateSpan } from "../telemetry/annotate-span.js";
import { failingInWords } from "./step-error.js";

// A pass whose catalog another pass replaced meanwhile builds again on the new one; past this, the job is retried.
const PASSES = 3;
// Chores read and bundled at once by one pass: a repository of many chores does not flood GitHub or the worker.
const CHORES_AT_ONCE = 4;

export interface IndexChoresDeps {
  octokitFor(installationId: number): Promise<GitHubClient>;
  catalog: ChoreCatalog;
  limits: ServerLimits;
  /** Compiler messages and definitions quote source lines: every value to hide from them (see valuesToRedact). */
  valuesToRedact: readonly string[];
  /** How long GitHub may take to name the pull request of a commit it just made. */
  associationWaitMs: number;
  /** Makes the chores' job schedulers match the catalog just stored (Schedules.reconcile). */
  reconcileSchedules?: (catalog: RepoCatalog) => Promise<unknown>;
}

/** What an index job returns: the head it indexed and how many chores may run, or why nothing was indexed. */
export type IndexSummary = { head: string; chores: number; runnable: number; problems: number; stale: boolean } | { head: null; reason: string };

/** The default branch as one pass reads it. */
interface Head {
  sha: string;
  committedAt: string;
  /** Every path of the commit with its blob; null when GitHub truncates the listing (each file is then asked for). */
  blobs: Map<string, string> | null;
  /** The chores folder's entry files with their blobs. */
  entries: Map<string, string>;
  config: RepoConfig;
  configError: string | null;
}

/** One chore at the head, judged: the version that may now run (with its bundle), or why not. */
type Judged = { ok: true; chore: IndexedChore; bundle: string; seen: CatalogEntry["seen"] } | { ok: false; message: string; seen: CatalogEntry["seen"] };

/**
 * The `index` step, after every push to the default branch: lists the chores of the branch's
 * head as it is when the job runs (so a late or repeated job never brings back an older state),
 * bundles each with the worker's bundler, reads its definition statically (no chore code runs),
 * and lets a version run only when every repository file in its bundle last changed through a
 * merged pull request approved by the repository's rules with that very version at its head.
 * A chore whose newest version does not qualify keeps its previous runnable version, and the
 * catalog says why; a chore gone from the branch leaves it.
 */
export function indexChoresStep(deps: IndexChoresDeps) {
  const redact = createRedactor(deps.valuesToRedact);
  return failingInWords("indexing the chores of the default branch", async (job: Job<MergedPush>): Promise<IndexSummary> => {
    const { owner, repo, installationId, defaultBranch } = job.data;
    annotateSpan({ "chorebot.repository": `${owner}/${repo}` });
    const octokit = await deps.octokitFor(installationId);
    for (let pass = 1; ; pass++) {
      // Taken before the branch is read: a pass with a later ticket saw the branch as late or later.
      const ticket = await deps.catalog.ticket(owner, repo);
      const stored = await deps.catalog.readStored(owner, repo);
      const head = await readHead(octokit, { owner, repo, defaultBranch }, deps.limits);
      if (head === null) {
        await job.log(`${defaultBranch} is gone: nothing to index`);
        return { head: null, reason: `${defaultBranch} is gone` };
      }
      annotateSpan({ "chorebot.commit": head.sha });
      const { catalog, bundles } = await indexHead(octokit, head, stored.catalog);
      const written = await deps.catalog.write(catalog, { ticket, basedOn: stored.version, bundles });
      if (written === "moved") {
        if (pass < PASSES) continue;
        throw new Error(`other index passes replaced the catalog ${PASSES} times while this one built it`);
      }
      const runnable = catalog.chores.filter((entry) => entry.runnable !== null).length;
      const problems = catalog.chores.filter((entry) => entry.problem !== null);
      if (written === "stale") {
        await job.log(`not stored: a later pass indexed ${defaultBranch} already`);
      } else {
        await deps.catalog.keepVerdicts(owner, repo, keptVersions(catalog));
        await deps.reconcileSchedules?.(catalog);
        for (const entry of problems) await job.log(`${entry.name}: ${entry.problem!.message}`);
        await job.log(`indexed ${catalog.chores.length} chore(s) at ${head.sha.slice(0, 7)}: ${runnable} may run`);
      }
      return { head: head.sha, chores: catalog.chores.length, runnable, problems: problems.length, stale: written === "stale" };
    }

    /** The catalog of `head`, built on what the catalog held (`previous`), and the bundles of the versions new to it. */
    async function indexHead(octokit: GitHubClient, head: Head, previous: RepoCatalog | null) {
      const byName = new Map<string, string[]>();
      for (const path of [...head.entries.keys()].sort()) {
        const name = choreName(path, head.config.choresDir);
        byName.set(name, [...(byName.get(name) ?? []), path]);
      }
      const judgeFile = verdicts(octokit, head);
      const bundles = new Map<string, string>();
      const turns = new Bottleneck({ maxConcurrent: CHORES_AT_ONCE });
      const chores = await Promise.all(
        [...byName].map(([name, paths]) =>
          turns.schedule(async (): Promise<CatalogEntry> => {
            const before = previous?.chores.find((entry) => entry.name === name) ?? null;
            const path = paths[0]!;
            if (before && paths.length === 1 && unchanged(before, path, head, previous!)) return before;
            const judged: Judged =
              paths.length > 1
                ? { ok: false, message: `${paths.length} chores are named ${name}: ${paths.join(", ")}; rename all but one`, seen: null }
                : head.configError !== null
                  ? { ok: false, message: head.configError, seen: null }
                  : await judgeChore(octokit, head, name, path, judgeFile);
            if (judged.ok) {
              bundles.set(name, judged.bundle);
              return { name, path, runnable: judged.chore, problem: null, seen: judged.seen };
            }
            // The version that ran so far stays, unless the repository now asks more approvals than it had.
            const kept = before?.runnable && before.runnable.minApprovals >= head.config.requiredApprovals ? before.runnable : null;
            return { name, path, runnable: kept, problem: { commit: head.sha, message: judged.message }, seen: judged.seen };
          }),
        ),
      );
      const catalog: RepoCatalog = {
        owner,
        repo,
        installationId,
        defaultBranch,
        head: head.sha,
        indexedAt: new Date().toISOString(),
        config: head.config,
        chores: chores.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
      };
      return { catalog, bundles };
    }

    /** Each file version judged once per job, and once for all jobs when the verdict lasts. */
    function verdicts(octokit: GitHubClient, head: Head): (path: string, blob: string) => Promise<FileVerdict> {
      const asked = new Map<string, Promise<FileVerdict>>();
      return (path, blob) => {
        const key = `${blob}:${path}`;
        let pending = asked.get(key);
        if (!pending) {
          pending = (async () => {
            const [known] = await deps.catalog.verdicts(owner, repo, [{ path, blob }]);
            if (known) return known;
            const at = { owner, repo, defaultBranch, head: head.sha, path, blob };
            const verdict = await judgeFileChange(octokit, at, { waitMs: deps.associationWaitMs });
            if (verdict.kind === "pull" || verdict.lasting) await deps.catalog.saveVerdicts(owner, repo, [{ path, blob, verdict }]);
            return verdict;
          })();
          asked.set(key, pending);
        }
        return pending;
      };
    }

    /** Reads, bundles and judges the chore at `path` of the head. */
    async function judgeChore(
      octokit: GitHubClient,
      head: Head,
      name: string,
      path: string,
      judgeFile: (path: string, blob: string) => Promise<FileVerdict>,
    ): Promise<Judged> {
      const read = entryReaderAtCommit(octokit, { owner, repo, commit: head.sha });
      const files: Record<string, string | null> = {};
      const texts = new Map<string, string>();
      const refusals: string[] = [];
      const readFile = async (file: string): Promise<string | null> => {
        // Not in the commit's listing: no request to find out it is missing.
        if (head.blobs !== null && !head.blobs.has(file)) {
          files[file] = null;
          return null;
        }
        const entry = await read(file);
        files[file] = entry.kind === "file" ? entry.sha : (head.blobs?.get(file) ?? null);
        if (entry.kind === "refused") refusals.push(entry.reason);
        if (entry.kind !== "file") return null;
        texts.set(file, entry.text);
        return entry.text;
      };
      const seen = { commit: head.sha, files };
      const bundle = await bundleScript({ entry: path, readFile });
      if (refusals.length > 0) return { ok: false, message: [...new Set(refusals)].join("; "), seen };
      if (!bundle.ok) return { ok: false, message: `does not bundle: ${redact(bundle.message)}`, seen };
      const reading = readScriptDefinition(texts.get(path)!, path);
      if (reading.problems.length > 0) {
        return { ok: false, message: `its definition cannot be read: ${redact(formatDefinitionProblems(path, reading.problems))}`, seen };
      }
      const judged = await Promise.all(bundle.files.map(async (file) => ({ file, verdict: await judgeFile(file, files[file]!) })));
      const problems = judged.flatMap(({ file, verdict }) => {
        const problem = verdictProblem(file, verdict, head.config.requiredApprovals);
        return problem === null ? [] : [problem];
      });
      // A refusal that may not last (GitHub had not named the pull request yet) is asked about again next time.
      const lasting = judged.every(({ verdict }) => verdict.kind === "pull" || verdict.lasting);
      if (problems.length > 0) return { ok: false, message: problems.join("; "), seen: lasting ? seen : null };
      const entryVerdict = judged.find(({ file }) => file === path)!.verdict as Extract<FileVerdict, { kind: "pull" }>;
      const approvals = judged.map(({ verdict }) => (verdict.kind === "pull" ? verdict.approvedBy : []));
      const approvedBy = [...new Set(approvals.flat())].sort();
      const chore: IndexedChore = {
        name,
        path,
        commit: head.sha,
        committedAt: head.committedAt,
        blob: files[path]!,
        description: redactDescription(reading.definition, redact),
        provenance: { pullRequest: entryVerdict.pullRequest, approvedBy, refusal: null },
        files: bundle.files,
        minApprovals: Math.min(...approvals.map((logins) => logins.length)),
      };
      return { ok: true, chore, bundle: bundle.code, seen };
    }
  });
}

/** The default branch's head when asked, its listing and the settings that judge it; null when the branch is gone. */
async function readHead(octokit: GitHubClient, at: { owner: string; repo: string; defaultBranch: string }, limits: ServerLimits): Promise<Head | null> {
  const { owner, repo } = at;
  let sha: string;
  try {
    ({
      data: {
        object: { sha },
      },
    } = await octokit.rest.git.getRef({ owner, repo, ref: `heads/${at.defaultBranch}` }));
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
  const [{ data: commit }, { data: tree }] = await Promise.all([
    octokit.rest.git.getCommit({ owner, repo, commit_sha: sha }),
    octokit.rest.git.getTree({ owner, repo, tree_sha: sha, recursive: "1" }),
  ]);
  // The settings from before the head, as for a merge's scripts: a pull request is not judged by rules it brings.
  const loaded = await loadRepoConfig(octokit, { owner, repo, ref: commit.parents[0]?.sha ?? sha }, limits);
  const { config } = loaded;
  let blobs: Map<string, string> | null = null;
  let entries: Map<string, string>;
  if (!tree.truncated) {
    blobs = new Map(
      tree.tree.flatMap((entry) => ((entry.type === "blob" || entry.type === "commit") && entry.path && entry.sha ? [[entry.path, entry.sha]] : [])),
    );
    entries = new Map([...blobs].filter(([path]) => isEntryScript(path, config.choresDir)));
  } else {
    const listing = await listFolderAtCommit(octokit, { owner, repo, commit: sha }, config.choresDir);
    if (!listing.complete) throw new Error(`cannot list ${config.choresDir}/ completely: ${listing.reason}`);
    entries = new Map([...listing.files].filter(([path]) => isEntryScript(path, config.choresDir)));
  }
  return { sha, committedAt: commit.committer.date, blobs, entries, config, configError: loaded.ok ? null : loaded.error };
}

/** The entry path under the chores folder without its extension: `chores/billing/unlock.ts` → `billing/unlock`. */
function choreName(path: string, choresDir: string): string {
  return path.slice(scriptsFolderPrefix(choresDir).length).replace(/\.[^./]+$/, "");
}

/**
 * Whether the chore is as the catalog has it, runnable version and problem alike: the same
 * settings judge it, and every path its bundling looked up still holds the same blob (or
 * still is not there).
 */
function unchanged(before: CatalogEntry, path: string, head: Head, previous: RepoCatalog): boolean {
  const { seen } = before;
  if (seen === null || before.path !== path || head.blobs === null || head.configError !== null) return false;
  if (JSON.stringify(previous.config) !== JSON.stringify(head.config)) return false;
  return Object.entries(seen.files).every(([file, blob]) => (head.blobs!.get(file) ?? null) === blob);
}

/** Why a file's version does not let its chore run under the repository's rules, or null when it does. */
function verdictProblem(path: string, verdict: FileVerdict, required: number): string | null {
  if (verdict.kind === "refused") return verdict.reason;
  if (verdict.approvedBy.length >= required) return null;
  const ignored = verdict.notCounted.length > 0 ? ` (not counted: ${verdict.notCounted.join(", ")})` : "";
  const pull = verdict.pullRequest;
  return (
    `${path} last changed through pull request #${pull.number}, which has ${verdict.approvedBy.length} approving review(s) on its final commit ` +
    `from people with write access other than its author @${pull.author}; ${required} required${ignored}`
  );
}

/** The file versions the catalog stands on: their verdicts are worth keeping. */
function keptVersions(catalog: RepoCatalog): Array<{ path: string; blob: string }> {
  return catalog.chores.flatMap((entry) => Object.entries(entry.seen?.files ?? {}).flatMap(([path, blob]) => (blob === null ? [] : [{ path, blob }])));
}
