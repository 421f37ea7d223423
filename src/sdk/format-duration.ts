/** A duration as its author would write it: `2d`, `5h`, `30m`, `45s` (the largest whole unit). */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [
    ["d", 86_400_000],
    ["h", 3_600_000],
    ["m", 60_000],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return ms % 1000 === 0 || ms >= 1000 ? `${Math.round(ms / 1000)}s` : `${ms}ms`;
}
