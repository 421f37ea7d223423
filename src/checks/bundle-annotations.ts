import type { BundleError } from "../runner/bundle-script.js";
import type { Annotation } from "./check-report.js";

/** esbuild's errors as failure annotations; an error about no place in a file lands on the entry script. */
export function bundleAnnotations(entry: string, errors: readonly BundleError[]): Annotation[] {
  return errors.map((error) => {
    const line = error.file !== null && error.line !== null ? error.line : 1;
    const annotation: Annotation = {
      path: error.file ?? entry,
      start_line: line,
      end_line: line,
      annotation_level: "failure",
      title: "Does not bundle",
      message: error.text,
    };
    if (error.file !== null && error.column !== null) {
      annotation.start_column = error.column;
      annotation.end_column = error.column;
    }
    return annotation;
  });
}
