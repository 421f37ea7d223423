import { readFileSync } from "node:fs";

/** The JSON in the resumption file at `path` (RESUME_ENV), unchecked, or why it cannot be read. */
export function readResumptionFile(path: string): { ok: true; parsed: unknown } | { ok: false; problem: string } {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    return { ok: false, problem: `cannot read the resumption file: ${(error as Error).message}` };
  }
  try {
    return { ok: true, parsed: JSON.parse(text) };
  } catch (error) {
    return { ok: false, problem: `the resumption file is not JSON: ${(error as Error).message}` };
  }
}
