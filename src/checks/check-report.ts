/** A check-run annotation, in GitHub's REST shape (`output.annotations[]`). */
export interface Annotation {
  path: string;
  start_line: number;
  end_line: number;
  /** Only when start_line === end_line (GitHub rejects columns across lines). */
  start_column?: number;
  end_column?: number;
  annotation_level: "notice" | "warning" | "failure";
  title?: string;
  message: string;
}

export type Conclusion = "success" | "neutral" | "failure";

/** What the `chorebot` check run says about a pull request. */
export interface CheckReport {
  conclusion: Conclusion;
  title: string;
  /** Markdown. */
  summary: string;
  annotations: Annotation[];
}

/** Failure if anything failed, neutral if something only warns, success otherwise (notices do not count). */
export function conclusionOf(annotations: readonly Pick<Annotation, "annotation_level">[], failed = false): Conclusion {
  if (failed || annotations.some((a) => a.annotation_level === "failure")) return "failure";
  if (annotations.some((a) => a.annotation_level === "warning")) return "neutral";
  return "success";
}
