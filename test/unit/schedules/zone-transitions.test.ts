import { describe, expect, it } from "vitest";
import { zoneTransitions } from "../../../src/schedules/zone-transitions.js";

const YEAR_2027 = [Date.parse("2027-01-01T00:00:00Z"), Date.parse("2028-01-01T00:00:00Z")] as const;
const iso = (times: number[]) => times.map((ms) => new Date(ms).toISOString());

describe("zoneTransitions", () => {
  it("finds each change of the offset to the second", () => {
    expect(iso(zoneTransitions("Europe/Berlin", ...YEAR_2027))).toEqual(["2027-03-28T01:00:00.000Z", "2027-10-31T01:00:00.000Z"]);
    expect(iso(zoneTransitions("America/New_York", ...YEAR_2027))).toEqual(["2027-03-14T07:00:00.000Z", "2027-11-07T06:00:00.000Z"]);
    // Half an hour on Lord Howe Island: 02:00 standard time becomes 02:30; 02:00 summer time goes back to 01:30.
    expect(iso(zoneTransitions("Australia/Lord_Howe", ...YEAR_2027))).toEqual(["2027-04-03T15:00:00.000Z", "2027-10-02T15:30:00.000Z"]);
  });

  it("finds none in a zone that does not change", () => {
    expect(zoneTransitions("UTC", ...YEAR_2027)).toEqual([]);
    expect(zoneTransitions("Asia/Kolkata", ...YEAR_2027)).toEqual([]);
  });
});
