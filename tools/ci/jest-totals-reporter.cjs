// Jest reporter that records each project's totals in test-artifacts/jest/<project>.json, so a CI
// run across many nx projects can print one honest "N passed, N failed" line at the end
// (tools/ci/print-totals.mjs). CommonJS because jest loads reporters with require().
const fs = require('node:fs');
const path = require('node:path');

class JestTotalsReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
  }

  onRunComplete(_contexts, results) {
    const workspace = path.resolve(__dirname, '..', '..');
    const dir = path.join(workspace, 'test-artifacts', 'jest');
    fs.mkdirSync(dir, { recursive: true });
    const name = path.relative(workspace, this.rootDir).replaceAll(path.sep, '__') || 'root';
    const failedSuites = results.testResults.filter((r) => r.testExecError).map((r) => path.relative(workspace, r.testFilePath));
    fs.writeFileSync(
      path.join(dir, `${name}.json`),
      JSON.stringify({
        project: name,
        passed: results.numPassedTests,
        failed: results.numFailedTests + failedSuites.length,
        skipped: results.numPendingTests + results.numTodoTests,
        failedSuites,
      }),
    );
  }
}

module.exports = JestTotalsReporter;
