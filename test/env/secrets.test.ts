import { describe, expect, it } from 'vitest';
import {
  REDACTED,
  findSecrets,
  findSecretsEach,
  isSecretName,
  looksLikeSecretValue,
  redactDeep,
  redactText,
  redactTextsFully,
} from '../../src/env/index.js';

describe('isSecretName', () => {
  it.each([
    'GITHUB_TOKEN',
    'GH_TOKEN',
    'GITHUB_APP_TOKEN_RW',
    'NPM_TOKEN',
    'HF_TOKEN',
    'OPENAI_API_KEY',
    'API_KEY',
    'ACCESS_KEY',
    'PRIVATE_KEY',
    'apiKey',
    'DB_PASS',
    'DB_PASSWORD',
    'PGPASSWORD',
    'MYSQL_PWD',
    'SMTP_PASSWD',
    'CLIENT_SECRET',
    'JWT_SECRETS',
    'GOOGLE_APPLICATION_CREDENTIALS',
    'GCP_CREDENTIALS',
    'AWS_REGION',
    'AWS_SECRET_ACCESS_KEY',
    'AZURE_CLIENT_ID',
    'npm_config__auth',
    'SESSION_COOKIE',
    'REQUEST_SIGNATURE',
    'SENTRY_DSN',
    'GPG_PASSPHRASE',
    'MY_AUTH',
    'SESSION_ID',
  ])('%s is secret', (name) => {
    expect(isSecretName(name)).toBe(true);
  });

  it.each([
    'PATH',
    'HOME',
    'LANG',
    'LC_ALL',
    'OMP_NUM_THREADS',
    'CUDA_VISIBLE_DEVICES',
    'KEYBOARD_LAYOUT',
    'MONKEY',
    'TOKENIZERS_PARALLELISM',
    'PYTHONHASHSEED',
    'REPRO_SEED',
    'SSL_CERT_FILE',
    'PWD',
    'OLDPWD',
    'SSH_AUTH_SOCK',
    'XDG_SESSION_TYPE',
    'DATABASE_URL',
    'PASSENGER_COUNT',
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

describe('built-in table: shapes issue 9 named', () => {
  const stripe = 'sk_live_' + '51HqLyjWDarjtT1zdp7dcXwQ9vLm';
  const slack = 'https://hooks.slack.com/services/' + 'T0A1B2C3D/B4E5F6G7H/Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2';
  const azureKey = 'q7VbN3xK9mPzR2tW5yB8cE1fH4jL6nQ0sU3vX6zA9dG2iK5oM8rT1wY4bD7gJ0lN3pS6uV9xZ2cF5hI8kO1qR4tW7yB0eH3jM6pS9vY2bE5hK8nQ1==';

  it.each([
    ['stripe', `key ${stripe} set`, `key ${REDACTED} set`],
    ['slack webhook', `posting to ${slack}`, `posting to ${REDACTED}`],
    [
      'azure connection string',
      `DefaultEndpointsProtocol=https;AccountName=a;AccountKey=${azureKey};EndpointSuffix=core.windows.net`,
      `DefaultEndpointsProtocol=https;AccountName=a;AccountKey=${REDACTED};EndpointSuffix=core.windows.net`,
    ],
    ['netrc one line', 'machine api.example.com login bob password n3trcPw99', `machine api.example.com login bob password ${REDACTED}`],
    ['netrc own line', 'machine h\n  login bob\n  password n3trcPw99\n', `machine h\n  login bob\n  password ${REDACTED}\n`],
  ])('%s', (_name, text, want) => {
    expect(redactText(text, {})).toBe(want);
    expect(looksLikeSecretValue(text)).toBe(true);
  });

  it('leaves prose about passwords alone', () => {
    for (const t of ['the password is wrong for user bob', 'AccountName=a;EndpointSuffix=x', 'stripe_key_id: 3'])
      expect(redactText(t, {})).toBe(t);
  });
});

describe('the maintained rule set (secretlint preset)', () => {
  const shopify = 'shpat_' + '0123456789abcdef0123456789abcdef';
  const linear = 'lin_api_' + 'Ab3dE5gH7jK9mN1pQ3sT5vX7zA9cE1gH3jK5mN7p';

  it('finds shapes the built-in table does not know, naming the rule', async () => {
    expect(looksLikeSecretValue(shopify)).toBe(false);
    const found = await findSecrets(`a ${shopify} b`);
    expect(found).toEqual([{ start: 2, end: 2 + shopify.length, rule: 'secretlint/shopify:SHOPIFY_KEY' }]);
  });

  it('findSecretsEach maps one lint back to each text', async () => {
    const found = await findSecretsEach(['plain', `x ${linear}`, '', shopify]);
    expect(found.map((f) => f.map((x) => [x.start, x.end]))).toEqual([[], [[2, 2 + linear.length]], [], [[0, shopify.length]]]);
  });

  it('redactTextsFully and redactDeep cut every shape out of every string, keys included', async () => {
    expect(await redactTextsFully([`t ${shopify}`, 'ok'], {})).toEqual([`t ${REDACTED}`, 'ok']);
    const rec = { a: [`x ${linear}`, 3, null], b: { [shopify]: 'v', k: 'ghp_' + 'a'.repeat(36) }, n: 1 };
    expect(await redactDeep(rec, {})).toEqual({ a: [`x ${REDACTED}`, 3, null], b: { [REDACTED]: 'v', k: REDACTED }, n: 1 });
  });

  it('an empty input loads nothing and finds nothing', async () => {
    expect(await findSecretsEach([])).toEqual([]);
    expect(await findSecrets('')).toEqual([]);
  });
});
