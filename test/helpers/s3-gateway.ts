import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * A real S3 server for the remote tests: Debian's Ceph RADOS Gateway on 127.0.0.1:7480, started
 * by ../shared/bench/ceph-rgw-up.sh (about 16 s) the first time a test file asks for it, once per
 * machine (Ceph's monitor ports are fixed, so one gateway serves every test file). A gateway that
 * is already up (.ci/run starts one) is used as it is. The vitest global teardown
 * (test/helpers/s3-teardown.ts) stops a gateway that a test started.
 *
 * Returns undefined, loudly, where radosgw is not installed: those tests are skipped.
 */
export const S3_ENDPOINT = process.env.REPRO_TEST_S3_ENDPOINT ?? 'http://127.0.0.1:7480';
export const S3_KEYS = { access: 'BENCHACCESSKEY', secret: 'BENCHSECRETKEY' };
export const CEPH_DIR = '/tmp/repro-test-ceph';
export const OWNER_FILE = '/tmp/repro-test-ceph.owner';

export function upScript(): string | undefined {
  for (const p of [
    process.env.REPRO_CEPH_UP,
    resolve(ROOT, '..', 'shared', 'bench', 'ceph-rgw-up.sh'),
    '/work/shared/bench/ceph-rgw-up.sh',
  ]) {
    if (p && existsSync(p)) return p;
  }
  return undefined;
}

function reachable(): Promise<boolean> {
  return new Promise((res) => {
    const req = request(S3_ENDPOINT, { method: 'GET', timeout: 2000 }, (r) => {
      r.resume();
      res(true);
    });
    req.on('error', () => res(false));
    req.on('timeout', () => {
      req.destroy();
      res(false);
    });
    req.end();
  });
}

function haveRadosgw(): boolean {
  try {
    execFileSync('sh', ['-c', 'command -v radosgw'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

let ready: Promise<boolean> | undefined;

export function s3Gateway(): Promise<boolean> {
  ready ??= (async () => {
    if (await reachable()) return true;
    const script = upScript();
    if (!haveRadosgw() || !script) {
      console.warn(
        '\n*** SKIPPING S3 TESTS: radosgw is not installed (apt-get install -y --no-install-recommends radosgw ceph-mon ceph-osd) or ceph-rgw-up.sh was not found ***\n',
      );
      return false;
    }
    // One starter per machine: an exclusive lock file; the others wait for the endpoint.
    const lock = `${CEPH_DIR}.starting`;
    let fd: number | undefined;
    try {
      fd = openSync(lock, 'wx');
    } catch {
      for (let i = 0; i < 120 && !(await reachable()); i++) await new Promise((r) => setTimeout(r, 500));
      return reachable();
    }
    try {
      execFileSync('bash', [script], { env: { ...process.env, CD: CEPH_DIR }, stdio: 'ignore', timeout: 120_000 });
      writeFileSync(OWNER_FILE, `${process.env.REPRO_TEST_RUN ?? ''}\n`);
    } finally {
      closeSync(fd);
      rmSync(lock, { force: true });
    }
    return reachable();
  })();
  return ready;
}

let bucketN = 0;
/** A fresh bucket on the gateway (through the SDK, as a user would with `aws s3 mb`). */
export async function freshBucket(): Promise<string> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const { S3Client, CreateBucketCommand } = await import('@aws-sdk/client-s3');
  const name = `t-${process.pid}-${Date.now().toString(36)}-${bucketN++}`;
  const c = new S3Client({
    region: 'us-east-1',
    endpoint: S3_ENDPOINT,
    forcePathStyle: true,
    credentials: { accessKeyId: S3_KEYS.access, secretAccessKey: S3_KEYS.secret },
  });
  await c.send(new CreateBucketCommand({ Bucket: name }));
  c.destroy();
  return name;
}

/** Env for a child `repro` process that reaches the gateway through the AWS credential chain. */
export function s3Env(): Record<string, string> {
  return { AWS_ACCESS_KEY_ID: S3_KEYS.access, AWS_SECRET_ACCESS_KEY: S3_KEYS.secret, AWS_REGION: 'us-east-1' };
}

export function cephDirExists(): boolean {
  mkdirSync('/tmp', { recursive: true });
  return existsSync(join(CEPH_DIR, 'ceph.conf'));
}

export function ownerOf(): string | undefined {
  try {
    return readFileSync(OWNER_FILE, 'utf8').trim();
  } catch {
    return undefined;
  }
}
