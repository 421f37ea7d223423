import type { Context } from "probot";

/** Forgets what chorebot keeps about repositories it can no longer reach (their chore catalogs and schedules). */
export type ForgetRepositories = (repositories: Array<{ owner: string; repo: string }>) => Promise<void>;

/**
 * When chorebot is uninstalled, or repositories are taken out of its installation, their
 * chore catalogs and their chores' job schedulers go: nobody can run those chores any more,
 * and nothing else would ever remove them. A repository added back is indexed (and its
 * schedules made) again on its next push.
 */
export function handleUninstall(forget: ForgetRepositories) {
  return async (context: Context<"installation.deleted" | "installation_repositories.removed">): Promise<void> => {
    const payload = context.payload;
    const removed = "repositories_removed" in payload ? payload.repositories_removed : (payload.repositories ?? []);
    const repositories = removed.map(({ full_name }) => {
      const [owner = "", repo = ""] = full_name.split("/");
      return { owner, repo };
    });
    if (repositories.length === 0) return;
    await forget(repositories);
    context.log.info(
      { repositories: removed.map((r) => r.full_name) },
      "repositories left chorebot's installation: their chore catalogs and schedules are removed",
    );
  };
}

/**
 * When a repository is renamed or moved to another owner, what chorebot keeps under its old
 * name goes: GitHub still answers for the old name (it redirects), so its schedules would go on
 * running under it, and run each occurrence twice once the new name is indexed. The new name
 * is indexed (and its schedules made) on its next push.
 */
export function handleRepositoryMoved(forget: ForgetRepositories) {
  return async (context: Context<"repository.renamed" | "repository.transferred">): Promise<void> => {
    const payload = context.payload;
    const { name } = payload.repository;
    const old =
      payload.action === "renamed"
        ? { owner: payload.repository.owner.login, repo: payload.changes.repository.name.from }
        : { owner: payload.changes.owner.from.user?.login ?? payload.changes.owner.from.organization?.login ?? "", repo: name };
    if (old.owner === "" || old.repo === "") return;
    await forget([old]);
    context.log.info(
      { from: `${old.owner}/${old.repo}`, to: payload.repository.full_name },
      "a repository was renamed or moved: its chore catalog and schedules under the old name are removed",
    );
  };
}
