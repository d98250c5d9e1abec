import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomicSync } from './atomic.js';
import { sha256 } from './canonical.js';

/**
 * A one-entry disk memo of a pure parse: `<stateDir>/<name>.memo.json` holds the sha256 of the
 * text last parsed and the result. Parsing a 200-stage repro.lock with the yaml library costs
 * ~100 ms of a no-op run's budget; JSON.parse of the memo ~1 ms. A hit is exact (same text, same
 * result); a miss or an unreadable memo just parses. Written only when `stateDir` exists, and
 * best-effort: a failed write is ignored.
 *
 *   const data = memoParse(stateDir, 'lock', text, () => parseYaml(text));
 *   await memoStore(stateDir, 'lock', text, data);   // after writing text yourself
 */
const VERSION = 1;

export function memoParse<T>(stateDir: string, name: string, text: string, parse: () => T): T {
  const key = sha256(text);
  const path = join(stateDir, `${name}.memo.json`);
  try {
    const m = JSON.parse(readFileSync(path, 'utf8')) as { v: number; key: string; value: T };
    if (m.v === VERSION && m.key === key) return m.value;
  } catch {
    // absent or corrupt: a miss
  }
  const value = parse();
  store(stateDir, name, key, value);
  return value;
}

export async function memoStore(stateDir: string, name: string, text: string, value: unknown): Promise<void> {
  store(stateDir, name, sha256(text), value);
}

function store(stateDir: string, name: string, key: string, value: unknown): void {
  if (!existsSync(stateDir)) return;
  try {
    writeFileAtomicSync(join(stateDir, `${name}.memo.json`), JSON.stringify({ v: VERSION, key, value }), { fsync: false });
  } catch {
    // best-effort: the memo is only a cache
  }
}
