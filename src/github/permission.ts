/**
 * A person's role on a repository, lowest first, as GitHub's collaborator permission API names
 * it (`role_name`). Chores are seen with `read` and run with at least the repository's
 * `chores.permission`, never below the server's floor (CHORES_PERMISSION).
 */
export const PERMISSIONS = ["none", "read", "triage", "write", "maintain", "admin"] as const;
export type Permission = (typeof PERMISSIONS)[number];

export function isPermission(value: unknown): value is Permission {
  return (PERMISSIONS as readonly unknown[]).includes(value);
}

/** Whether `have` is `need` or above. */
export function atLeast(have: Permission, need: Permission): boolean {
  return PERMISSIONS.indexOf(have) >= PERMISSIONS.indexOf(need);
}

/** The higher of two roles: a repository may ask for more than the server's floor, never less. */
export function higher(a: Permission, b: Permission): Permission {
  return atLeast(a, b) ? a : b;
}
