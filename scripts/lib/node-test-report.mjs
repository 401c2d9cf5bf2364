// A node:test reporter that writes what ran as the JSON shape Jest's --json gives
// (testResults per file, assertionResults per test), so the test runner counts every
// layer the same way. A suite that fails by itself (an error in its body, before or
// instead of its tests) counts as a failed test: node's own summary leaves it out.
//   node --test --test-reporter=./scripts/lib/node-test-report.mjs --test-reporter-destination=out.json …
export default async function* report(source) {
  const files = new Map();
  const fileOf = (data) => {
    const name = data.file ?? '(unknown file)';
    if (!files.has(name)) files.set(name, { name, assertionResults: [] });
    return files.get(name);
  };
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const data = event.data;
    const suite = data.details?.type === 'suite';
    const failure = data.details?.error;
    let status;
    if (event.type === 'test:pass') status = data.skip !== undefined || data.todo !== undefined ? 'pending' : 'passed';
    else status = 'failed';
    // A suite passes or fails by its tests, which are counted themselves; only its own error counts.
    if (suite && !(status === 'failed' && failure?.failureType !== 'subtestsFailed')) continue;
    fileOf(data).assertionResults.push({ fullName: data.name, status, failureMessages: failure ? [String(failure.cause ?? failure.message ?? failure)] : [] });
  }
  const testResults = [...files.values()].map((f) => ({
    ...f,
    status: f.assertionResults.some((a) => a.status === 'failed') ? 'failed' : 'passed',
  }));
  const all = testResults.flatMap((f) => f.assertionResults);
  const count = (s) => all.filter((a) => a.status === s).length;
  yield `${JSON.stringify({ numPassedTests: count('passed'), numFailedTests: count('failed'), numPendingTests: count('pending'), numTotalTests: all.length, testResults }, null, 1)}\n`;
}
