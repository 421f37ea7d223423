import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { renderDigest } from "../../../src/schedules/render-digest.js";
import type { DigestRow, ScheduleRef } from "../../../src/schedules/schedule-types.js";

const REF: ScheduleRef = { owner: "acme", repo: "shop", chore: "billing/purge", schedulerId: "sched-acme.shop-billing-purge-1a2b3c4d" };
const PATH = "logs/schedules/billing/purge/2026/12/06.md";
const row = (o: Partial<DigestRow> = {}): DigestRow => ({
  occurrence: "2026-12-06T10:00:00.000Z",
  runId: "sched-acme.shop-billing-purge-1a2b3c4d-1796551200000",
  attempt: 1,
  status: "succeeded",
  startedAt: "2026-12-06T10:00:00.120Z",
  durationMs: 2345,
  counters: { purged: 12 },
  result: '{"purged":12}',
  note: null,
  logPath: null,
  ...o,
});

/** The table's rows, split into cells the way GFM does (an unescaped `|` ends a cell). */
function cells(markdown: string): string[][] {
  return markdown
    .split("\n")
    .filter((line) => line.startsWith("| ") && !line.startsWith("| occurrence"))
    .map((line) =>
      line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((c) => c.trim()),
    );
}

describe("renderDigest", () => {
  it("shows a heading, a tally and one row per try with its time, try, status, duration, counters, result, note and log", () => {
    const md = renderDigest({
      ref: REF,
      day: "2026-12-06",
      path: PATH,
      dropped: 0,
      rows: [
        row(),
        row({
          occurrence: "2026-12-06T11:00:00.000Z",
          status: "failed",
          result: null,
          counters: {},
          logPath: "logs/schedules/billing/purge/2026/12/06-run-a.md",
        }),
        row({ occurrence: "2026-12-06T11:00:00.000Z", attempt: 2, status: "succeeded", note: "recovered" }),
        row({
          occurrence: "2026-12-06T12:00:00.000Z",
          runId: null,
          attempt: 0,
          status: "skipped",
          startedAt: null,
          durationMs: null,
          counters: {},
          result: null,
          note: "the previous run still goes",
        }),
      ],
    });
    const front = parse(md.split("---\n")[1]!) as Record<string, unknown>;
    expect(front).toMatchObject({
      repository: "acme/shop",
      chore: "billing/purge",
      day: "2026-12-06",
      rows: 4,
      dropped_rows: 0,
      statuses: { failed: 1, skipped: 1, succeeded: 2 },
    });
    expect(md).toContain("# Schedule of billing/purge on 2026-12-06 (UTC)");
    expect(md).toContain("4 entries: 2 succeeded, 1 failed, 1 skipped.");
    expect(cells(md)).toEqual([
      ["10:00:00", "1", "✅ succeeded", "10:00:00", "2.3 s", "` purged=12 `", '` {"purged":12} `', "", ""],
      ["11:00:00", "1", "❌ failed", "10:00:00", "2.3 s", "", "", "", "[log](06-run-a.md)"],
      ["11:00:00", "2", "✅ succeeded", "10:00:00", "2.3 s", "` purged=12 `", '` {"purged":12} `', "recovered", ""],
      ["12:00:00", "–", "⏭️ skipped", "–", "–", "", "", "the previous run still goes", ""],
    ]);
  });

  it("keeps a script's result and counter names and a note inside their cells: no new cells, rows, links or HTML", () => {
    const hostile = "a | b\n| x | y |\n[click](https://evil.example) <img src=x> ``` `";
    const md = renderDigest({
      ref: { ...REF, chore: "x](https://evil.example)" },
      day: "2026-12-06",
      path: PATH,
      dropped: 0,
      rows: [row({ result: hostile, counters: { [hostile]: 1 }, note: hostile, logPath: "https://evil.example/x.md" })],
    });
    const table = cells(md);
    expect(table).toHaveLength(1);
    expect(table[0]).toHaveLength(9);
    // Only in code spans (no link there) or escaped text.
    expect(table[0]![6]).toMatch(/^```` a \\\| b \\\| x \\\| y \\\| \[click\]\(https:\/\/evil.example\) <img src=x> ``` ` ````$/);
    expect(table[0]![7]).not.toMatch(/(?<!\\)\[click(?<!\\)\]/);
    expect(table[0]![7]).toContain("\\<img");
    expect(table[0]![8]).toBe("");
    expect(md).toContain("# Schedule of x\\](https://evil.example) on");
    expect(md.split("\n").filter((l) => l.startsWith("|"))).toHaveLength(3);
  });

  it("links only log paths shaped like chorebot's, and encodes their %", () => {
    const link = (logPath: string) => cells(renderDigest({ ref: REF, day: "2026-12-06", path: PATH, dropped: 0, rows: [row({ logPath })] }))[0]![8];
    expect(link("logs/schedules/billing/purge/2026/12/06-sched-%2Ex-1.md")).toBe("[log](06-sched-%252Ex-1.md)");
    expect(link("logs/schedules/../../../x.md")).toBe("");
    expect(link("logs/a b).md")).toBe("");
    expect(link("javascript:alert(1)")).toBe("");
  });

  it("says how many rows the day's cap left out", () => {
    const md = renderDigest({ ref: REF, day: "2026-12-06", path: PATH, dropped: 17, rows: [row()] });
    expect(md).toContain("17 more entries this day are not listed");
    expect((parse(md.split("---\n")[1]!) as Record<string, unknown>).dropped_rows).toBe(17);
  });

  it("renders the same bytes for the same rows (a flush that runs twice writes one file)", () => {
    const input = { ref: REF, day: "2026-12-06", path: PATH, dropped: 0, rows: [row(), row({ attempt: 2 })] };
    expect(renderDigest(input)).toBe(renderDigest(structuredClone(input)));
  });
});
