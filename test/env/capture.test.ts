import { describe, expect, it } from 'vitest';
import { REDACTED, captureEnv } from '../../src/env/index.js';

const env = {
  OMP_NUM_THREADS: '4',
  LC_ALL: 'C.UTF-8',
  LC_NUMERIC: 'de_DE.UTF-8',
  GITHUB_TOKEN: 'not-a-real-token',
  AWS_REGION: 'eu-west-1',
  DATABASE_URL: 'postgres://app:hunter2@db/app',
  PLAIN_URL: 'https://example.com/data.csv',
  BAD_IDEA: 'ghp_' + 'q'.repeat(36),
  UNSET: undefined,
};

describe('captureEnv', () => {
  it('captures exact names and globs, only vars that are set, keys sorted', () => {
    const got = captureEnv(['OMP_NUM_THREADS', 'LC_*', 'UNSET', 'MISSING'], env);
    expect(got).toEqual({ LC_ALL: 'C.UTF-8', LC_NUMERIC: 'de_DE.UTF-8', OMP_NUM_THREADS: '4' });
    expect(Object.keys(got)).toEqual(['LC_ALL', 'LC_NUMERIC', 'OMP_NUM_THREADS']);
  });

  it("redacts secrets by name and by value even under '*'", () => {
    const got = captureEnv(['*'], env);
    expect(got).toEqual({
      AWS_REGION: REDACTED,
      BAD_IDEA: REDACTED,
      DATABASE_URL: REDACTED,
      GITHUB_TOKEN: REDACTED,
      LC_ALL: 'C.UTF-8',
      LC_NUMERIC: 'de_DE.UTF-8',
      OMP_NUM_THREADS: '4',
      PLAIN_URL: 'https://example.com/data.csv',
    });
    expect(Object.keys(got)).toEqual([...Object.keys(got)].sort());
  });

  it('redacts a secret named exactly', () => {
    expect(captureEnv(['GITHUB_TOKEN'], env)).toEqual({ GITHUB_TOKEN: REDACTED });
  });

  it("matches case-sensitively and treats '?' as one character, other characters literally", () => {
    expect(captureEnv(['lc_*'], env)).toEqual({});
    expect(captureEnv(['LC_AL?'], env)).toEqual({ LC_ALL: 'C.UTF-8' });
    expect(captureEnv(['LC.ALL'], env)).toEqual({});
  });

  it('reads process.env by default', () => {
    process.env.REPRO_CAPTURE_TEST = 'yes';
    try {
      expect(captureEnv(['REPRO_CAPTURE_TEST'])).toEqual({ REPRO_CAPTURE_TEST: 'yes' });
    } finally {
      delete process.env.REPRO_CAPTURE_TEST;
    }
  });
});
