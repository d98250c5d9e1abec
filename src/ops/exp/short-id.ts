/**
 * The shortest suffix of each run id that no other run id ends with, at least `min` characters:
 * a run id's random tail (`-k3f9qa`) tells runs apart where the shared time prefix does not, and
 * the resolver (ops/records/resolve.ts) accepts a unique suffix wherever it takes a run.
 */
export function shortIds(ids: readonly string[], min = 6): Map<string, string> {
  const out = new Map<string, string>();
  for (const id of ids) {
    let len = Math.min(min, id.length);
    while (len < id.length && ids.some((o) => o !== id && o.endsWith(id.slice(-len)))) len++;
    out.set(id, id.slice(-len));
  }
  return out;
}
