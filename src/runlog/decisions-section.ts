import type { RunDecision } from "../run-types.js";
import { decisionSentence, runTimeApprovers } from "./decision-words.js";
import { markdownText } from "./markdown-text.js";

/** What a machine wants of the decisions in the front matter: who approved at run time, and every decision as recorded. */
export function decisionsFrontMatter(decisions: readonly RunDecision[] | undefined): Record<string, unknown> {
  if (decisions === undefined || decisions.length === 0) return {};
  return {
    approved_by_at_run_time: runTimeApprovers(decisions),
    decisions: decisions.map((d) => ({
      kind: d.kind,
      by: d.by,
      via: d.via,
      at: d.at,
      ...(d.signal === undefined ? {} : { signal: d.signal }),
      ...(d.step === undefined ? {} : { step: d.step }),
      ...(d.from === undefined ? {} : { from: d.from }),
    })),
  };
}

/** The log's Decisions section: each decision that moved the run on while it was parked, in order. None when it never waited. */
export function decisionsSection(decisions: readonly RunDecision[] | undefined): string[] {
  if (decisions === undefined || decisions.length === 0) return [];
  const items = decisions.map((d, i) => `${i + 1}. ${capitalize(decisionSentence(d, name, (by) => `@${markdownText(by)}`))}.`);
  return ["## Decisions\n", `${items.join("\n")}\n`];
}

/** A login, signal or step name in a code span, or escaped text when a span cannot hold it. */
function name(text: string): string {
  if (text.trim() === "" || /[`\r\n]/.test(text)) return markdownText(text);
  return `\`${text}\``;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
