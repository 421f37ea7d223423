/**
 * Source of test scripts. Each records its execution in the side-effect file, then tells
 * the test it started (beacon) and does what the beacon answers: "hang" keeps it running
 * until something stops it; anything else lets it finish.
 */
export function beaconScript(name: string, body = "") {
  return `import { appendFileSync } from "node:fs";
appendFileSync(process.env.SIDE_EFFECTS!, ${JSON.stringify(name)} + "\\n");
const answer = await (await fetch(process.env.BEACON + "/" + ${JSON.stringify(name)} + "?pid=" + process.pid)).text();
if (answer === "hang") setInterval(() => {}, 1000);
${body}
`;
}

/** A script that only records its execution, then does `body`. */
export function recordingScript(name: string, body = "") {
  return `import { appendFileSync } from "node:fs";
appendFileSync(process.env.SIDE_EFFECTS!, ${JSON.stringify(name)} + "\\n");
${body}
`;
}
