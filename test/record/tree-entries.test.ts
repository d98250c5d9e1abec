import { describe, expect, it } from 'vitest';
import { isReproError } from '../../src/core/errors.js';
import { parseTree } from '../../src/record/read.js';

// A git tree from a pushed run ref is untrusted: parseTree refuses what `git fsck` refuses
// (names that are not one path segment, a name listed twice), for every reader at once.

const OID = 'ab'.repeat(20);
function tree(...entries: [mode: string, name: string][]): Uint8Array {
  return Buffer.concat(entries.map(([mode, name]) => Buffer.concat([Buffer.from(`${mode} ${name}\0`, 'utf8'), Buffer.from(OID, 'hex')])));
}
const code = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    return isReproError(e) ? e.code : 'other';
  }
  return undefined;
};

describe('parseTree', () => {
  it('reads modes, names and ids', () => {
    expect(parseTree('t', tree(['100644', 'a.txt'], ['40000', 'sub'], ['120000', 'link']))).toEqual([
      { mode: '100644', name: 'a.txt', oid: OID },
      { mode: '040000', name: 'sub', oid: OID },
      { mode: '120000', name: 'link', oid: OID },
    ]);
  });

  it.each(['..', '.', '', 'a/b', '../x'])('refuses the entry name %j', (name) => {
    expect(code(() => parseTree('t', tree(['100644', 'ok'], ['100644', name])))).toBe('E_GIT');
  });

  it('refuses a name listed twice, whatever the modes', () => {
    expect(code(() => parseTree('t', tree(['100644', 'in.txt'], ['100644', 'in.txt'])))).toBe('E_GIT');
    expect(code(() => parseTree('t', tree(['120000', 'data'], ['40000', 'data'])))).toBe('E_GIT');
  });
});
