/**
 * vitest globalSetup: every test run gets its own temporary folder, removed when the run ends.
 * The tests make throw-away kernel trees, git repositories and patch files under os.tmpdir(); the
 * CLI and the server they start make their own. TMPDIR is set before the test processes start,
 * so all of these (children included) land here, and a run leaves nothing behind in /tmp.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export default function setup(): () => void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kcov-review-test-'));
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = dir;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    fs.rmSync(dir, { recursive: true, force: true });
  };
}
