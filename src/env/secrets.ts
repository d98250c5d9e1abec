/**
 * Secret detection and redaction. Errs toward redacting: a wrongly hidden value costs a little
 * diagnostic detail, a wrongly kept one leaks a credential into Git history for good.
 *
 * By name: the name is split into words on `_`, `-`, `.` and camelCase humps, upper-cased, and a
 * name is secret when a word is one of SECRET_WORDS, ends in one of SECRET_SUFFIXES (PGPASSWORD,
 * CLIENTSECRET), or the name starts with a family prefix (AWS_, AZURE_). `KEY` must be a whole word
 * (API_KEY, ACCESS_KEY yes; KEYBOARD, MONKEY no). Deliberately not secret: CERT (certificates are
 * public; a private key in one is caught by value), TOKENIZERS_PARALLELISM, PWD/OLDPWD, and a few
 * session plumbing names (SSH_AUTH_SOCK, XDG_SESSION_*, ...) whose values are paths or ids that
 * would otherwise be scrubbed from every log line.
 *
 * By value: the built-in rule table below (JWTs, well-known token prefixes, PEM private keys,
 * connection-string keys, netrc passwords, URLs carrying user:password@).
 */

export const REDACTED = '[redacted]';

const SECRET_WORDS = new Set([
  'PASS',
  'PWD',
  'KEY',
  'KEYS',
  'APIKEY',
  'ACCESSKEY',
  'PRIVATEKEY',
  'SECRETKEY',
  'SIGNINGKEY',
  'MASTERKEY',
  'ENCRYPTIONKEY',
  'AUTH',
  'OAUTH',
  'AUTHORIZATION',
  'BEARER',
  'COOKIE',
  'COOKIES',
  'SESSION',
  'SIGNATURE',
  'CREDS',
  'DSN',
  'SALT',
]);
const SECRET_SUFFIXES = [
  'TOKEN',
  'TOKENS',
  'SECRET',
  'SECRETS',
  'PASSWORD',
  'PASSWORDS',
  'PASSWD',
  'PASSPHRASE',
  'CREDENTIAL',
  'CREDENTIALS',
];
const SECRET_FAMILIES = ['AWS_', 'AZURE_'];
const NOT_SECRET = /^(PWD|OLDPWD|SSH_AUTH_SOCK|DESKTOP_SESSION|DBUS_SESSION_BUS_ADDRESS|SESSION_MANAGER|XDG_SESSION_[A-Z_]+)$/;

export function isSecretName(name: string): boolean {
  const upper = name.toUpperCase();
  if (NOT_SECRET.test(upper)) return false;
  if (SECRET_FAMILIES.some((f) => upper.startsWith(f))) return true;
  return nameWords(name).some((w) => SECRET_WORDS.has(w) || SECRET_SUFFIXES.some((s) => w.endsWith(s)));
}

/** `apiKey` → API, KEY; `DB_PASS` → DB, PASS; `npm_config__auth` → NPM, CONFIG, AUTH. */
function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w !== '')
    .map((w) => w.toUpperCase());
}

/**
 * The built-in rule table: token shapes matched anywhere in a text, each specific enough to be rare
 * by accident. Cheap (a few regexes, no library), so it runs on every path, including a no-op run's
 * `env.capture`; the maintained rule set in secret-rules.ts runs on top of it wherever text is
 * stored. Shapes marked "gitleaks" are ported as facts from gitleaks' public rule list
 * (config/gitleaks.toml, github.com/gitleaks/gitleaks, rule id in brackets); the others are
 * documented formats (netrc(5), Azure storage connection strings, RFC 3986 userinfo).
 * `group`: only that capture group is the secret (the rest, e.g. `AccountKey=`, is kept).
 */
export interface BuiltinRule {
  id: string;
  re: RegExp;
  group?: number;
}

export const BUILTIN_RULES: BuiltinRule[] = [
  { id: 'jwt', re: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g }, // gitleaks [jwt]
  { id: 'github-token', re: /\bgh[pousr]_[A-Za-z0-9]{20,}/g }, // gitleaks [github-pat, github-oauth, github-app-token, github-refresh-token]
  { id: 'github-fine-grained-pat', re: /\bgithub_pat_[A-Za-z0-9_]{20,}/g }, // gitleaks [github-fine-grained-pat]
  { id: 'gitlab-pat', re: /\bglpat-[A-Za-z0-9_-]{20,}/g }, // gitleaks [gitlab-pat]
  { id: 'aws-access-token', re: /\b(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b/g }, // gitleaks [aws-access-token]
  { id: 'openai-anthropic-key', re: /\bsk-[A-Za-z0-9_-]{20,}/g }, // gitleaks [openai-api-key, anthropic-api-key]
  { id: 'stripe-access-token', re: /\b(?:sk|rk)_(?:test|live|prod)_[A-Za-z0-9]{10,99}/g }, // gitleaks [stripe-access-token]
  { id: 'slack-token', re: /\bxox[abposre]-[A-Za-z0-9-]{10,}/g }, // gitleaks [slack-bot-token, slack-user-token, ...]
  { id: 'slack-webhook-url', re: /(?:https?:\/\/)?hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9+/]{20,}/g }, // gitleaks [slack-webhook-url]
  { id: 'huggingface-token', re: /\bhf_[A-Za-z0-9]{30,}/g }, // gitleaks [huggingface-access-token]
  { id: 'npm-access-token', re: /\bnpm_[A-Za-z0-9]{36}\b/g }, // gitleaks [npm-access-token]
  { id: 'gcp-api-key', re: /\bAIza[0-9A-Za-z_-]{35}/g }, // gitleaks [gcp-api-key]
  { id: 'sendgrid-api-token', re: /\bSG\.[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{20,}/g }, // gitleaks [sendgrid-api-token]
  {
    id: 'private-key',
    re: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY( BLOCK)?-----[\s\S]*?(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY( BLOCK)?-----|$)/g,
  }, // gitleaks [private-key]
  // Azure storage / Service Bus / Event Hubs connection strings: `AccountKey=<base64>;`, `SharedAccessKey=…`, `sig=…` of a SAS.
  { id: 'azure-connection-string-key', re: /\b(?:AccountKey|SharedAccessKey|SharedAccessSignature)=([^;\s'"]{8,})/gi, group: 1 },
  // netrc(5): `machine host login u password p` on one line, or a `password p` line of its own.
  { id: 'netrc-password', re: /\b(?:machine|default)\b[^\n]*?\bpassword[ \t]+([^\s]+)/g, group: 1 },
  { id: 'netrc-password', re: /^[ \t]*password[ \t]+([^\s]+)[ \t]*$/gm, group: 1 },
  // scheme://user:password@ (user may be empty: redis://:pw@host): the password part.
  { id: 'url-password', re: /[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^\s/:@]*:([^\s/@]+)@/g, group: 1 },
];

/** A secret found in a text: [start, end) and the rule that matched. */
export interface SecretFinding {
  start: number;
  end: number;
  rule: string;
}

/** The table's regexes with match indices (`d`), compiled once. */
const WITH_INDICES = BUILTIN_RULES.map((r) => ({ ...r, re: new RegExp(r.re.source, r.re.flags + 'd') }));

/** Every match of the built-in table in `text`. */
export function builtinFindings(text: string): SecretFinding[] {
  const out: SecretFinding[] = [];
  for (const r of WITH_INDICES) {
    for (const m of text.matchAll(r.re)) {
      const span = r.group !== undefined ? m.indices?.[r.group] : m.indices?.[0];
      if (span) out.push({ start: span[0], end: span[1], rule: r.id });
    }
  }
  return out;
}

/** `text` with every finding's span replaced by REDACTED (overlapping spans merged). */
export function redactSpans(text: string, findings: { start: number; end: number }[]): string {
  if (findings.length === 0) return text;
  const spans = [...findings].sort((a, b) => a.start - b.start);
  let out = '';
  let at = 0;
  for (const f of spans) {
    if (f.end <= at) continue;
    if (f.start >= at) out += text.slice(at, f.start) + REDACTED;
    at = f.end;
  }
  return out + text.slice(at);
}

export function looksLikeSecretValue(value: string): boolean {
  for (const r of BUILTIN_RULES) {
    r.re.lastIndex = 0;
    if (r.re.test(value)) return true;
  }
  return false;
}

/** The value to record for a variable: REDACTED when its name or value looks secret. */
export function redactValue(name: string, value: string): string {
  return isSecretName(name) || looksLikeSecretValue(value) ? REDACTED : value;
}

/** Values shorter than this are not hunted for in text: too many innocent matches. */
const MIN_SECRET_LENGTH = 6;

/**
 * Replaces in `text` every occurrence of the value of a secret env var (by name or value, at
 * least 6 characters), then every token shape above, and the password part of URLs. Use before
 * storing anything a command printed or was given (stderr tails, command lines, tool output).
 */
export function redactText(text: string, env: NodeJS.ProcessEnv = process.env): string {
  return textRedactor(env)(text);
}

/**
 * `redactText` for many texts under one environment: the secret env values are found (and their
 * alternation compiled) once, not once per text.
 */
export function textRedactor(env: NodeJS.ProcessEnv = process.env): (text: string) => string {
  const values = secretValues(env);
  // One pass with longest-first alternation, so a replacement is never re-matched.
  const alternation = values.length > 0 ? new RegExp(values.map(escapeRegExp).join('|'), 'g') : null;
  return (text) => {
    const out = alternation ? text.replace(alternation, REDACTED) : text;
    return redactSpans(out, builtinFindings(out));
  };
}

function secretValues(env: NodeJS.ProcessEnv): string[] {
  const values = new Set<string>();
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || value.length < MIN_SECRET_LENGTH) continue;
    if (isSecretName(name) || looksLikeSecretValue(value)) values.add(value);
  }
  return [...values].sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
