import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { LocalObjects } from '../../src/remote/index.js';
import { git, repro } from '../helpers/repo.js';

/**
 * Shared by the remote e2e tests: a pipeline with a file output and a directory output (with an
 * executable file), so manifests, their members and the exec bit all travel; a producer clone
 * that ran it and has a default remote; a fresh clone of it. `track` collects dirs to remove.
 */
export const PIPE = {
  'repro.yaml': [
    'stages:',
    '  make:',
    '    cmd: mkdir -p out && printf "a %s\\n" "$(cat in.txt)" > out/a.txt && printf "#!/bin/sh\\necho hi\\n" > out/run.sh && chmod +x out/run.sh && printf "one\\n" > one.txt',
    '    deps: [in.txt]',
    '    outs: [out/, one.txt]',
    '',
  ].join('\n'),
  'in.txt': 'hello\n',
  '.gitignore': '.repro/\n',
};

export async function producer(
  repo: (f: Record<string, string>) => Promise<string>,
  remoteUrl: string,
  files: Record<string, string> = PIPE,
): Promise<string> {
  const a = await repo(files);
  expect((await repro(a, 'run', '--no-record')).code).toBe(0);
  expect((await repro(a, 'remote', 'add', '-d', 'team', remoteUrl)).code).toBe(0);
  git(a, 'add', '-A');
  git(a, 'commit', '-qm', 'ran');
  return a;
}

export async function cloneOf(dirs: string[], a: string): Promise<string> {
  const b = await mkdtemp(join(tmpdir(), 'repro-clone-'));
  dirs.push(b);
  git(tmpdir(), 'clone', '-q', a, b);
  return b;
}

/** A bare local cache: objects/<2>/<62> under `dir`, temp files in `dir/tmp`. */
export function localCache(dir: string): LocalObjects {
  const path = (h: string): string => join(dir, 'objects', h.slice(0, 2), h.slice(2));
  let n = 0;
  return {
    path,
    objectsDir: join(dir, 'objects'),
    lackCheck: () => () => false,
    stat: (h) => (existsSync(path(h)) ? { path: path(h), size: 0, exec: false } : undefined),
    members: async () => [],
    verify: async (h) => (existsSync(path(h)) ? 'good' : 'missing'),
    tempPath: () => join(dir, 'tmp', `t${n++}`),
    writeSmall: (h, data) => {
      mkdirSync(join(dir, 'objects', h.slice(0, 2)), { recursive: true });
      writeFileSync(path(h), data, { flag: 'wx' });
      return true;
    },
    install: async (t, h) => {
      await mkdir(join(dir, 'objects', h.slice(0, 2)), { recursive: true });
      await rename(t, path(h));
      return true;
    },
  };
}
