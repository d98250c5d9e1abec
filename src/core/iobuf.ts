/**
 * A buffer for `read`/`write` system calls over page-cache data, placed so the kernel's copy runs
 * at full speed.
 *
 * A buffer of 128 KiB or more comes from its own `mmap` in glibc's malloc, and its bytes start 16
 * bytes past a page boundary. The kernel copies between the page cache (page-aligned) and such a
 * buffer at a fraction of its usual speed on some CPUs: on this project's 2-vCPU AMD EPYC
 * machines, sha256 of a 2 GiB file in the page cache with 1 MiB reads took 3.36 s (1.54 s of
 * system time) into a fresh buffer and 2.06 s (0.31 s) into the same buffer 48 bytes on, where
 * `openssl dgst` took 2.26 s; every other offset tried (32, 112, 2032, 4048, 4064 bytes past a
 * page) was fast. Starting 48 bytes into a slightly larger allocation moves that 16 to 64.
 */
export function ioBuffer(size: number): Buffer {
  return Buffer.allocUnsafeSlow(size + IO_BUFFER_SKEW + 16).subarray(IO_BUFFER_SKEW, IO_BUFFER_SKEW + size);
}

/** Where `ioBuffer` starts in its allocation (worker sources built as strings use it inline). */
export const IO_BUFFER_SKEW = 48;
