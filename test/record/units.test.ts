import { describe, expect, it } from 'vitest';
import { isValidRunId, newRunId } from '../../src/record/index.js';
import { parseGitConfig } from '../../src/record/config.js';
import { isSafeRefName } from '../../src/record/refs.js';

describe('newRunId', () => {
  it('is a fixed-width UTC stamp plus 6 base32 characters', () => {
    const id = newRunId(new Date('2026-11-27T22:45:13.123Z'));
    expect(id).toMatch(/^20261127T224513\.1\d\dZ-[0-9a-hjkmnp-tv-z]{6}$/);
    expect(isValidRunId(id)).toBe(true);
    expect(isSafeRefName(`refs/repro/runs/${id}`)).toBe(true);
  });

  it('sorts by time and strictly increases within a process, even for one instant', () => {
    const t = new Date('2030-01-01T00:00:00.000Z');
    const ids = Array.from({ length: 50 }, () => newRunId(t));
    expect(new Set(ids).size).toBe(50);
    expect([...ids].sort()).toEqual(ids);
    expect(newRunId(new Date('2031-01-01T00:00:00.000Z')) > ids[49]!).toBe(true);
  });
});

describe('parseGitConfig', () => {
  it('reads sections, subsections, quotes, comments and continuations', () => {
    const c = parseGitConfig(
      [
        '# comment',
        '[User]',
        '\tname = "Ada \\"L\\" Lovelace" ; trailing comment',
        '\temail=ada@example.com',
        '[core]',
        '  fileMode = false',
        '  bare',
        '[remote "Origin"]',
        '  url = https://example.com/\\',
        'repo.git',
        '[extensions] objectFormat = sha256',
      ].join('\n'),
    );
    expect(Object.fromEntries(c)).toEqual({
      'user.name': 'Ada "L" Lovelace',
      'user.email': 'ada@example.com',
      'core.filemode': 'false',
      'core.bare': 'true',
      'remote.Origin.url': 'https://example.com/repo.git',
      'extensions.objectformat': 'sha256',
    });
  });
});

describe('isSafeRefName', () => {
  it('refuses names that could escape the refs directory or that git forbids', () => {
    for (const bad of ['', '../x', 'refs/../../x', 'a//b', '/a', 'a/', 'a.lock', 'a/.b', 'a b', 'a:b', 'a~1', 'a^', 'a@{1}', 'a\\b']) {
      expect([bad, isSafeRefName(bad)]).toEqual([bad, false]);
    }
    for (const good of ['HEAD', 'main', 'refs/heads/feature/x', 'v1.0', 'refs/repro/runs/20260101T000000.000Z-abcdef']) {
      expect([good, isSafeRefName(good)]).toEqual([good, true]);
    }
  });
});
