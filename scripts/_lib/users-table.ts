// A stand-in for a database table, so the backfill example runs anywhere: rows by id, read a page at a time.
export interface User {
  id: number;
  firstName: string;
  lastName: string;
  displayName: string | null;
}

/** 1,000 users without a display name, ids 1 to 1,000. */
export const users: User[] = Array.from({ length: 1000 }, (_, i) => ({ id: i + 1, firstName: `Ada${i + 1}`, lastName: "Lovelace", displayName: null }));

/** `SELECT … WHERE id > $after ORDER BY id LIMIT $limit`: a page of users after an id. */
export function usersAfter(after: number, limit: number): User[] {
  return users.filter((user) => user.id > after).slice(0, limit);
}

/** `SELECT count(*) …`: how many users there are. */
export function countUsers(): number {
  return users.length;
}

/** `UPDATE users SET display_name = $name WHERE id = $id`. */
export function setDisplayName(id: number, name: string): void {
  const user = users.find((u) => u.id === id);
  if (user === undefined) throw new Error(`no user ${id}`);
  user.displayName = name;
}
