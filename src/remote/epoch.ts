import { randomBytes } from 'node:crypto';
import { EPOCH_KEY } from './keys.js';
import { readAll } from './read.js';
import type { Backend } from './types.js';

/** The remote's epoch (see known.ts): 'none' until the first push or `gc --cloud` writes one. One request. */
export async function readEpoch(backend: Backend): Promise<string> {
  const obj = await backend.get(EPOCH_KEY);
  if (!obj) return 'none';
  const text = (await readAll(obj.body, 256)).toString('utf8').trim();
  return /^[0-9a-f]{8,64}$/.test(text) ? text : 'invalid';
}

/** Write a new epoch (after removing objects): every clone's memory of the remote is dropped. */
export async function newEpoch(backend: Backend): Promise<string> {
  const epoch = randomBytes(8).toString('hex');
  await backend.putBytes(EPOCH_KEY, Buffer.from(epoch + '\n'));
  return epoch;
}
