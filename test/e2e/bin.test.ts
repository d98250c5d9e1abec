import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, reproBin, tempRepos } from '../helpers/repo.js';
import { CHAIN } from '../helpers/tree.js';

// bin/repro.js loads dist/bundle/repro.cjs with a V8 code cache per command (see its header).
const { repo } = tempRepos();
const bundle = join(import.meta.dirname, '..', '..', 'dist', 'bundle', 'repro.cjs');

describe('the repro executable', () => {
  it('writes a code cache per command after its first run, and replaces one V8 rejects', async () => {
    const d = await repo(CHAIN);
    const st = statSync(bundle);
    const cache = `${bundle}.dag.${st.size}-${Math.floor(st.mtimeMs)}.v8cache`;
    rmSync(cache, { force: true });
    const first = await reproBin(d, ['dag']);
    expect(first.code).toBe(0);
    expect(readdirSync(join(bundle, '..'))).toContain(cache.split('/').pop());
    expect(readFileSync(cache).length).toBeGreaterThan(1000);

    writeFileSync(cache, 'not a code cache');
    const second = await reproBin(d, ['dag']);
    expect(second.code).toBe(0);
    expect(second.stdout).toBe(first.stdout);
    expect(readFileSync(cache, 'utf8')).not.toBe('not a code cache');
  });

  it('prints phase timings to stderr with REPRO_TIMING=1, and nothing extra without it', async () => {
    const d = await repo(CHAIN);
    const timed = await reproBin(d, ['status'], { env: { REPRO_TIMING: '1' } });
    expect(timed.stderr).toMatch(/^timing +[\d.]+ ms {2}main$/m);
    const plain = await reproBin(d, ['status']);
    expect(plain.stderr).not.toContain('timing');
  });

  it('ends quietly with its exit code when the reader closes stdout early (repro dag | head -1)', async () => {
    // 400 long stage names make the output far larger than a pipe buffer, so writes fail with EPIPE.
    const pad = 'x'.repeat(300);
    const stages = Array.from({ length: 400 }, (_, i) => `  s${i}_${pad}:\n    cmd: echo ${i} > o${i}.txt\n    outs: [o${i}.txt]\n`).join(
      '',
    );
    const d = await repo({ 'repro.yaml': `stages:\n${stages}` });
    const script = 'node "$0" "$1" 2>err.txt | head -1 >/dev/null; echo "${PIPESTATUS[0]}"';
    for (const cmd of ['dag', 'status']) {
      const rc = execFileSync('bash', ['-c', script, BIN, cmd], { cwd: d, encoding: 'utf8' });
      expect(readFileSync(join(d, 'err.txt'), 'utf8')).toBe('');
      expect(rc.trim()).toBe('0');
    }
  });
});
