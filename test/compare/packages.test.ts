import { describe, it, expect } from 'vitest';
import { diffPackageVersions, lockFormat, parsePackageVersions } from '../../src/compare/index.js';

const versions = (path: string, text: string) => Object.fromEntries(parsePackageVersions(path, text) ?? []);

describe('package versions from lock files', () => {
  it('requirements.txt: pins, specifiers, extras, markers, comments, options and hashes', () => {
    const text = [
      '# top comment',
      '-r base.txt',
      '--index-url https://example.invalid/simple',
      'NumPy==1.26.4  # pinned',
      'scikit_learn[alldeps]==1.4.0 ; python_version >= "3.9"',
      'pandas>=2.0,<3',
      'requests==2.31.0 --hash=sha256:abc',
      'https://example.invalid/pkg.whl',
      'rich',
      '',
    ].join('\n');
    expect(versions('requirements.txt', text)).toEqual({
      numpy: '1.26.4',
      'scikit-learn': '1.4.0',
      pandas: '>=2.0,<3',
      requests: '2.31.0',
      rich: '*',
    });
  });

  it('package-lock.json v3 (nested copies by path) and v1', () => {
    const v3 = {
      lockfileVersion: 3,
      packages: { '': { name: 'app' }, 'node_modules/a': { version: '1.0.0' }, 'node_modules/a/node_modules/b': { version: '2.0.0' } },
    };
    expect(versions('package-lock.json', JSON.stringify(v3))).toEqual({ a: '1.0.0', 'a/node_modules/b': '2.0.0' });
    const v1 = { lockfileVersion: 1, dependencies: { a: { version: '1.0.0', dependencies: { b: { version: '2.0.0' } } } } };
    expect(versions('package-lock.json', JSON.stringify(v1))).toEqual({ a: '1.0.0', 'a/node_modules/b': '2.0.0' });
  });

  it('poetry.lock / uv.lock [[package]] tables, ignoring their sub-tables', () => {
    const text = `[[package]]
name = "numpy"
version = "1.26.4"
description = "x"

[package.dependencies]
version = "not-a-package-version"

[[package]]
name = "torch"
version = "2.2.0"

[metadata]
content-hash = "abc"
`;
    expect(versions('poetry.lock', text)).toEqual({ numpy: '1.26.4', torch: '2.2.0' });
    expect(versions('uv.lock', text)).toEqual({ numpy: '1.26.4', torch: '2.2.0' });
  });

  it('Pipfile.lock and yarn.lock', () => {
    const pip = { default: { Requests: { version: '==2.31.0' } }, develop: { pytest: { version: '==8.0.0' } } };
    expect(versions('Pipfile.lock', JSON.stringify(pip))).toEqual({ requests: '2.31.0', pytest: '8.0.0' });
    const yarn = `# yarn lockfile v1

"@scope/a@^1.0.0", "@scope/a@^1.1.0":
  version "1.2.0"
  resolved "https://x"

b@2:
  version "2.0.1"
`;
    expect(versions('yarn.lock', yarn)).toEqual({ '@scope/a': '1.2.0', b: '2.0.1' });
  });

  it('unknown formats and unparsable JSON give null', () => {
    expect(lockFormat('go.sum')).toBeNull();
    expect(parsePackageVersions('go.sum', 'x')).toBeNull();
    expect(parsePackageVersions('package-lock.json', '{not json')).toBeNull();
  });

  it('diffs versions: added, removed and changed, sorted by name', () => {
    const a = new Map([
      ['numpy', '1.0'],
      ['pandas', '2.0'],
      ['rich', '13'],
    ]);
    const b = new Map([
      ['numpy', '2.0'],
      ['rich', '13'],
      ['torch', '2.2'],
    ]);
    expect(diffPackageVersions(a, b)).toEqual([
      { name: 'numpy', a: '1.0', b: '2.0' },
      { name: 'pandas', a: '2.0', b: null },
      { name: 'torch', a: null, b: '2.2' },
    ]);
  });
});
