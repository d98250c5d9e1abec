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
 * By value: JWTs, well-known token prefixes, PEM private keys, URLs carrying user:password@.
 */

export const REDACTED = '[redacted]';

const SECRET_WORDS = new Set([
  'PASS', 'PWD', 'KEY', 'KEYS', 'APIKEY', 'ACCESSKEY', 'PRIVATEKEY', 'SECRETKEY', 'SIGNINGKEY',
  'MASTERKEY', 'ENCRYPTIONKEY', 'AUTH', 'OAUTH', 'AUTHORIZATION', 'BEARER', 'COOKIE', 'COOKIES',
  'SESSION', 'SIGNATURE', 'CREDS', 'DSN', 'SALT',
]);
const SECRET_SUFFIXES = ['TOKEN', 'TOKENS', 'SECRET', 'SECRETS', 'PASSWORD', 'PASSWORDS', 'PASSWD', 'PASSPHRASE', 'CREDENTIAL', 'CREDENTIALS'];
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
 * Token shapes, matched anywhere in a text. Each is specific enough to be rare by accident;
 * the `g` flag is for `redactText`, `looksLikeSecretValue` resets `lastIndex`.
 */
const TOKEN_PATTERNS: RegExp[] = [
  /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g, // JWT
  /\bgh[pousr]_[A-Za-z0-9]{20,}/g, // GitHub tokens
  /\bgithub_pat_[A-Za-z0-9_]{20,}/g,
  /\bglpat-[A-Za-z0-9_-]{20,}/g, // GitLab
  /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, // AWS access key id
  /\bsk-[A-Za-z0-9_-]{20,}/g, // OpenAI, Anthropic (sk-ant-...), Stripe-like
  /\bxox[abposr]-[A-Za-z0-9-]{10,}/g, // Slack
  /\bhf_[A-Za-z0-9]{30,}/g, // Hugging Face
  /\bnpm_[A-Za-z0-9]{36}\b/g, // npm
  /\bAIza[0-9A-Za-z_-]{35}/g, // Google API key
  /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY( BLOCK)?-----[\s\S]*?(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY( BLOCK)?-----|$)/g,
];

/** scheme://user:password@ (user may be empty: redis://:pw@host). Group 1 is kept, 2 redacted. */
const URL_PASSWORD = /([a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^\s/:@]*:)([^\s/@]+)@/g;

export function looksLikeSecretValue(value: string): boolean {
  for (const re of [...TOKEN_PATTERNS, URL_PASSWORD]) {
    re.lastIndex = 0;
    if (re.test(value)) return true;
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
  let out = text;
  const values = secretValues(env);
  if (values.length > 0) {
    // One pass with longest-first alternation, so a replacement is never re-matched.
    const alternation = new RegExp(values.map(escapeRegExp).join('|'), 'g');
    out = out.replace(alternation, REDACTED);
  }
  for (const re of TOKEN_PATTERNS) out = out.replace(re, REDACTED);
  return out.replace(URL_PASSWORD, `$1${REDACTED}@`);
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
