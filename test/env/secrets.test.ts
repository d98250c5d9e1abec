import { describe, expect, it } from 'vitest';
import { REDACTED, isSecretName, looksLikeSecretValue, redactText } from '../../src/env/index.js';

describe('isSecretName', () => {
  it.each([
    'GITHUB_TOKEN', 'GH_TOKEN', 'GITHUB_APP_TOKEN_RW', 'NPM_TOKEN', 'HF_TOKEN', 'OPENAI_API_KEY', 'API_KEY',
    'ACCESS_KEY', 'PRIVATE_KEY', 'apiKey', 'DB_PASS', 'DB_PASSWORD', 'PGPASSWORD', 'MYSQL_PWD', 'SMTP_PASSWD',
    'CLIENT_SECRET', 'JWT_SECRETS', 'GOOGLE_APPLICATION_CREDENTIALS', 'GCP_CREDENTIALS', 'AWS_REGION',
    'AWS_SECRET_ACCESS_KEY', 'AZURE_CLIENT_ID', 'npm_config__auth', 'SESSION_COOKIE', 'REQUEST_SIGNATURE',
    'SENTRY_DSN', 'GPG_PASSPHRASE', 'MY_AUTH', 'SESSION_ID',
  ])('%s is secret', (name) => {
    expect(isSecretName(name)).toBe(true);
  });

  it.each([
    'PATH', 'HOME', 'LANG', 'LC_ALL', 'OMP_NUM_THREADS', 'CUDA_VISIBLE_DEVICES', 'KEYBOARD_LAYOUT', 'MONKEY',
    'TOKENIZERS_PARALLELISM', 'PYTHONHASHSEED', 'REPRO_SEED', 'SSL_CERT_FILE', 'PWD', 'OLDPWD', 'SSH_AUTH_SOCK',
    'XDG_SESSION_TYPE', 'DATABASE_URL', 'PASSENGER_COUNT',
  ])('%s is not secret', (name) => {
    expect(isSecretName(name)).toBe(false);
  });
});

describe('looksLikeSecretValue', () => {
  it.each([
    'postgres://app:hunter2@db.example.com:5432/app',
    'redis://:s3cret@cache:6379',
    'git+https://user:tok@github.com/org/repo.git',
    'ghp_' + 'a'.repeat(36),
    'github_pat_' + 'A1_'.repeat(10),
    'AKIAIOSFODNN7EXAMPLE',
    'sk-proj-' + 'x'.repeat(40),
    'xoxb-1234567890-abcdef',
    'hf_' + 'b'.repeat(34),
    'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
    '-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----\n',
    'Bearer ghp_' + 'c'.repeat(36),
  ])('%s looks secret', (value) => {
    expect(looksLikeSecretValue(value)).toBe(true);
  });

  it.each(['en_US.UTF-8', 'https://example.com:8443/path', 'postgres://app@db/app', 'sk-learn', '/usr/bin:/bin', 'mailto:a@b.c', '4'])(
    '%s does not look secret',
    (value) => {
      expect(looksLikeSecretValue(value)).toBe(false);
    },
  );
});

describe('redactText', () => {
  const env = {
    PATH: '/usr/bin',
    HOME: '/home/alice',
    API_KEY: 'abcdef123456',
    SHORT_TOKEN: 'abc', // too short to hunt for
    DATABASE_URL: 'postgres://app:pw12345@db/app',
    TOKEN_PREFIX: 'abcdef', // substring of API_KEY's value: longest wins
  };

  it('replaces secret env values wherever they occur', () => {
    expect(redactText('curl -H "x-key: abcdef123456" https://api', env)).toBe(`curl -H "x-key: ${REDACTED}" https://api`);
    expect(redactText('abc is fine, abcdef is not', env)).toBe(`abc is fine, ${REDACTED} is not`);
  });

  it('replaces the value of a var that is secret only by value', () => {
    expect(redactText('connecting to postgres://app:pw12345@db/app', env)).toBe(`connecting to ${REDACTED}`);
  });

  it('redacts token shapes and URL passwords not present in the env', () => {
    const text = `token ghp_${'z'.repeat(36)} and https://bob:pa55@host/x and AKIAIOSFODNN7EXAMPLE`;
    expect(redactText(text, {})).toBe(`token ${REDACTED} and https://bob:${REDACTED}@host/x and ${REDACTED}`);
  });

  it('redacts a whole PEM private key', () => {
    const text = 'key:\n-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\nafter';
    expect(redactText(text, {})).toBe(`key:\n${REDACTED}\nafter`);
  });

  it('leaves ordinary text and non-secret values alone', () => {
    const text = 'Traceback: /home/alice/train.py line 3: ValueError';
    expect(redactText(text, env)).toBe(text);
  });
});
