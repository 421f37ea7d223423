import { RUN_NAME, RUN_NAME_RULE, type NamedRepo } from "../stores/run-names.js";

/** What `?name=<name>[&repo=<owner>/<repo>]` asks for, or why it is not a question. */
export type NameQuery = { ok: true; name: string; repo: NamedRepo | null } | { ok: false; error: string };

const REPOSITORY = /^([A-Za-z0-9._-]{1,100})\/([A-Za-z0-9._-]{1,100})$/;
/** Repositories whose names are looked up at once. */
const BATCH = 50;

/** The name and, if given, the repository of a `GET /api/runs?name=…` request. */
export function parseNameQuery(params: URLSearchParams): NameQuery {
  const name = params.get("name") ?? "";
  if (!RUN_NAME.test(name)) return { ok: false, error: `name: ${RUN_NAME_RULE}` };
  const repo = params.get("repo");
  if (repo === null || repo === "") return { ok: true, name, repo: null };
  const match = REPOSITORY.exec(repo);
  if (match === null) return { ok: false, error: "repo must be <owner>/<repo>" };
  return { ok: true, name, repo: { owner: match[1]!, repo: match[2]! } };
}

/**
 * The runs holding `name`, each with its repository: in `repo`, or else in every repository
 * with a catalog (where on-demand runs, and so names, can be). Names live in Redis (RunNames),
 * so every web process and worker sees the same answer.
 */
export async function runsByName(
  deps: { find(repo: NamedRepo, name: string): Promise<string | null>; repositories(): Promise<NamedRepo[]> },
  query: { name: string; repo: NamedRepo | null },
): Promise<Array<{ repo: NamedRepo; runId: string }>> {
  const repos = query.repo === null ? await deps.repositories() : [query.repo];
  const found: Array<{ repo: NamedRepo; runId: string }> = [];
  for (let i = 0; i < repos.length; i += BATCH) {
    const batch = repos.slice(i, i + BATCH);
    const held = await Promise.all(batch.map((repo) => deps.find(repo, query.name)));
    held.forEach((runId, j) => {
      if (runId !== null) found.push({ repo: batch[j]!, runId });
    });
  }
  return found;
}
