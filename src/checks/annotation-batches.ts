import type { Annotation } from "./check-report.js";

/** GitHub takes at most 50 annotations per create or update request. */
export const ANNOTATIONS_PER_REQUEST = 50;
/** GitHub's limit on a check run's `output.summary` (and `text`). */
export const SUMMARY_LIMIT = 65_535;
const MESSAGE_LIMIT = 4_000;
const TITLE_LIMIT = 255;

/** Splits annotations into request-sized batches, in order. */
export function annotationBatches<T>(annotations: readonly T[], size = ANNOTATIONS_PER_REQUEST): T[][] {
  const batches: T[][] = [];
  for (let i = 0; i < annotations.length; i += size) batches.push(annotations.slice(i, i + size));
  return batches;
}

/** Cuts `text` to `limit` characters with a visible marker, never splitting a surrogate pair. */
export function truncateText(text: string, limit: number, marker = "\n\n… (truncated)"): string {
  if (text.length <= limit) return text;
  let end = Math.max(0, limit - marker.length);
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return text.slice(0, end) + marker;
}

/** Keeps one annotation within GitHub's field limits and column rules. */
export function fitAnnotation(annotation: Annotation): Annotation {
  const fitted: Annotation = {
    ...annotation,
    start_line: Math.max(1, annotation.start_line),
    end_line: Math.max(annotation.start_line, annotation.end_line, 1),
    message: truncateText(annotation.message, MESSAGE_LIMIT, " …"),
  };
  if (fitted.title !== undefined) fitted.title = truncateText(fitted.title, TITLE_LIMIT, "…");
  if (fitted.start_line !== fitted.end_line) {
    delete fitted.start_column;
    delete fitted.end_column;
  }
  return fitted;
}
