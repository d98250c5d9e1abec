/** Escaping for text put into HTML. */

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** JSON for a `<script type="application/json">` element: no `<` can end the element early. */
export function scriptJson(v: unknown): string {
  return JSON.stringify(v)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Library source for an inline `<script>`: a `</script` inside it would end the element. */
export function scriptText(js: string): string {
  return js.replace(/<\/(script)/gi, '<\\/$1');
}

/** A number for a table cell: up to 4 significant decimals, no exponent for everyday sizes. */
export function num(v: number | null | undefined, digits = 4): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-4 || a >= 1e9)) return v.toExponential(2);
  return String(Number(v.toFixed(digits)));
}

export function signed(v: number | null | undefined, digits = 4): string {
  if (v === null || v === undefined) return '—';
  return (v > 0 ? '+' : '') + num(v, digits);
}
