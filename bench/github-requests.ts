import type { RecordedRequest } from "../test/github-stand-in/index.js";

/** The stand-in's requests that arrived between two instants (ms since the epoch). */
export function requestsBetween(requests: readonly RecordedRequest[], from: number, to: number): RecordedRequest[] {
  return requests.filter((request) => request.at >= from && request.at <= to);
}

/**
 * How many requests were made one after another: the longest chain in which each request
 * arrived only after the previous one was answered (greedy on answer times, which finds the
 * longest such chain of intervals). Requests that overlap were made in parallel. With a
 * stand-in that answers in microseconds, independent requests can fail to overlap by
 * chance; give it some latency (BENCH_GITHUB_LATENCY_MS) for a figure that means "round trips".
 */
export function sequentialDepth(requests: readonly RecordedRequest[]): number {
  let depth = 0;
  let free = -Infinity;
  for (const request of [...requests].sort((a, b) => a.at + a.ms - (b.at + b.ms))) {
    if (request.at < free) continue;
    depth++;
    free = request.at + request.ms;
  }
  return depth;
}
