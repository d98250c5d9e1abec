import { redactValue } from './secrets.js';

/**
 * `env.capture` of repro.yaml: the variables a stage's result may depend on, recorded and keyed.
 *
 * A pattern is an exact name or a glob where `*` matches any run of characters and `?` one
 * (`LC_*`, `*`); matching is case-sensitive, as POSIX names are. Only variables that are set are
 * returned; a secret (by name or by value, see secrets.ts) is kept with the value REDACTED, so
 * its presence is recorded and keyed but never its content. Keys come out sorted.
 */
export function captureEnv(patterns: string[], env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const matchers = patterns.map(globToRegExp);
  const names = Object.keys(env)
    .filter((name) => env[name] !== undefined && matchers.some((re) => re.test(name)))
    .sort();
  const out: Record<string, string> = {};
  for (const name of names) out[name] = redactValue(name, env[name] as string);
  return out;
}

/** `LC_*` → /^LC_.*$/; every other character is literal. */
export function globToRegExp(glob: string): RegExp {
  const body = glob
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`, 's');
}
