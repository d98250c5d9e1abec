import { readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../core/atomic.js';
import { sha256 } from '../core/canonical.js';
import { isErrno, type SourcePos } from '../core/errors.js';
import type { PEntry, PNode } from '../core/yaml.js';

/**
 * A disk memo of YAML parses, keyed by the sha256 of the text: the `yaml` library needs ~150 ms
 * of CPU to parse a 200-stage repro.yaml in a fresh process, JSON.parse of the memo about 1 ms.
 * A parse is a pure function of its text, so a hit is exact; bump MEMO_VERSION when the parsed
 * shape changes. Lives in `.repro/` (local state) and is written only when `.repro/` exists,
 * best-effort: a read-only repository just parses every time. Each save keeps only the entries
 * used by this load, so edits do not pile up.
 */

const MEMO_VERSION = 2; // 2: aliases, duplicate keys and params values checked more strictly
export const MEMO_FILE = 'pipeline-memo.json';

type Encoded = unknown;

export class ParseMemo {
  private used = new Map<string, Encoded>();
  private dirty = false;

  private constructor(
    private readonly path: string | null,
    private readonly stored: Record<string, Encoded>,
  ) {}

  /** Open the memo of the repository at `root` (empty when absent or unreadable as JSON). */
  static async open(root: string): Promise<ParseMemo> {
    const path = join(root, '.repro', MEMO_FILE);
    let stored: Record<string, Encoded> = {};
    try {
      const data = JSON.parse(await readFile(path, 'utf8')) as { v?: unknown; entries?: unknown };
      if (data.v === MEMO_VERSION && typeof data.entries === 'object' && data.entries !== null) {
        stored = data.entries as Record<string, Encoded>;
      }
    } catch (e) {
      // Absent, unreadable or corrupt: start empty, the memo is only a cache.
      if (!isErrno(e, 'ENOENT') && !isErrno(e, 'EACCES') && !isErrno(e, 'EISDIR') && !(e instanceof SyntaxError)) throw e;
    }
    return new ParseMemo(path, stored);
  }

  /** A memo that stores nothing on disk. */
  static inMemory(): ParseMemo {
    return new ParseMemo(null, {});
  }

  /** The positioned tree of `text` (positions name `file`), parsed by `parse` on a miss. */
  tree(text: string, file: string, parse: () => PNode | null): PNode | null {
    const key = sha256(`tree\0${text}`);
    const hit = this.hit(key);
    if (hit.found) return hit.value === null ? null : decodeTree(hit.value, file);
    const tree = parse();
    this.remember(key, tree === null ? null : encodeTree(tree));
    return tree;
  }

  /** Plain data of `text`, parsed by `parse` on a miss. Values JSON cannot hold are not memoised. */
  data(text: string, parse: () => unknown): unknown {
    const key = sha256(`data\0${text}`);
    const hit = this.hit(key);
    if (hit.found) return hit.value;
    const v = parse();
    if (jsonSafe(v)) this.remember(key, v);
    return v;
  }

  /** Write the entries used since `open` when anything changed and `.repro/` exists. */
  async save(): Promise<void> {
    if (!this.path) return;
    const pruned = Object.keys(this.stored).some((k) => !this.used.has(k));
    if (!this.dirty && !pruned) return;
    try {
      await stat(dirname(this.path));
      await writeFileAtomic(this.path, JSON.stringify({ v: MEMO_VERSION, entries: Object.fromEntries(this.used) }), { fsync: false });
    } catch (e) {
      // Best effort: no `.repro/` yet, or a read-only or foreign-owned one.
      if (!isErrno(e, 'ENOENT') && !isErrno(e, 'EACCES') && !isErrno(e, 'EPERM') && !isErrno(e, 'EROFS')) throw e;
    }
  }

  private hit(key: string): { found: boolean; value?: Encoded } {
    if (this.used.has(key)) return { found: true, value: this.used.get(key) };
    if (Object.prototype.hasOwnProperty.call(this.stored, key)) {
      this.used.set(key, this.stored[key]);
      return { found: true, value: this.stored[key] };
    }
    return { found: false };
  }

  private remember(key: string, v: Encoded): void {
    this.used.set(key, v);
    this.dirty = true;
  }
}

/** True when JSON round-trips `v` exactly (no NaN/Infinity, no undefined). */
function jsonSafe(v: unknown): boolean {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v);
  if (Array.isArray(v)) return v.every(jsonSafe);
  if (typeof v === 'object') return Object.values(v as object).every(jsonSafe);
  return false;
}

/*
 * Compact tree encoding: scalar [line, col, value]; list [line, col, 0, items];
 * map [line, col, 1, [[key, keyLine, keyCol, node], ...]]. The file name is not stored.
 */
type Enc = [number, number, unknown] | [number, number, 0, Enc[]] | [number, number, 1, [string, number, number, Enc][]];

function encodeTree(n: PNode): Enc {
  switch (n.kind) {
    case 'scalar':
      return [n.pos.line, n.pos.col, n.value];
    case 'seq':
      return [n.pos.line, n.pos.col, 0, n.items.map(encodeTree)];
    case 'map':
      return [n.pos.line, n.pos.col, 1, n.entries.map((e) => [e.key, e.keyPos.line, e.keyPos.col, encodeTree(e.value)])];
  }
}

function decodeTree(raw: Encoded, file: string): PNode {
  const e = raw as Enc;
  const pos: SourcePos = { file, line: e[0], col: e[1] };
  if (e.length === 3) return { kind: 'scalar', value: e[2] as string | number | boolean | null, pos };
  if (e[2] === 0) return { kind: 'seq', items: (e[3] as Enc[]).map((x) => decodeTree(x, file)), pos };
  const entries: PEntry[] = (e[3] as [string, number, number, Enc][]).map(([key, l, c, v]) => ({
    key,
    keyPos: { file, line: l, col: c },
    value: decodeTree(v, file),
  }));
  return { kind: 'map', entries, pos };
}
