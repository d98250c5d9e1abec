import { randomBytes } from 'node:crypto';

/**
 * Run ids: `<UTC time to the millisecond>-<6 random base32 chars>`, e.g.
 * `20261127T224513.123Z-k3f9qa`.
 *
 * - Fixed width, so sorting ids as strings sorts them by time (`listRuns` relies on it).
 * - Within one process ids strictly increase: a second id in the same millisecond (several seeds
 *   recorded back to back) is stamped one millisecond later.
 * - Across machines, 30 random bits (lower-case Crockford base32: no i, l, o, u) make a clash in
 *   the same millisecond negligible; lower case keeps refs distinct on case-insensitive disks.
 * - Safe as a ref name component (check-ref-format) and as a file name.
 */
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
let lastMs = 0;

export function newRunId(now: Date = new Date()): string {
  let ms = now.getTime();
  if (ms <= lastMs && ms > lastMs - 60_000) ms = lastMs + 1; // same process, same instant (or a small clock step back)
  lastMs = Math.max(lastMs, ms);
  const stamp = new Date(ms).toISOString().replace(/[-:]/g, ''); // 20261127T224513.123Z
  const bits = randomBytes(4).readUInt32BE(0);
  let suffix = '';
  for (let i = 0; i < 6; i++) suffix += ALPHABET[(bits >>> (i * 5)) & 31];
  return `${stamp}-${suffix}`;
}

/** True for a string shaped like `newRunId`'s output, or any id safe as one ref name component. */
export function isValidRunId(id: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(id) && !id.includes('..') && !id.endsWith('.lock') && !id.endsWith('.');
}
