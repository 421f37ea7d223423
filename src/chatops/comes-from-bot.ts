/** Whether a GitHub user is an app or another bot account: its comments are never commands (chorebot's own replies included). */
export function comesFromBot(user: { login: string; type?: string | null } | null | undefined): boolean {
  return !user || user.type === "Bot" || user.login.toLowerCase().endsWith("[bot]");
}
