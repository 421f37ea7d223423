/**
 * `--input name=value` flags (repeatable) → raw input strings. The value may contain `=`;
 * a flag without one, with an empty name, or a name given twice is a usage error.
 */
export function parseInputFlags(flags: readonly string[]): Record<string, string> {
  const inputs: Record<string, string> = {};
  for (const flag of flags) {
    const at = flag.indexOf("=");
    if (at <= 0 || flag.slice(0, at).trim() === "") throw new Error(`--input ${flag}: expected name=value`);
    const name = flag.slice(0, at).trim();
    if (Object.hasOwn(inputs, name)) throw new Error(`--input ${name} is given twice`);
    inputs[name] = flag.slice(at + 1);
  }
  return inputs;
}

/** The names in `given` the script does not declare, as one usage message; null when all are declared. */
export function undeclaredInputs(given: Record<string, string>, declared: readonly string[]): string | null {
  const unknown = Object.keys(given).filter((name) => !declared.includes(name));
  if (unknown.length === 0) return null;
  const takes = declared.length > 0 ? `it takes ${declared.join(", ")}` : "it declares no inputs";
  return `unknown --input ${unknown.join(", ")}: ${takes}`;
}
