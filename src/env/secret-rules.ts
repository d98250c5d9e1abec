import { builtinFindings, redactSpans, textRedactor, type SecretFinding } from './secrets.js';

/**
 * The maintained rule set: secretlint's recommended preset (`@secretlint/secretlint-rule-preset-recommend`,
 * pinned in package.json; 12.0.0 is its last release that runs on Node 20), run in-process through
 * `@secretlint/core`. This is the only module that imports secretlint.
 *
 * Loaded on first use and then kept: ~10 ms to evaluate and ~7 ms for the first lint (its regexes
 * compile), ~1 ms a lint after that. A no-op run never calls it; `repro run` starts loading it
 * (`preloadSecretRules`) while the first stage works, so a record pays little.
 *
 * Every function here applies the built-in table of secrets.ts as well, so a caller asks one
 * question: "is there a secret in this text, and where".
 */

type Lint = (text: string) => Promise<SecretFinding[]>;

let loading: Promise<Lint> | undefined;

function loadLint(): Promise<Lint> {
  return (loading ??= (async () => {
    const [{ lintSource }, { creator }] = await Promise.all([
      import('@secretlint/core'),
      import('@secretlint/secretlint-rule-preset-recommend'),
    ]);
    const config = { rules: [{ id: creator.meta.id, rule: creator }] };
    return async (text: string) => {
      const res = await lintSource({
        source: { filePath: 'text', content: text, ext: '', contentType: 'text' },
        options: { config, maskSecrets: true, noPhysicFilePath: true },
      });
      return res.messages
        .filter((m) => m.type === 'message')
        .map((m) => ({
          start: m.range[0],
          end: m.range[1],
          rule: `${m.ruleId.replace(/^@secretlint\/secretlint-rule-/, 'secretlint/')}:${m.messageId}`,
        }));
    };
  })());
}

/** Start loading the rule set now (returns at once); errors surface on the first real use. */
export function preloadSecretRules(): void {
  loadLint().then(
    (lint) => lint('warm-up'),
    () => undefined,
  );
}

/** Every secret in `text`, by the built-in table and the maintained rule set, in text order. */
export async function findSecrets(text: string): Promise<SecretFinding[]> {
  if (text === '') return [];
  const lint = await loadLint();
  return [...builtinFindings(text), ...(await lint(text))].sort((a, b) => a.start - b.start || b.end - a.end);
}

/**
 * The findings of each text, in one lint over all of them (joined by newlines; a lint costs a
 * fixed ~1 ms however short the text, and a record has hundreds of short strings).
 */
export async function findSecretsEach(texts: string[]): Promise<SecretFinding[][]> {
  const starts: number[] = [];
  let at = 0;
  for (const t of texts) {
    starts.push(at);
    at += t.length + 1;
  }
  const all = await findSecrets(texts.join('\n'));
  return texts.map((t, i) => {
    const s = starts[i]!;
    const e = s + t.length;
    return all
      .filter((f) => f.start < e && f.end > s)
      .map((f) => ({ start: Math.max(f.start, s) - s, end: Math.min(f.end, e) - s, rule: f.rule }));
  });
}

/**
 * `redactText` (secret env values and the built-in table) followed by the maintained rule set:
 * what every stored text goes through. Returns the texts in order.
 */
export async function redactTextsFully(texts: string[], env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const redact = textRedactor(env);
  const first = texts.map(redact);
  const found = await findSecretsEach(first);
  return first.map((t, i) => redactSpans(t, found[i]!));
}

/**
 * A deep copy of `value` with every string (object keys too) through `redactTextsFully`, in one
 * lint. For records: whatever field a secret lands in, it is cut out.
 */
export async function redactDeep<T>(value: T, env: NodeJS.ProcessEnv = process.env): Promise<T> {
  const strings: string[] = [];
  const collect = (v: unknown): void => {
    if (typeof v === 'string') strings.push(v);
    else if (Array.isArray(v)) v.forEach(collect);
    else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        strings.push(k);
        collect(x);
      }
    }
  };
  collect(value);
  const redacted = await redactTextsFully(strings, env);
  let i = 0;
  const rebuild = (v: unknown): unknown => {
    if (typeof v === 'string') return redacted[i++];
    if (Array.isArray(v)) return v.map(rebuild);
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const x of Object.values(v)) {
        const key = redacted[i++]!;
        out[key] = rebuild(x);
      }
      return out;
    }
    return v;
  };
  return rebuild(value) as T;
}
