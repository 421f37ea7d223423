import type { RepositoryRole } from "./types.js";
import { isBotLogin } from "./users.js";

/** The legacy base permission GitHub reports in `permission`: maintain counts as write, triage as read. */
export const BASE_PERMISSION: Record<RepositoryRole, "admin" | "write" | "read" | "none"> = {
  admin: "admin",
  maintain: "write",
  write: "write",
  triage: "read",
  read: "read",
  none: "none",
};

/** The collaborator's `permissions` hash: every role includes the ones below it. */
export function rolePermissions(role: RepositoryRole) {
  const rank = ["none", "read", "triage", "write", "maintain", "admin"].indexOf(role);
  return { admin: rank >= 5, maintain: rank >= 4, push: rank >= 3, triage: rank >= 2, pull: rank >= 1 };
}

/** Roles on the one repository, by login (GitHub logins are case-insensitive). */
export class Collaborators {
  private readonly roles = new Map<string, { login: string; role: RepositoryRole }>();

  constructor(owner: string) {
    this.roles.set(owner.toLowerCase(), { login: owner, role: "admin" });
  }

  set(login: string, role: RepositoryRole): void {
    if (isBotLogin(login)) throw new Error(`setPermission: ${login} is an app; apps cannot be repository collaborators`);
    if (!(role in BASE_PERMISSION)) throw new Error(`setPermission: unknown role ${JSON.stringify(role)}`);
    this.roles.set(login.toLowerCase(), { login, role });
  }

  /** The role and the login as first spelled; a login never set is a "write" collaborator (a test convenience). */
  get(login: string): { login: string; role: RepositoryRole } {
    return this.roles.get(login.toLowerCase()) ?? { login, role: "write" };
  }
}
