// A bundle's source map, cut down to what its stack traces need: the repository's files.
// The SDK bundled into a script would otherwise double the stored bundle (and the run log
// that quotes it) with mappings of chorebot's own code, which no script author debugs.

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const DIGIT = new Map([...BASE64].map((c, i) => [c, i]));

interface RawSourceMap {
  version: number;
  sources: string[];
  names?: string[];
  mappings: string;
}

/** One decoded segment, absolute: generated column, then (when mapped) source, line, column and name. */
type Segment = [number] | [number, number, number, number] | [number, number, number, number, number];

/**
 * The `//# sourceMappingURL=data:…` comment of `map` (esbuild's JSON, without sourcesContent)
 * keeping only the mappings into sources `keep` accepts; null when it keeps none. Code of the
 * other sources is marked unmapped, so Node shows its frames in the bundle instead of
 * attributing them to the nearest kept line.
 */
export function inlineSourceMap(map: string, keep: (source: string) => boolean): string | null {
  const raw = JSON.parse(map) as RawSourceMap;
  const sourceIndex = new Map<number, number>();
  const sources: string[] = [];
  raw.sources.forEach((source, i) => {
    if (!keep(source)) return;
    sourceIndex.set(i, sources.length);
    sources.push(source);
  });
  if (sources.length === 0) return null;
  const nameIndex = new Map<number, number>();
  const names: string[] = [];
  let lastMapped = false;
  const kept = decodeMappings(raw.mappings).map((segments) => {
    const out: Segment[] = [];
    for (const segment of segments) {
      const source = segment.length > 1 ? sourceIndex.get(segment[1]!) : undefined;
      if (source === undefined) {
        // One unmapped segment ends the kept source's range; more would only take space.
        if (lastMapped) out.push([segment[0]]);
        lastMapped = false;
        continue;
      }
      lastMapped = true;
      if (segment.length === 5) {
        let name = nameIndex.get(segment[4]);
        if (name === undefined) {
          name = names.length;
          nameIndex.set(segment[4], name);
          names.push(raw.names?.[segment[4]] ?? "");
        }
        out.push([segment[0], source, segment[2], segment[3], name]);
      } else {
        out.push([segment[0], source, segment[2]!, segment[3]!]);
      }
    }
    return out;
  });
  // Lines after the last kept mapping need no entry.
  const json = JSON.stringify({ version: 3, sources, names, mappings: encodeMappings(kept).replace(/;+$/, "") });
  return `//# sourceMappingURL=data:application/json;base64,${Buffer.from(json).toString("base64")}`;
}

/** Source map v3 mappings as absolute segments per generated line. */
export function decodeMappings(mappings: string): Segment[][] {
  const state = [0, 0, 0, 0, 0];
  return mappings.split(";").map((line) => {
    state[0] = 0; // the generated column restarts on each line; the other fields carry on
    if (line === "") return [];
    return line.split(",").map((text) => {
      const deltas = decodeVlq(text);
      const segment = deltas.map((delta, i) => (state[i] = state[i]! + delta));
      return segment as Segment;
    });
  });
}

export function encodeMappings(lines: Segment[][]): string {
  const state = [0, 0, 0, 0, 0];
  return lines
    .map((segments) => {
      state[0] = 0;
      return segments
        .map((segment) =>
          segment
            .map((value, i) => {
              const delta = value - state[i]!;
              state[i] = value;
              return encodeVlq(delta);
            })
            .join(""),
        )
        .join(",");
    })
    .join(";");
}

function decodeVlq(text: string): number[] {
  const values: number[] = [];
  let value = 0;
  let shift = 0;
  for (const char of text) {
    const digit = DIGIT.get(char);
    if (digit === undefined) throw new Error(`invalid source map mappings: ${JSON.stringify(char)}`);
    value += (digit & 31) * 2 ** shift;
    shift += 5;
    if (digit & 32) continue;
    values.push(value % 2 === 1 ? -(value - 1) / 2 : value / 2);
    value = 0;
    shift = 0;
  }
  return values;
}

function encodeVlq(delta: number): string {
  let value = delta < 0 ? -delta * 2 + 1 : delta * 2;
  let text = "";
  do {
    let digit = value & 31;
    value = Math.floor(value / 32);
    if (value > 0) digit |= 32;
    text += BASE64[digit];
  } while (value > 0);
  return text;
}
