import type { ChangedFile } from "../github/changed-scripts.js";
import { scriptsFolderPrefix } from "../github/entry-script.js";
import type { RepoConfig } from "../github/repo-config.js";
import type { Annotation } from "./check-report.js";

/**
 * A pull request that adds or changes a script or a chore must change nothing outside the
 * scripts and chores folders, so reviewers approve the scripts and only them. Every file
 * outside both (a rename counts when either side is outside) is annotated as the policy says.
 */
export function scriptsOnlyAnnotations(
  files: readonly ChangedFile[],
  folders: Pick<RepoConfig, "scriptsDir" | "choresDir">,
  policy: RepoConfig["policy"]["scriptsOnly"],
): Annotation[] {
  if (policy === "off") return [];
  const prefixes = [folders.scriptsDir, folders.choresDir].map(scriptsFolderPrefix);
  const inside = (path: string) => prefixes.some((prefix) => path.startsWith(prefix));
  const allowed = prefixes.join(" and ");
  return files
    .filter((file) => !inside(file.filename) || (file.previous_filename !== undefined && !inside(file.previous_filename)))
    .map((file) => ({
      path: file.filename,
      start_line: 1,
      end_line: 1,
      annotation_level: policy === "fail" ? "failure" : "warning",
      title: "Outside the scripts and chores folders",
      message:
        `${describeChange(file)} outside ${allowed}. A pull request that adds or changes a script or a chore may only change ${allowed}; ` +
        "merge other changes in a separate pull request.",
    }));
}

function describeChange(file: ChangedFile): string {
  if (file.status === "renamed" && file.previous_filename !== undefined) return `${file.previous_filename} → ${file.filename} is renamed`;
  return `${file.filename} is ${file.status}`;
}
