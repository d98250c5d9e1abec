import { appendFileSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../../src/core/canonical.js';
import { KnownSet } from '../../src/remote/index.js';

/** What a remote is known to hold (src/remote/known.ts): lazy lookups, manifest counts, torn lines. */
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'repro-known-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const h = (i: number): string => i.toString(16).padStart(64, '0');
const fileOf = (url: string): string => join(dir, 'remotes', `${sha256(url).slice(0, 16)}.known`);

describe('KnownSet', () => {
  it('answers from the file both before and after it parses it, with manifest counts', () => {
    const url = `s3://b/${Math.random()}`;
    const a = KnownSet.load(dir, url, 'e1');
    a.add([h(1), h(2), `${h(3)}.dir`, `${h(4)}.dir`], new Map([[`${h(3)}.dir`, 7]]));
    a.close();
    const b = KnownSet.load(dir, url, 'e1');
    // lazy: a few lookups search the text
    expect(b.count(`${h(3)}.dir`)).toBe(7);
    expect(b.count(`${h(4)}.dir`)).toBe(-1); // known, count not remembered
    expect(b.has(h(1))).toBe(true);
    expect(b.has(h(3))).toBe(false); // the file hash is not the manifest's
    expect(b.has(h(9))).toBe(false);
    // a legacy manifest line gains its count; then many lookups parse the file
    b.add([`${h(4)}.dir`], new Map([[`${h(4)}.dir`, 2]]));
    for (let i = 0; i < 10; i++) expect(b.has(h(100 + i))).toBe(false);
    expect(b.count(`${h(4)}.dir`)).toBe(2);
    expect(b.count(`${h(3)}.dir`)).toBe(7);
    expect(b.has(h(2))).toBe(true);
    b.close();
    const c = KnownSet.load(dir, url, 'e1');
    expect(c.count(`${h(4)}.dir`)).toBe(2);
    expect(c.size).toBe(4);
    c.close();
  });

  it('keeps every hash of one add in memory when a lookup parses the file part-way through it', () => {
    const url = `s3://b/${Math.random()}`;
    const a = KnownSet.load(dir, url, 'e1');
    a.add([h(1)]);
    a.close();
    const b = KnownSet.load(dir, url, 'e1');
    expect(b.has(h(50))).toBe(false); // lookups 1-3 search the text; add's own go past LAZY_LOOKUPS
    expect(b.has(h(51))).toBe(false);
    expect(b.has(h(52))).toBe(false);
    const added = [h(60), h(61), h(62), h(63), h(64), h(65)];
    b.add(added);
    for (const x of [h(1), ...added]) expect([x, b.has(x)]).toEqual([x, true]);
    expect(b.size).toBe(7);
    b.close();
  });

  it('trusts no torn last line, and drops everything when the epoch changed', () => {
    const url = `s3://b/${Math.random()}`;
    const a = KnownSet.load(dir, url, 'e1');
    a.add([h(1)]);
    a.close();
    // A kill -9 mid-append: the last line has no newline.
    appendFileSync(fileOf(url), `${h(5)}.dir 3\n${h(6)}.dir 4`);
    const b = KnownSet.load(dir, url, 'e1');
    expect(b.has(h(1))).toBe(true);
    expect(b.count(`${h(5)}.dir`)).toBe(3);
    expect(b.has(`${h(6)}.dir`)).toBe(false);
    b.close();
    const c = KnownSet.load(dir, url, 'e2');
    expect(c.has(h(1))).toBe(false);
    c.close();
    expect(readFileSync(fileOf(url), 'utf8')).toBe('epoch e2\n');
  });
});
