/**
 * Wraps `content` in a backtick code fence that the content cannot close: the fence is
 * longer than the longest backtick run inside (scripts print Markdown, bundles hold ```).
 */
export function fence(content: string, info = ""): string {
  let longest = 0;
  for (const run of content.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  const ticks = "`".repeat(Math.max(3, longest + 1));
  const body = content === "" || content.endsWith("\n") ? content : `${content}\n`;
  return `${ticks}${info}\n${body}${ticks}\n`;
}
