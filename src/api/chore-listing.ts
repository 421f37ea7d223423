import type { RepoCatalog } from "../catalog-types.js";
import { atLeast, type Permission } from "../github/permission.js";
import type { ScriptDescription } from "../sdk/protocol.js";

/** A repository's chores as `GET /api/chores/<owner>/<repo>` answers them (and `chorebot chores list` prints them). */
export interface ChoreListing {
  repository: string;
  /** The role running its chores needs, the caller's, and so whether the caller may run them. */
  required_permission: Permission;
  permission: Permission;
  can_run: boolean;
  chores: Array<{
    name: string;
    path: string;
    description: string | null;
    /** Whether a version may run, the commit of that version, and why the newest does not run (null when it does). */
    runnable: boolean;
    commit: string | null;
    problem: string | null;
    /** The declared inputs, as the chore's definition says them (a secret one's default is never in it). */
    inputs: ScriptDescription["inputs"];
  }>;
}

export function choreListing(catalog: RepoCatalog, permission: Permission, required: Permission): ChoreListing {
  return {
    repository: `${catalog.owner}/${catalog.repo}`,
    required_permission: required,
    permission,
    can_run: atLeast(permission, required),
    chores: catalog.chores.map((entry) => ({
      name: entry.name,
      path: entry.path,
      description: entry.runnable?.description?.description ?? null,
      runnable: entry.runnable !== null,
      commit: entry.runnable?.commit ?? null,
      problem: entry.problem?.message ?? null,
      inputs: entry.runnable?.description?.inputs ?? {},
    })),
  };
}
