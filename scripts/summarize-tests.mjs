// Prints one closing line for both test runners: "tests: N passed, N failed, N skipped".
import { existsSync, readFileSync } from 'node:fs';

let passed = 0,
  failed = 0,
  skipped = 0;
const [nodeFile, browserFile] = process.argv.slice(2);
if (existsSync(nodeFile)) {
  const r = JSON.parse(readFileSync(nodeFile, 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += r.numPendingTests + r.numTodoTests;
} else failed++;
if (existsSync(browserFile)) {
  const report = JSON.parse(readFileSync(browserFile, 'utf8'));
  const s = report.stats;
  passed += s.expected + s.flaky;
  failed += s.unexpected;
  skipped += s.skipped;
  if (s.flaky > 0) console.log(`note: ${s.flaky} browser test(s) failed once and passed on retry (flaky); see the Playwright output above`);
  // Errors outside any test (the web server would not start, a config error) mean tests never ran: count them.
  for (const error of report.errors ?? []) {
    failed++;
    console.log(`error outside the browser tests: ${String(error.message ?? error).split('\n')[0]}`);
  }
} else failed++;
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
