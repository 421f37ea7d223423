/**
 * The GitHub user token the CLI sends, read as the `gh` CLI reads it: `GH_TOKEN` first, then
 * `GITHUB_TOKEN` (empty values are none); with the variable's name, for messages.
 */
export function userTokenFromEnv(env: NodeJS.ProcessEnv = process.env): { value: string; from: string } | null {
  for (const name of ["GH_TOKEN", "GITHUB_TOKEN"]) {
    const value = env[name]?.trim();
    if (value) return { value, from: name };
  }
  return null;
}
