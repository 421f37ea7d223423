import { describe, expect, it } from "vitest";
import { addedScripts } from "../../../src/github/added-scripts.js";
import { bringsFile, changedChores, changedScripts, type ChangedFile } from "../../../src/github/changed-scripts.js";

const judged = (files: ChangedFile[], scriptsDir = "scripts") => changedScripts(files, scriptsDir).map(({ file, runs }) => [file.filename, runs]);

describe("changedScripts", () => {
  // Each case: a change's files, what judged() makes of them, and the scripts folder when not "scripts".
  it.each<[string, ChangedFile[], [string, boolean][], string?]>([
    [
      "runs what a change adds, and says which changed entry scripts will not run, in path order",
      [
        { filename: "scripts/z-new.ts", status: "added" },
        { filename: "scripts/edited.ts", status: "modified" },
        { filename: "scripts/changed.mjs", status: "changed" },
        { filename: "scripts/billing/new.mts", status: "added" },
        { filename: "scripts/plain.js", status: "added" },
      ],
      [
        ["scripts/billing/new.mts", true],
        ["scripts/changed.mjs", false],
        ["scripts/edited.ts", false],
        ["scripts/plain.js", true],
        ["scripts/z-new.ts", true],
      ],
    ],
    [
      "leaves out what is not an entry script: helpers, tests, declarations, other files, files outside the folder, removed and unchanged ones",
      [
        { filename: "scripts/_lib/db.ts", status: "added" },
        { filename: "scripts/billing/_shared/x.ts", status: "added" },
        { filename: "scripts/fix.test.ts", status: "added" },
        { filename: "scripts/types.d.ts", status: "added" },
        { filename: "scripts/data.json", status: "added" },
        { filename: "scripts/legacy.cjs", status: "added" },
        { filename: "src/app.ts", status: "added" },
        { filename: "scriptsx/fix.ts", status: "added" },
        { filename: "scripts/gone.ts", status: "removed" },
        { filename: "scripts/same.ts", status: "unchanged" },
      ],
      [],
    ],
    [
      "runs a script renamed or copied in from what was not one, a copy, and a rename with edits; not a script moved unchanged",
      [
        { filename: "scripts/from-draft.ts", status: "renamed", previous_filename: "drafts/from-draft.ts" },
        { filename: "scripts/from-helper.ts", status: "renamed", previous_filename: "scripts/_lib/helper.ts" },
        { filename: "scripts/from-notes.ts", status: "copied", previous_filename: "scripts/notes.md" },
        { filename: "scripts/moved.ts", status: "renamed", previous_filename: "scripts/old/moved.ts" },
        { filename: "scripts/copy.ts", status: "copied", previous_filename: "scripts/original.ts" },
        { filename: "scripts/reworked.ts", status: "renamed", previous_filename: "scripts/draft-name.ts", changes: 4 },
      ],
      [
        ["scripts/copy.ts", true],
        ["scripts/from-draft.ts", true],
        ["scripts/from-helper.ts", true],
        ["scripts/from-notes.ts", true],
        ["scripts/moved.ts", false],
        ["scripts/reworked.ts", true],
      ],
    ],
    [
      "judges by the configured scripts folder",
      [
        { filename: "ops/run/fix.ts", status: "added" },
        { filename: "scripts/fix.ts", status: "added" },
        { filename: "ops/run/moved.ts", status: "renamed", previous_filename: "scripts/moved.ts" },
      ],
      [
        ["ops/run/fix.ts", true],
        ["ops/run/moved.ts", true],
      ],
      "ops/run",
    ],
  ])("%s", (_title, files, expected, scriptsDir) => {
    expect(judged(files, scriptsDir)).toEqual(expected);
  });

  it("keeps each file as given, so callers read their own fields", () => {
    const file = { filename: "scripts/a.ts", status: "added", sha: "blob" };
    expect(changedScripts([file], "scripts")[0]!.file).toBe(file);
  });
});

describe("changedChores", () => {
  it("keeps every entry chore a change leaves in place, edited ones too, in path order; not helpers, tests, scripts or removed ones", () => {
    const files: ChangedFile[] = [
      { filename: "chores/z-new.ts", status: "added" },
      { filename: "chores/edited.ts", status: "modified" },
      { filename: "chores/billing/moved.mts", status: "renamed", previous_filename: "chores/moved.mts", changes: 0 },
      { filename: "chores/copy.js", status: "copied", previous_filename: "chores/edited.ts" },
      { filename: "chores/changed.mjs", status: "changed" },
      { filename: "chores/_lib/db.ts", status: "modified" },
      { filename: "chores/tidy.test.ts", status: "added" },
      { filename: "chores/types.d.ts", status: "added" },
      { filename: "chores/gone.ts", status: "removed" },
      { filename: "chores/same.ts", status: "unchanged" },
      { filename: "scripts/once.ts", status: "added" },
      { filename: "choresx/x.ts", status: "added" },
    ];
    expect(changedChores(files, "chores").map((file) => file.filename)).toEqual([
      "chores/billing/moved.mts",
      "chores/changed.mjs",
      "chores/copy.js",
      "chores/edited.ts",
      "chores/z-new.ts",
    ]);
  });

  it("honours the repository's chores folder", () => {
    const files: ChangedFile[] = [
      { filename: "ops/chores/a.ts", status: "modified" },
      { filename: "chores/b.ts", status: "added" },
    ];
    expect(changedChores(files, "ops/chores")).toEqual([files[0]]);
  });
});

describe("bringsFile", () => {
  it.each([
    ["added", true],
    ["renamed", true],
    ["copied", true],
    ["modified", false],
    ["changed", false],
    ["removed", false],
    ["unchanged", false],
  ])("%s → %s", (status, expected) => {
    expect(bringsFile({ filename: "scripts/a.ts", status })).toBe(expected);
  });
});

describe("addedScripts", () => {
  it("finds the entry scripts present after and not before, however many, and not a move inside the folder", () => {
    const before = new Map([
      ["scripts/was.ts", "b1"],
      ["scripts/kept.ts", "b2"],
    ]);
    const after = new Map([
      ["scripts/kept.ts", "b2"],
      ["scripts/renamed.ts", "b1"],
      ["scripts/_lib/helper.ts", "b3"],
      ["scripts/x.test.ts", "b4"],
      ["src/app.ts", "b5"],
      ...Array.from({ length: 500 }, (_, i) => [`scripts/many/s${String(i).padStart(3, "0")}.ts`, `m${i}`] as [string, string]),
    ]);
    const added = addedScripts(before, after, "scripts");
    expect(added).toHaveLength(500); // compare's 300-file cap would have hidden 200
    expect(added[0]).toEqual({ path: "scripts/many/s000.ts", blob: "m0" });
    expect(added.map((s) => s.path)).not.toContain("scripts/renamed.ts");
  });

  it("runs nothing edited, and runs a copy (its original stays) or a helper or other file moved to an entry script's path", () => {
    const before = new Map([
      ["scripts/edited.ts", "e1"],
      ["scripts/original.ts", "o"],
      ["scripts/_lib/helper.ts", "h"],
      ["scripts/notes.md", "n"],
    ]);
    const after = new Map([
      ["scripts/edited.ts", "e2"],
      ["scripts/original.ts", "o"],
      ["scripts/copy.ts", "o"],
      ["scripts/was-helper.ts", "h"],
      ["scripts/was-notes.ts", "n"],
    ]);
    expect(addedScripts(before, after, "scripts")).toEqual([
      { path: "scripts/copy.ts", blob: "o" },
      { path: "scripts/was-helper.ts", blob: "h" },
      { path: "scripts/was-notes.ts", blob: "n" },
    ]);
  });

  it("does not run a script moved when a removed helper had the same content", () => {
    // Either removed path could be the new one's origin: a moved script must not run twice.
    for (const order of [
      ["scripts/_lib/same.ts", "scripts/moved.ts"],
      ["scripts/moved.ts", "scripts/_lib/same.ts"],
    ]) {
      const before = new Map(order.map((path) => [path, "same"]));
      expect(addedScripts(before, new Map([["scripts/new-home.ts", "same"]]), "scripts")).toEqual([]);
    }
  });
});
