import type { RepoConfig } from "../github/repo-config.js";
import { SUMMARY_LIMIT, truncateText } from "./annotation-batches.js";

export interface ScriptResult {
  path: string;
  /** One short cell per script: what went well or what is wrong. */
  problems: string[];
  typeChecked: boolean;
}

export interface SummaryFacts {
  config: RepoConfig;
  configError: string | null;
  scripts: readonly ScriptResult[];
  scriptEnv: readonly string[];
  author: string;
  approvedBy: readonly string[];
  /** Things the reader should know that are not about one script (type check skipped, policy, …). */
  notes: readonly string[];
  omittedAnnotations: number;
}

/** The check run's summary: what will run on merge, how, with what, and what is still missing. */
export function renderSummary(facts: SummaryFacts): string {
  const { config, scripts } = facts;
  const lines: string[] = [];
  if (facts.configError !== null) {
    lines.push(`**The repository's chorebot configuration is invalid:** ${inline(facts.configError)}`, "");
    lines.push("Fix it before merging; what follows assumes the defaults.", "");
  }
  lines.push(`### On merge, chorebot will run ${plural(scripts.length, "script")}`, "");
  lines.push(
    config.order === "parallel"
      ? "All at the same time (`order: parallel`)."
      : `One after another, in path order${config.stopOnFailure ? "; a failing script stops the ones after it" : ""}.`,
    "",
  );
  lines.push("| # | Script | Check |", "| --- | --- | --- |");
  scripts.forEach((script, index) => {
    const check =
      script.problems.length === 0
        ? `✅ bundles${script.typeChecked ? ", type-checks" : ""}, packages installed`
        : script.problems.map((p) => `❌ ${cell(p)}`).join("<br>");
    lines.push(`| ${config.order === "parallel" ? "–" : index + 1} | \`${cell(script.path)}\` | ${check} |`);
  });
  lines.push("");
  lines.push(`- **Timeout:** ${formatDuration(config.timeoutMs)} per script; then the script's whole process group is killed.`);
  lines.push(
    facts.scriptEnv.length === 0
      ? "- **Environment:** no configured variables, only basics such as `PATH` and `HOME`."
      : `- **Environment variables** (names only): ${facts.scriptEnv.map((name) => `\`${cell(name)}\``).join(", ")}, plus basics such as \`PATH\` and \`HOME\`.`,
  );
  const missing = Math.max(0, config.requiredApprovals - facts.approvedBy.length);
  const approvers = facts.approvedBy.length === 0 ? "none yet" : facts.approvedBy.map((login) => `@${login}`).join(", ");
  lines.push(
    `- **Approvals:** ${config.requiredApprovals} required on the latest commit from someone other than @${facts.author}; ` +
      `approved by ${approvers}` +
      (missing > 0 ? `; **${missing} still missing** (the scripts will be refused if merged now).` : "."),
  );
  lines.push(
    `- **Afterwards:** a run log is added under \`${config.logsDir}/<yyyy>/<mm>/\` (the merge's month, UTC) and the script removed, ` +
      (config.cleanup === "pull_request" ? "in a pull request chorebot opens." : "in one commit on the default branch."),
  );
  if (facts.notes.length > 0 || facts.omittedAnnotations > 0) {
    lines.push("");
    for (const note of facts.notes) lines.push(`> ${inline(note)}`, ">");
    if (facts.omittedAnnotations > 0) lines.push(`> ${facts.omittedAnnotations} more annotation(s) not shown.`, ">");
    lines.pop();
  }
  return truncateText(lines.join("\n"), SUMMARY_LIMIT);
}

export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 120) return `${seconds} s`;
  if (seconds % 60 === 0 && seconds < 7200) return `${seconds / 60} min`;
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** Text safe inside a table cell: no pipes or line breaks. */
function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

function inline(text: string): string {
  return text.replace(/\r?\n/g, " ");
}
