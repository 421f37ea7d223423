import type { ChangedFile } from "../github/changed-scripts.js";
import { scriptsFolderPrefix } from "../github/entry-script.js";
import type { RepoConfig } from "../github/repo-config.js";
import type { Annotation } from "./check-report.js";

/**
 * A pull request that adds or changes a script must change nothing outside the scripts
 * folder, so reviewers approve the script and only the script. Every file outside it
 * (a rename counts when either side is outside) is annotated as the policy says.
 */
export function scriptsOnlyAnnotations(files: readonly ChangedFile[], scriptsDir: string, policy: RepoConfig["policy"]["scriptsOnly"]): Annotation[] {
  if (policy === "off") return [];
  const prefix = scriptsFolderPrefix(scriptsDir);
  const inside = (path: string) => path.startsWith(prefix);
  return files
    .filter((file) => !inside(file.filename) || (file.previous_filename !== undefined && !inside(file.previous_filename)))
    .map((file) => ({
      path: file.filename,
      start_line: 1,
      end_line: 1,
      annotation_level: policy === "fail" ? "failure" : "warning",
      title: "Outside the scripts folder",
      message:
        `${describeChange(file)} outside ${prefix}. A pull request that adds or changes a script may only change ${prefix}; ` +
        "merge other changes in a separate pull request.",
    }));
}

function describeChange(file: ChangedFile): string {
  if (file.status === "renamed" && file.previous_filename !== undefined) return `${file.previous_filename} → ${file.filename} is renamed`;
  return `${file.filename} is ${file.status}`;
}
