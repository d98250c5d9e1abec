/**
 * The environment of a run as plain, sorted, redacted data: `captureEnv` for the variables a
 * pipeline declares (`env.capture`), `fingerprint` for the machine, `diffFingerprints` to compare
 * two, and `redactText` for anything else that leaves the process (stderr tails, command lines).
 *
 * Imports nothing but core: `fingerprint` takes a `probe` function, which ops wires to exec.probe.
 */
export { REDACTED, isSecretName, looksLikeSecretValue, redactSpans, redactText, redactValue, type SecretFinding } from './secrets.js';
// The maintained rule set, loaded on first call (never on a no-op run's path).
export { findSecrets, findSecretsEach, preloadSecretRules, redactDeep, redactTextsFully } from './secret-rules.js';
export { captureEnv, globToRegExp } from './capture.js';
export { fingerprint, parseGpus, GPU_QUERY, type EnvFingerprint, type FingerprintOptions, type Probe } from './fingerprint.js';
export { diffFingerprints, ABSENT, type FingerprintChange } from './diff.js';
