import { describe, expect, test } from "vitest";
import { explainMissingPackage } from "../../../src/runner/missing-package.js";

describe("explainMissingPackage", () => {
  const hint = (name: string, cwd = "/srv/app") =>
    `Error: Cannot find package '${name}': packages are looked up from SCRIPT_CWD=${cwd} (the production app's folder); ` +
    `run from the app's folder, set SCRIPT_CWD to it, or \`npm install ${name}\` there`;

  test.each([
    ["an import (ESM)", "Error: Cannot find package 'left-pad' imported from /srv/app/", "left-pad"],
    ["a scoped package's subpath", "Error: Cannot find package '@acme/db' imported from /srv/app/", "@acme/db"],
    ["a require (CommonJS)", "Error: Cannot find module 'lodash/fp'\nRequire stack:\n- /srv/app/", "lodash"],
    ["a scoped require", "Error: Cannot find module '@acme/db/pool'\nRequire stack:\n- /srv/app/", "@acme/db"],
    ["an import from the bundle itself", "Error: Cannot find package 'pg' imported from /tmp/chorebot-run-x/script.mjs", "pg"],
  ])("%s names SCRIPT_CWD and the three fixes", (_, error, name) => {
    expect(explainMissingPackage(error, "/srv/app")).toBe(hint(name));
  });

  test("SCRIPT_CWD is shown absolute, as the script saw it", () => {
    expect(explainMissingPackage("Error: Cannot find package 'pg' imported from /x/", "/srv/app/../app2/")).toBe(hint("pg", "/srv/app2"));
  });

  test.each([
    ["another error", "Error: connection refused: db-replica-3:5432"],
    ["a missing relative file", "Error: Cannot find module './data.json'\nRequire stack:\n- /srv/app/"],
    ["a package the app's own package misses", "Error: Cannot find package 'tslib' imported from /srv/app/node_modules/@acme/db/index.js"],
    ["the words inside another message", "Error: the script said: Cannot find package 'x' imported from nowhere, twice"],
  ])("%s is left as it is", (_, error) => {
    expect(explainMissingPackage(error, "/srv/app")).toBe(error);
  });
});
