/**
 * `--input name=value` flags (repeatable) → raw input strings. The value may contain `=`;
 * a flag without one, or with an empty name, is a usage error.
 */
export function parseInputFlags(flags: readonly string[]): Record<string, string> {
  const inputs: Record<string, string> = {};
  for (const flag of flags) {
    const at = flag.indexOf("=");
    if (at <= 0) throw new Error(`--input ${flag}: expected name=value`);
    inputs[flag.slice(0, at).trim()] = flag.slice(at + 1);
  }
  return inputs;
}
