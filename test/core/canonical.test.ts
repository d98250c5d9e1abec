import { describe, it, expect } from 'vitest';
import { createHash } from 'node:crypto';
import { canonicalJson, hashData } from '../../src/core/canonical.js';

// The canonical encoding feeds every stage key: these literal digests make a change to it a
// visible, deliberate change (every existing repro.lock would go stale).
describe('canonicalJson', () => {
  it('sorts keys at every level, drops undefined members, keeps array order, no whitespace', () => {
    expect(canonicalJson({ b: 1, a: [3, { d: null, c: 'x' }], e: undefined, u: 'é\n' })).toBe(
      '{"a":[3,{"c":"x","d":null}],"b":1,"u":"é\\n"}',
    );
  });

  it('encodes numbers in their shortest round-trip form and refuses non-finite ones', () => {
    expect(canonicalJson([1.5, -0, 1e21, 0.1 + 0.2])).toBe('[1.5,0,1e+21,0.30000000000000004]');
    expect(() => canonicalJson(Number.NaN)).toThrow(TypeError);
    expect(() => canonicalJson({ x: Infinity })).toThrow(TypeError);
  });

  it('pins digests', () => {
    expect(hashData({ b: 1, a: [3, { d: null, c: 'x' }] })).toBe('b4a92c330fc01410911e683d5d03404eb28981a6e1d67f9cb1ae63ddc3d19947');
    expect(hashData({})).toBe('44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a');
    expect(hashData([1.5, -0, 1e21, true, 'k'])).toBe('c56dc1cb406ec618087d44135cedd021b22950e16df963f71b237aba84bd8c40');
    // and they are plain sha256 of the encoding
    expect(hashData({})).toBe(createHash('sha256').update('{}').digest('hex'));
  });
});
