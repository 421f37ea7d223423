import type { CatalogEntry, IndexedChore, RepoCatalog } from "../../../src/catalog-types.js";
import type { ChoreRunView } from "../../../src/chores/chore-run-view.js";
import { defaultRepoConfig } from "../../../src/github/repo-config.js";
import type { ScriptDescription } from "../../../src/sdk/protocol.js";

export type InputDescription = ScriptDescription["inputs"][string];

/** A description declaring `inputs` (concurrency self, no timeout, unless `more` says otherwise). */
export function description(inputs: Record<string, InputDescription>, more: Partial<ScriptDescription> = {}): ScriptDescription {
  return { description: "Unlocks a customer's account", inputs, concurrency: "self", timeoutMs: null, env: null, ...more };
}

export const COMMIT = "a".repeat(40);
export const NEWER_COMMIT = "b".repeat(40);

export function indexedChore(name: string, desc: ScriptDescription | null, commit = COMMIT): IndexedChore {
  return {
    name,
    path: `chores/${name}.ts`,
    commit,
    committedAt: "2026-12-01T10:00:00Z",
    blob: "c".repeat(40),
    description: desc,
    provenance: {
      pullRequest: { number: 7, url: "https://github.example/acme/shop/pull/7", author: "carol", title: "Add the unlock chore" },
      approvedBy: ["dave"],
      refusal: null,
    },
    files: [`chores/${name}.ts`],
    minApprovals: 1,
  };
}

export function entry(chore: IndexedChore | null, o: { name?: string; problem?: CatalogEntry["problem"] } = {}): CatalogEntry {
  const name = o.name ?? chore?.name ?? "broken";
  return { name, path: `chores/${name}.ts`, runnable: chore, problem: o.problem ?? null, seen: null };
}

export function repoCatalog(owner: string, repo: string, chores: CatalogEntry[]): RepoCatalog {
  const config = defaultRepoConfig({ minApprovals: 1, maxTimeoutMs: 15 * 60_000, minChorePermission: "write" });
  return { owner, repo, installationId: 42, defaultBranch: "main", head: COMMIT, indexedAt: "2026-12-01T10:05:00Z", config, chores };
}

/** A run view with everything empty but what `o` sets. */
export function runView(o: Partial<ChoreRunView> = {}): ChoreRunView {
  return {
    id: "run-1",
    status: "succeeded",
    repository: "acme/shop",
    script: "chores/unlock-account.ts",
    commit: COMMIT,
    started_at: "2026-12-02T09:00:00.000Z",
    finished_at: "2026-12-02T09:00:02.500Z",
    duration_ms: 2500,
    message: null,
    waiting_reason: null,
    result: null,
    progress: null,
    counters: null,
    log: null,
    trigger: "ui",
    requested_by: "alice",
    chore: "unlock-account",
    inputs: null,
    output: [],
    ...o,
  };
}
