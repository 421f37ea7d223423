import { describe, expect, test } from "vitest";
import { decodeMappings, encodeMappings, inlineSourceMap } from "../../../src/runner/bundle-source-map.js";

function decodeComment(comment: string | null): { sources: string[]; names: string[]; mappings: string } {
  const base64 = /^\/\/# sourceMappingURL=data:application\/json;base64,(.+)$/.exec(comment ?? "")?.[1];
  if (base64 === undefined) throw new Error(`not an inline source map: ${comment}`);
  return JSON.parse(Buffer.from(base64, "base64").toString("utf8")) as { sources: string[]; names: string[]; mappings: string };
}

describe("source map mappings", () => {
  test("decode and encode are inverses, across lines, negative deltas and large values", () => {
    const lines = [
      [
        [0, 0, 0, 0],
        [4, 0, 0, 4, 0],
        [30, 1, 200, 3],
      ],
      [],
      [[2], [100000, 1, 199, 0, 1], [100001, 0, 0, 0]],
      [],
    ] as Parameters<typeof encodeMappings>[0];
    expect(decodeMappings(encodeMappings(lines))).toEqual(lines);
    // An esbuild string: column deltas (T is -9) carry across lines, the generated column does not.
    expect(decodeMappings(";;AAAA,SAAS;AACT")).toEqual([
      [],
      [],
      [
        [0, 0, 0, 0],
        [9, 0, 0, 9],
      ],
      [[0, 0, 1, 0]],
    ]);
    expect(encodeMappings(decodeMappings(";;AAAA,SAAS;AACT"))).toBe(";;AAAA,SAAS;AACT");
  });

  test("a corrupt mapping is an error, not a wrong map", () => {
    expect(() => decodeMappings("AA!A")).toThrow(/invalid source map/);
  });
});

describe("inlineSourceMap", () => {
  const map = (o: { sources: string[]; names?: string[]; lines: Parameters<typeof encodeMappings>[0] }) =>
    JSON.stringify({ version: 3, sources: o.sources, names: o.names ?? [], mappings: encodeMappings(o.lines) });
  const repoOnly = (source: string) => source.startsWith("repo:");

  test("keeps the kept sources' mappings, renumbered, and marks the others' code unmapped once", () => {
    const comment = inlineSourceMap(
      map({
        sources: ["src/sdk/runtime.ts", "repo:scripts/a.ts", "repo:scripts/_lib/b.ts"],
        names: ["sdkName", "a", "b"],
        lines: [
          [[0, 0, 0, 0, 0]], // SDK code before any script line: nothing to end, nothing emitted
          [[0, 1, 4, 2, 1]],
          [
            [0, 0, 10, 0],
            [8, 0, 11, 0],
          ], // SDK after a script line: one unmapped segment ends it
          [[0, 0, 12, 0]],
          [
            [0, 2, 0, 0, 2],
            [5, 1, 6, 0],
          ],
          [[0, 0, 13, 0]], // trailing SDK code
          [],
        ],
      }),
      repoOnly,
    );
    const kept = decodeComment(comment);
    expect(kept.sources).toEqual(["repo:scripts/a.ts", "repo:scripts/_lib/b.ts"]);
    expect(kept.names).toEqual(["a", "b"]);
    expect(decodeMappings(kept.mappings)).toEqual([
      [],
      [[0, 0, 4, 2, 0]],
      [[0]],
      [],
      [
        [0, 1, 0, 0, 1],
        [5, 0, 6, 0],
      ],
      [[0]],
    ]);
  });

  test("nothing kept is no map at all", () => {
    expect(inlineSourceMap(map({ sources: ["src/sdk/index.ts"], lines: [[[0, 0, 0, 0]]] }), repoOnly)).toBeNull();
  });
});
