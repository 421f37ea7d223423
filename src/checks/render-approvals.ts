import { formatDuration } from "../sdk/format-duration.js";
import type { ApprovalDescription } from "../sdk/protocol.js";
import { markdownText } from "./markdown-text.js";

/**
 * The summary's "Approval at run time" section: for each script or chore that declares
 * `approval`, how many people must approve each run before it starts. Empty when none does.
 */
export function renderApprovals(scripts: readonly { path: string; approval?: ApprovalDescription }[]): string[] {
  const asking = scripts.filter((script): script is { path: string; approval: ApprovalDescription } => script.approval !== undefined);
  if (asking.length === 0) return [];
  const lines = ["### Approval at run time", ""];
  for (const { path, approval } of asking) lines.push(`- **${markdownText(path)}**: ${approvalSentence(approval)}`);
  lines.push("");
  return lines;
}

/** "Each run waits for 2 approvals from people other than the one who asks (times out after 7d)." */
export function approvalSentence({ count, timeoutMs }: ApprovalDescription): string {
  return (
    `Each run waits for ${count} approval${count === 1 ? "" : "s"} from people other than the one who asks, ` +
    `each with the permission to run it (times out after ${formatDuration(timeoutMs)}; then it is cancelled, nothing of it ran).`
  );
}
