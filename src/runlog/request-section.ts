import type { LoggedInput } from "../run-types.js";
import { markdownText } from "./markdown-text.js";

/** The Inputs section of a chore run's log: what the person gave, secret values masked, files by name, size and sha256. */
export function requestSection(inputs: Record<string, LoggedInput>): string[] {
  const entries = Object.entries(inputs);
  if (entries.length === 0) return [];
  const rows = entries.map(([name, value]) => `| \`${markdownText(name)}\` | ${cell(value)} |`);
  return ["## Inputs\n", `| input | value |\n|---|---|\n${rows.join("\n")}\n`];
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
