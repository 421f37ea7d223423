// The chore catalog: what each repository's `chores/` holds that may run, as the index job
// (on every push to the default branch) found it. Stored per repository in Redis; read by
// the chores pages and by `process` when a chore run starts.
import type { RepoConfig } from "./github/repo-config.js";
import type { Provenance } from "./run-types.js";
import type { ScriptDescription } from "./sdk/protocol.js";

/** One version of a chore that may run: every file in its bundle last changed through an approved pull request. */
export interface IndexedChore {
  /** The entry path under the chores folder without its extension, e.g. `billing/unlock-account`. */
  name: string;
  /** The entry file in the repository, e.g. `chores/billing/unlock-account.ts`. */
  path: string;
  /** The default branch's commit it was indexed at, its committer date (ISO 8601) and the entry's blob there. */
  commit: string;
  committedAt: string;
  blob: string;
  /** What it declares, read statically; null for a plain script (no defineScript). */
  description: ScriptDescription | null;
  /** The pull request that last changed the entry file, and everyone who approved the pull requests behind its files. */
  provenance: Provenance;
  /** Every repository file in its bundle. */
  files: string[];
  /** The approvals that count of its least approved file: it stays runnable while the repository requires no more. */
  minApprovals: number;
}

/** A chore as the catalog lists it: the version that runs, and why a newer one does not. */
export interface CatalogEntry {
  name: string;
  path: string;
  /** The newest version that may run; null when none may. */
  runnable: IndexedChore | null;
  /**
   * Why the chore at the indexed head is not what runs (it does not bundle, its definition
   * cannot be read, a file of it changed without an approved pull request…); null when it is.
   */
  problem: { commit: string; message: string } | null;
  /**
   * What the index last read of the chore: at which commit, and the blob of every repository
   * path its bundling looked up there (null: no such file). While each is the same at a newer
   * head (and so are the settings), so is the chore: it is not read, bundled or judged again.
   * Null when that reading may come out differently next time (GitHub had not named a pull
   * request yet, two chores shared the name, the settings were invalid): read again at the next index.
   */
  seen: { commit: string; files: Record<string, string | null> } | null;
}

/** One repository's catalog. */
export interface RepoCatalog {
  owner: string;
  repo: string;
  installationId: number;
  defaultBranch: string;
  /** The default branch's commit indexed last, and when. */
  head: string;
  indexedAt: string;
  /** The repository's settings at that commit (choresDir, logsDir, chores.permission…). */
  config: RepoConfig;
  chores: CatalogEntry[];
}

/** What the pages and `process` read. */
export interface CatalogReader {
  /** Every repository with a catalog (where chorebot is installed and a push was indexed). */
  repositories(): Promise<Array<{ owner: string; repo: string }>>;
  read(owner: string, repo: string): Promise<RepoCatalog | null>;
  /** The bundle of a runnable version; null once that version is no longer indexed. */
  bundle(owner: string, repo: string, name: string, commit: string): Promise<string | null>;
}
