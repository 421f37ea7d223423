import type { LoggedInput } from "../run-types.js";
import { markdownText } from "./markdown-text.js";

/**
 * The Inputs section of a chore run's log: what the person gave, secret values masked, files by
 * name, size and sha256. `source`: a sentence saying where they came from (a reviewed inputs file).
 */
export function requestSection(inputs: Record<string, LoggedInput>, source?: string): string[] {
  const entries = Object.entries(inputs);
  if (entries.length === 0 && source === undefined) return [];
  const rows = entries.map(([name, value]) => `| \`${markdownText(name)}\` | ${cell(value)} |`);
  const table = entries.length === 0 ? [] : [`| input | value |\n|---|---|\n${rows.join("\n")}\n`];
  return ["## Inputs\n", ...(source === undefined ? [] : [`${source}\n`]), ...table];
}

function cell(value: LoggedInput): string {
  if (value !== null && typeof value === "object") {
    if ("secret" in value) return "_secret, not shown_";
    return `file ${escape(value.file)} (${value.bytes} bytes, sha256 \`${value.sha256}\`)`;
  }
  return escape(typeof value === "string" ? value : JSON.stringify(value));
}

function escape(text: string): string {
  return markdownText(text).replace(/\|/g, "\\|").replace(/\n/g, " ");
}
