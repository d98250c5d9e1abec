import { parseDocument, isMap } from 'yaml';
import { ReproError } from './errors.js';

/**
 * Set a dotted key in YAML text, keeping comments and layout elsewhere (the way `dvc exp run -S`
 * edits params.yaml). Intermediate maps are created as needed.
 */
export function setYamlKey(text: string, file: string, dottedKey: string, value: unknown): string {
  const doc = parseDocument(text);
  if (doc.errors.length) {
    throw new ReproError('E_YAML', `invalid YAML: ${doc.errors[0]!.message.split('\n')[0]}`, { pos: { file, line: 1, col: 1 } });
  }
  if (doc.contents !== null && !isMap(doc.contents)) {
    throw new ReproError('E_CONFIG', `params file is not a mapping: '${file}'`);
  }
  const path = dottedKey.split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  doc.setIn(path, value);
  return doc.toString({ lineWidth: 0 });
}

/** Parse the value side of `-S key=value` as a YAML scalar (numbers, booleans, null, strings). */
export function parseScalar(text: string): unknown {
  const doc = parseDocument(text);
  return doc.errors.length ? text : doc.toJS();
}
