/**
 * The release the rolling-upgrade test (test/e2e/rolling-upgrade.test.ts) starts from: the
 * last commit of the default branch that wrote the previous job format. Update it whenever
 * job data changes (JOB_FORMAT in src/pipeline/job-format.ts is bumped): to the last commit
 * before that change.
 */
export const PREVIOUS_RELEASE = { commit: "c58baed7707a684558dfe29597067efe55e0e096", format: 1 };
