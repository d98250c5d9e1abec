import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ReproError } from '../core/errors.js';
import { openDirBackend } from './dir.js';
import type { Backend, RemoteSpec } from './types.js';

export type RemoteKind = 's3' | 'dir';

/** What kind of remote a URL names, or an `E_CONFIG` error for anything else. */
export function remoteKind(url: string): RemoteKind {
  if (url.startsWith('s3://')) {
    if (!/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/.test(url)) {
      throw new ReproError('E_CONFIG', `invalid S3 URL: '${url}'`, {
        hint: 'write it as s3://bucket/prefix (bucket names are lower case)',
      });
    }
    return 's3';
  }
  if (
    url.startsWith('file://') ||
    url.startsWith('/') ||
    url.startsWith('./') ||
    url.startsWith('../') ||
    !/^[a-z][a-z0-9+.-]*:/i.test(url)
  )
    return 'dir';
  throw new ReproError('E_CONFIG', `unsupported remote URL: '${url}'`, {
    hint: 'use s3://bucket/prefix or a directory path (/mnt/cache, file:///mnt/cache)',
  });
}

/** A directory remote's absolute path; relative paths are relative to the repository root. */
export function dirRemotePath(url: string, root: string): string {
  return url.startsWith('file://') ? fileURLToPath(url) : resolve(root, url);
}

/**
 * Open the backend for a configured remote. The S3 module (and with it the AWS SDK) is imported
 * here and only here, the first time an S3 remote is opened.
 */
export async function openBackend(spec: RemoteSpec, root: string): Promise<Backend> {
  const label = `'${spec.name}' (${spec.url})`;
  if (remoteKind(spec.url) === 'dir') return openDirBackend(dirRemotePath(spec.url, root), label);
  const { openS3Backend } = await import('./s3.js');
  return openS3Backend(spec, label);
}
