/**
 * execa, loaded on first use: its module graph costs ~50-90 ms to load, which a no-op
 * `repro run` (nothing to execute) must not pay.
 */
type Execa = typeof import('execa');
let lib: Promise<Execa> | undefined;

export function loadExeca(): Promise<Execa> {
  return (lib ??= import('execa'));
}
