import { isNotFound } from "../github/http-error.js";
import type { GitHubClient } from "../github/octokit.js";
import { isPermission, type Permission } from "../github/permission.js";

const DEFAULT_TTL_MS = 2 * 60 * 1000;
/** A permission taken away on GitHub must stop working within minutes. */
const MAX_TTL_MS = 5 * 60 * 1000;
/** Entries kept at most; the oldest go first. */
const MAX_ENTRIES = 5_000;

export interface RepoOfInstallation {
  owner: string;
  repo: string;
  installationId: number;
}

/**
 * A user's role on a repository, as GitHub says it now: `GET /repos/{owner}/{repo}/collaborators/{username}/permission`
 * with the installation's client. `role_name` when it is one of the five base roles, else
 * the base `permission` a custom role stands on; 404 (not a collaborator, no such user) is
 * "none". Answers are cached per repository and login for `ttlMs` (default 2 minutes, at
 * most 5; 0 turns the cache off), lookups of one pair at the same time share one request,
 * and a failed lookup is thrown, never cached.
 */
export function permissionLookup(o: {
  octokitFor(installationId: number): Promise<GitHubClient>;
  ttlMs?: number;
}): (repo: RepoOfInstallation, login: string) => Promise<Permission> {
  const ttlMs = o.ttlMs ?? DEFAULT_TTL_MS;
  if (!Number.isFinite(ttlMs) || ttlMs < 0 || ttlMs > MAX_TTL_MS) {
    throw new RangeError(`permissionLookup: ttlMs must be between 0 and ${MAX_TTL_MS} (5 minutes)`);
  }
  const cache = new Map<string, { permission: Promise<Permission>; expiresAt: number }>();

  async function fetchPermission(repo: RepoOfInstallation, login: string): Promise<Permission> {
    const octokit = await o.octokitFor(repo.installationId);
    try {
      const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({ owner: repo.owner, repo: repo.repo, username: login });
      if (isPermission(data.role_name)) return data.role_name;
      return isPermission(data.permission) ? data.permission : "none";
    } catch (error) {
      if (isNotFound(error)) return "none";
      throw error;
    }
  }

  return (repo, login) => {
    const key = JSON.stringify([repo.installationId, repo.owner.toLowerCase(), repo.repo.toLowerCase(), login.toLowerCase()]);
    const now = Date.now();
    const cached = cache.get(key);
    if (cached !== undefined && cached.expiresAt > now) return cached.permission;
    cache.delete(key);
    const permission = fetchPermission(repo, login);
    if (ttlMs === 0) return permission;
    const entry = { permission, expiresAt: now + ttlMs };
    cache.set(key, entry);
    void permission.catch(() => {
      if (cache.get(key) === entry) cache.delete(key);
    });
    for (const oldest of cache.keys()) {
      if (cache.size <= MAX_ENTRIES) break;
      cache.delete(oldest);
    }
    return permission;
  };
}
