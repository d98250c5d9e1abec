import type { SourcePos } from './errors.js';

/**
 * A YAML document as a small positioned tree, so callers can validate and report `file:line:col`
 * without touching the `yaml` library's node types. Aliases are resolved; map keys must be scalars
 * and are stringified, and are unique as strings. Scalars are limited to what JSON can hold.
 *
 * Types only: built by yaml.ts (the library) and yaml-fast.ts (plain block YAML), which share them.
 */
export type PNode = PMap | PSeq | PScalar;
export interface PMap {
  kind: 'map';
  entries: PEntry[];
  pos: SourcePos;
}
export interface PSeq {
  kind: 'seq';
  items: PNode[];
  pos: SourcePos;
}
export interface PScalar {
  kind: 'scalar';
  value: string | number | boolean | null;
  pos: SourcePos;
}
export interface PEntry {
  key: string;
  keyPos: SourcePos;
  value: PNode;
}
