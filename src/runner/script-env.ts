// What a Node script needs to behave like it does in a shell; nothing that carries secrets.
// NODE_OPTIONS is deliberately absent: it could preload code into the script's process.
export const BASICS: readonly string[] = ["PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "NODE_ENV"];

/** The script's whole environment: the basics plus the allowlisted names that are set in `source`. */
export function buildScriptEnv(source: NodeJS.ProcessEnv, allowlist: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of [...BASICS, ...allowlist]) {
    const value = source[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}
