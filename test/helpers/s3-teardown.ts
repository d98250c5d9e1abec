import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CEPH_DIR, OWNER_FILE, ownerOf, upScript } from './s3-gateway.js';

/**
 * vitest globalSetup: gives this test run an id (test files that start the Ceph gateway record
 * it, see s3-gateway.ts) and, at the end, stops a gateway that this run started. Starts nothing.
 */
export default function setup(): () => void {
  const run = randomBytes(6).toString('hex');
  process.env.REPRO_TEST_RUN = run;
  return () => {
    if (ownerOf() !== run) return;
    const script = upScript();
    if (script)
      execFileSync('bash', [join(dirname(script), 'ceph-rgw-down.sh')], { env: { ...process.env, CD: CEPH_DIR }, stdio: 'ignore' });
    rmSync(OWNER_FILE, { force: true });
    rmSync(CEPH_DIR, { recursive: true, force: true });
  };
}
