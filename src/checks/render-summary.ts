import type { RepoConfig } from "../github/repo-config.js";
import type { ApprovalDescription, IterationDescription, WorkflowDescription } from "../sdk/protocol.js";
import { SUMMARY_LIMIT, truncateText } from "./annotation-batches.js";
import type { ScheduleSummary } from "./inspect-schedule.js";
import { renderApprovals } from "./render-approvals.js";
import { renderIterations } from "./render-iterations.js";
import { renderSchedules } from "./render-schedules.js";
import { renderWorkflows } from "./render-workflows.js";

export interface ScriptResult {
  path: string;
  /** One short cell per script: what went well or what is wrong. */
  problems: string[];
  typeChecked: boolean;
  /** The reviewed inputs file it runs with, when the pull request gives it one. */
  inputsFile?: string;
  /** A chore's valid schedule. */
  schedule?: ScheduleSummary;
  /** A workflow's steps. */
  workflow?: WorkflowDescription;
  /** The approval each of its runs waits for. */
  approval?: ApprovalDescription;
  /** An iteration's options. */
  iteration?: IterationDescription;
}

export interface SummaryFacts {
  config: RepoConfig;
  configError: string | null;
  scripts: readonly ScriptResult[];
  /** The chores the pull request adds or changes: they stay in the repository and run on demand, never on merge. */
  chores: readonly ScriptResult[];
  scriptEnv: readonly string[];
  author: string;
  approvedBy: readonly string[];
  /** Things the reader should know that are not about one script (type check skipped, policy, …). */
  notes: readonly string[];
  omittedAnnotations: number;
}

/** The check run's summary: what will run on merge, the chores it changes, how they run, with what, and what is still missing. */
export function renderSummary(facts: SummaryFacts): string {
  const { config, scripts, chores } = facts;
  const lines: string[] = [];
  if (facts.configError !== null) {
    lines.push(`**The repository's chorebot configuration is invalid:** ${inline(facts.configError)}`, "");
    lines.push("Fix it before merging; what follows assumes the defaults.", "");
  }
  if (scripts.length > 0 || chores.length === 0) {
    lines.push(`### On merge, chorebot will run ${plural(scripts.length, "script")}`, "");
    lines.push(
      config.order === "parallel"
        ? "All at the same time (`order: parallel`)."
        : `One after another, in path order${config.stopOnFailure ? "; a failing script stops the ones after it" : ""}.`,
      "",
    );
    lines.push("| # | Script | Check |", "| --- | --- | --- |");
    scripts.forEach((script, index) => {
      lines.push(`| ${config.order === "parallel" ? "–" : index + 1} | \`${cell(script.path)}\` | ${checkCell(script)} |`);
    });
    lines.push("");
  }
  if (chores.length > 0) {
    lines.push(`### ${plural(chores.length, "chore")} added or changed`, "");
    lines.push(
      `Chores stay in \`${config.choresDir}/\` and do not run on merge: from then on, people with at least the \`${config.chores.permission}\` role ` +
        "can run this version on demand, with the inputs they give.",
      "",
    );
    lines.push("| Chore | Check |", "| --- | --- |");
    for (const chore of chores) lines.push(`| \`${cell(chore.path)}\` | ${checkCell(chore)} |`);
    lines.push("");
    lines.push(...renderSchedules(chores));
  }
  lines.push(...renderWorkflows([...scripts, ...chores]));
  lines.push(...renderApprovals([...scripts, ...chores]));
  lines.push(...renderIterations([...scripts, ...chores]));
  lines.push(`- **Timeout:** ${formatDuration(config.timeoutMs)} per script; then the script's whole process group is killed.`);
  lines.push(
    facts.scriptEnv.length === 0
      ? "- **Environment:** no configured variables, only basics such as `PATH` and `HOME`."
      : `- **Environment variables** (names only): ${facts.scriptEnv.map((name) => `\`${cell(name)}\``).join(", ")}, plus basics such as \`PATH\` and \`HOME\`.`,
  );
  const missing = Math.max(0, config.requiredApprovals - facts.approvedBy.length);
  const approvers = facts.approvedBy.length === 0 ? "none yet" : facts.approvedBy.map((login) => `@${login}`).join(", ");
  const refused = [scripts.length > 0 ? "the scripts will be refused" : "", chores.length > 0 ? "the chores' new versions will not run" : ""].filter(Boolean);
  lines.push(
    `- **Approvals:** ${config.requiredApprovals} required on the latest commit from someone other than @${facts.author}; ` +
      `approved by ${approvers}` +
      (missing > 0 ? `; **${missing} still missing** (${refused.join(" and ")} if merged now).` : "."),
  );
  if (scripts.length > 0 || chores.length === 0) {
    lines.push(
      `- **Afterwards:** a run log is added under \`${config.logsDir}/<yyyy>/<mm>/\` (the merge's month, UTC) and the script removed, ` +
        (config.cleanup === "pull_request" ? "in a pull request chorebot opens." : "in one commit on the default branch."),
    );
  }
  if (chores.length > 0) lines.push(`- **Chore runs:** each run's log is committed under \`${config.logsDir}/chores/<chore>/\`; the chore stays.`);
  if (facts.notes.length > 0 || facts.omittedAnnotations > 0) {
    lines.push("");
    for (const note of facts.notes) lines.push(`> ${inline(note)}`, ">");
    if (facts.omittedAnnotations > 0) lines.push(`> ${facts.omittedAnnotations} more annotation(s) not shown.`, ">");
    lines.pop();
  }
  return truncateText(lines.join("\n"), SUMMARY_LIMIT);
}

/** One script's or chore's cell: what went well, or each thing that is wrong. */
function checkCell(script: ScriptResult): string {
  return script.problems.length === 0
    ? `✅ bundles${script.typeChecked ? ", type-checks" : ""}, packages installed${script.inputsFile ? `; runs with the values of \`${cell(script.inputsFile)}\`` : ""}`
    : script.problems.map((p) => `❌ ${cell(p)}`).join("<br>");
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
