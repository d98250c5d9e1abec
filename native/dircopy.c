/*
 * repro-dircopy: the small objects of a push to a directory remote on a local file system, and of
 * a fetch from one (src/remote/dir-copy.ts), copied outside Node.
 *
 * Why: each object goes through a temp name and a rename. Done in Node (worker threads,
 * dir-pool.ts) each object costs ~8 synchronous fs calls through the binding, ~20 us of
 * JavaScript and binding per object over the system calls themselves: 10k objects took ~700 ms
 * on one thread where this loop takes ~480 ms, as long as `cp -r` of the same files (docs/bench.md,
 * "Remotes", seventh session). A fetch also hashes each object (sha256), and 100k of them through
 * Node took 2.2x a `cp -r` (ninth session).
 *
 * Usage: repro-dircopy push|fetch THREADS STALE_SECONDS TAG SRCDIR DESTDIR
 *   THREADS        copying threads (1-16);
 *   STALE_SECONDS  a temp file in a destination directory older than this is a dead copy's
 *                  leftover and is removed when the directory is first written (dir.ts's sweep);
 *   TAG            the temp names' middle: `.<name>.tmp-TAG<hex>` (TAG is `<pid>-<hex>`, the
 *                  shape dir.ts and the cache's gc recognise);
 *   SRCDIR DESTDIR objects directories, absolute (a push's: the local cache's, the remote's; a
 *                  fetch's the other way round): an object named HASH (its sha256, 64 hex) is
 *                  SRCDIR/<2 hex>/<62 hex> there and DESTDIR/<2 hex>/<62 hex> here
 *                  (src/remote/keys.ts and src/cache/objects.ts: the same layout).
 * Input, on stdin, read whole before the first copy: one record per object, in a push
 * `HASH \0 SIZE \0`, in a fetch `HASH \0 SIZE \0 EXEC \0` (SIZE in decimal digits, at most
 * MAX_SIZE; EXEC `1` for the cache's executable mode, `0` for the plain one; a push's object is
 * executable when its source is). Records name objects, not paths: Node builds no path per
 * object (for 10k objects, building and encoding two paths each cost a push ~40 ms). Below,
 * SRC is SRCDIR/<2 hex>/<62 hex> and DEST is DESTDIR/<2 hex>/<62 hex> of the record's HASH. DEST's
 * directory is made (mkdir -p; a non-directory in its way is EEXIST) before the first object
 * goes into it, and opened once (O_PATH): every open and rename in it names one component.
 * Output, on stdout, as chunks finish (in no set order): `I 1\n` when record I (from 0) is not a
 * regular file (nothing written; in a push also when it is not of SIZE bytes); in a fetch `I 3\n`
 * when it is not of SIZE bytes or its bytes do not hash to HASH (nothing written), and `I 4\n`
 * when something is at DEST already (a fetch never replaces it: the caller applies the cache's
 * rules to what is there); and after each chunk `C LO HI\n`: records LO to HI-1 are done, and
 * those not answered above were stored (a line per chunk, not per object: 100k lines cost Node
 * ~100 ms to split and parse). Every line ends in `\n`; a line without one was cut off.
 * On the first failure: `C LO I\n` for what its chunk did before it, then `E I ERRNO SYSCALL SIDE\n`
 * (the numeric errno; SYSCALL one of open, fstat, read, write, fchmod, rename, mkdir; SIDE `s`
 * when SRC failed, `d` when DEST or its directory did); then no new chunk is started, those in
 * flight finish, and the exit status is 1. Records that no `C` line covers were not done. Exit 3:
 * bad arguments or records (nothing copied), or out of memory or output mid-run (the chunks in
 * flight may leave temp files, for the sweep); either way the caller copies what got no answer in
 * Node.
 *
 * Each object: open SRC (no symlink followed, no FIFO waited on), fstat, read it whole (a fetch:
 * hash it); open a temp name beside DEST exclusively with its final mode (0444, 0555 when
 * executable: the cache's modes; an fchmod too when the umask takes bits of it), write, close,
 * rename to DEST (a fetch: only if DEST does not exist). A failure removes the temp file: nothing
 * half-written is left under any name, and only a process killed mid-object leaves a temp file,
 * for the sweep.
 *
 * The sha256 is OpenSSL's (libcrypto's SHA256_Init/Update/Final, loaded at start with dlopen:
 * SHA-NI where the CPU has it, ~4x the portable code below), checked on a known answer, else the
 * portable code. REPRO_DIRCOPY_SHA=portable forces the portable code and =libcrypto refuses to
 * run without libcrypto (exit 3), for the tests.
 *
 * SIGTERM or SIGINT: no new chunk is started; those in flight finish and print; exit 2. If the
 * parent dies the helper gets SIGTERM (PR_SET_PDEATHSIG), and a write to a closed stdout ends it.
 *
 * Threads take chunks of CHUNK records, even threads from the front and odd ones from the back
 * (the records come grouped by fan-out directory: the threads then write into different ones).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE 1 /* linux/fs.h */
#endif

#define MAX_SIZE (1 << 20) /* dir-sync.ts SMALL_SYNC: bigger objects go through Node's copy */
#define CHUNK 64
#define MAX_THREADS 16

struct job {
  const char *hash; /* HASH, 64 hex */
  long long size;
  unsigned char digest[32]; /* HASH, as bytes */
  char exec;                /* a fetch's EXEC: '1' or '0' */
};

static int fetching;                 /* the fetch mode, else a push */
static const char *srcdir, *destdir; /* the objects directories */

static struct job *jobs;
static long njobs;
static long front, back; /* next chunk from the front; one past the last record left at the back */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static volatile sig_atomic_t stopping;
static int failed;
static mode_t umask_bits;
static long long stale_seconds;
static const char *tag;
static unsigned long counter;

/* SHA-256 (FIPS 180-4), for when libcrypto is not there. */
static const uint32_t K256[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void sha256_block(uint32_t h[8], const unsigned char *p) {
  uint32_t w[64];
  for (int i = 0; i < 16; i++)
    w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
  for (int i = 16; i < 64; i++) {
    uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
    uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
  for (int i = 0; i < 64; i++) {
    uint32_t t1 = k + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) + ((e & f) ^ (~e & g)) + K256[i] + w[i];
    uint32_t t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
    k = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += k;
}

static unsigned char *sha256_portable(const unsigned char *data, size_t n, unsigned char *out) {
  uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  size_t i = 0;
  for (; i + 64 <= n; i += 64) sha256_block(h, data + i);
  unsigned char tail[128] = {0};
  size_t r = n - i, tl = r < 56 ? 64 : 128;
  memcpy(tail, data + i, r);
  tail[r] = 0x80;
  uint64_t bits = (uint64_t)n * 8;
  for (int b = 0; b < 8; b++) tail[tl - 1 - b] = (unsigned char)(bits >> (8 * b));
  sha256_block(h, tail);
  if (tl == 128) sha256_block(h, tail + 64);
  for (int b = 0; b < 8; b++) {
    out[4 * b] = (unsigned char)(h[b] >> 24);
    out[4 * b + 1] = (unsigned char)(h[b] >> 16);
    out[4 * b + 2] = (unsigned char)(h[b] >> 8);
    out[4 * b + 3] = (unsigned char)h[b];
  }
  return out;
}

/*
 * OpenSSL's SHA256_Init/Update/Final (1.1 and 3 alike): no provider lookup or allocation per call
 * (the one-shot SHA256() of OpenSSL 3 does both, ~5x the cost for a small object, and returns
 * NULL when no provider offers sha256). Checked on a known answer at load; the portable code
 * otherwise. The context is opaque here: SHA256_CTX is 112 bytes, this buffer more than twice that.
 */
typedef int (*sha_init_fn)(void *);
typedef int (*sha_update_fn)(void *, const void *, size_t);
typedef int (*sha_final_fn)(unsigned char *, void *);
static sha_init_fn ossl_init;
static sha_update_fn ossl_update;
static sha_final_fn ossl_final;

static unsigned char *sha256_ossl(const unsigned char *data, size_t n, unsigned char *out) {
  _Alignas(16) unsigned char ctx[256];
  if (ossl_init(ctx) != 1 || ossl_update(ctx, data, n) != 1 || ossl_final(out, ctx) != 1) return sha256_portable(data, n, out);
  return out;
}

typedef unsigned char *(*sha256_fn)(const unsigned char *, size_t, unsigned char *);
static sha256_fn sha256 = sha256_portable;

/* Use libcrypto's sha256 when it loads and gives the known answer for "abc" (FIPS 180-2, B.1). */
static void load_sha256(void) {
  const char *want = getenv("REPRO_DIRCOPY_SHA");
  if (want && strcmp(want, "portable") == 0) return;
  static const unsigned char abc[32] = {0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
                                        0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
                                        0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
  unsigned char md[32];
  if (memcmp(sha256_portable((const unsigned char *)"abc", 3, md), abc, 32) != 0) {
    fprintf(stderr, "repro-dircopy: the portable sha256 fails its known answer\n");
    _exit(3);
  }
  static const char *const libs[] = {"libcrypto.so.3", "libcrypto.so.1.1", "libcrypto.so"};
  for (size_t i = 0; i < sizeof libs / sizeof *libs; i++) {
    void *lib = dlopen(libs[i], RTLD_NOW | RTLD_LOCAL);
    if (!lib) continue;
    ossl_init = (sha_init_fn)dlsym(lib, "SHA256_Init");
    ossl_update = (sha_update_fn)dlsym(lib, "SHA256_Update");
    ossl_final = (sha_final_fn)dlsym(lib, "SHA256_Final");
    if (ossl_init && ossl_update && ossl_final && memcmp(sha256_ossl((const unsigned char *)"abc", 3, md), abc, 32) == 0) {
      sha256 = sha256_ossl;
      return;
    }
    dlclose(lib);
  }
  if (want && strcmp(want, "libcrypto") == 0) {
    fprintf(stderr, "repro-dircopy: REPRO_DIRCOPY_SHA=libcrypto, and no libcrypto could be loaded\n");
    _exit(3);
  }
}

/*
 * The 256 fan-out directories of each side, opened once (O_PATH) and used for every object in
 * them: each open and rename then looks up one name instead of walking the whole path (a path
 * walk per call was ~5% of a push's system time). -1: not opened yet. A destination directory is
 * made and swept by the thread that first needs it, under its fan-out's lock.
 */
static int srcfd[256], destfd[256];
static pthread_mutex_t fanmu[256];

static void on_signal(int sig) {
  (void)sig;
  stopping = 1;
}

/* From any thread: _exit, so that no atexit handler (libcrypto's) runs under a thread still hashing. */
static void die(const char *what) {
  fprintf(stderr, "repro-dircopy: %s: %s\n", what, strerror(errno));
  _exit(3);
}

/* Write all of buf to stdout under the lock; a parent gone (EPIPE) ends the process. */
static void emit(const char *buf, size_t len) {
  size_t off = 0;
  while (off < len) {
    ssize_t w = write(1, buf + off, len - off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) _exit(3);
    off += (size_t)w;
  }
}

/* Whether NAME is `.<something>.tmp-<digits>-<hex>` (dir-sync.ts TEMP_NAME). */
static int temp_name(const char *name) {
  size_t n = strlen(name);
  if (n < 2 || name[0] != '.') return 0;
  const char *end = name + n;
  const char *p = end;
  while (p > name && ((p[-1] >= '0' && p[-1] <= '9') || (p[-1] >= 'a' && p[-1] <= 'f'))) p--;
  if (p == end || p == name || p[-1] != '-') return 0;
  const char *dash = p - 1;
  p = dash;
  while (p > name && p[-1] >= '0' && p[-1] <= '9') p--;
  if (p == dash || p - name < 6 || memcmp(p - 5, ".tmp-", 5) != 0) return 0;
  return p - 5 > name + 1; /* at least one character between the leading '.' and ".tmp-" */
}

/* Remove DIR's temp files older than stale_seconds; what cannot be read or removed is left. */
static void sweep(const char *dir) {
  int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return;
  DIR *d = fdopendir(dfd);
  if (!d) {
    close(dfd);
    return;
  }
  time_t cutoff = time(NULL) - (time_t)stale_seconds;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (!temp_name(e->d_name)) continue;
    struct stat st;
    if (fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) && st.st_mtime < cutoff)
      unlinkat(dfd, e->d_name, 0);
  }
  closedir(d);
}

/* mkdir of PATH, or PATH is a directory already; 0, or -1 with errno (EEXIST: something else is there). */
static int made_or_dir(const char *path) {
  if (mkdir(path, 0777) == 0) return 0;
  if (errno != EEXIST) return -1;
  struct stat st;
  if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) return 0;
  errno = EEXIST;
  return -1;
}

/* mkdir -p of PATH (absolute, no trailing '/'); 0, or -1 with errno. */
static int mkdirs(char *path) {
  if (made_or_dir(path) == 0) return 0;
  if (errno != ENOENT) return -1;
  char *slash = strrchr(path, '/');
  if (!slash || slash == path) return -1;
  *slash = 0;
  int r = mkdirs(path);
  *slash = '/';
  if (r != 0) return -1;
  return made_or_dir(path);
}

/*
 * rename FROM to TO in DFD unless TO exists (then -1, EEXIST): renameat2's RENAME_NOREPLACE, or
 * where the file system has no such flag a link and an unlink (the same answer, one call more).
 */
static int rename_noreplace(int dfd, const char *from, const char *to) {
#ifdef SYS_renameat2
  if (syscall(SYS_renameat2, dfd, from, dfd, to, RENAME_NOREPLACE) == 0) return 0;
  if (errno != EINVAL && errno != ENOSYS) return -1;
#endif
  if (linkat(dfd, from, dfd, to, 0) != 0) return -1;
  unlinkat(dfd, from, 0);
  return 0;
}

/*
 * An O_PATH descriptor of DIR/<FAN as 2 hex> kept in FDS[FAN]; made (and swept) first when MAKE.
 * -1 with errno, and *FAILED the call that failed (mkdir or open).
 */
static int fan_dir(int *fds, const char *dir, int fan, int make, const char **failed) {
  int fd = __atomic_load_n(&fds[fan], __ATOMIC_ACQUIRE);
  if (fd >= 0) return fd;
  pthread_mutex_lock(&fanmu[fan]);
  fd = fds[fan];
  if (fd < 0) {
    char path[PATH_MAX];
    int len = snprintf(path, sizeof path, "%s/%02x", dir, fan);
    *failed = "mkdir";
    if (len < 0 || (size_t)len >= sizeof path) errno = ENAMETOOLONG;
    else if (!make || mkdirs(path) == 0) {
      if (make) sweep(path);
      *failed = "open";
      fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (fd >= 0) __atomic_store_n(&fds[fan], fd, __ATOMIC_RELEASE);
    }
  }
  int e = errno;
  pthread_mutex_unlock(&fanmu[fan]);
  errno = e;
  return fd;
}

/* Answers (besides failures, -1 with errno and *syscall set). */
#define STORED 0
#define ABSENT 1
#define CORRUPT 3
#define THERE 4

/*
 * Read SRCDIR/<2 hex>/NAME (the record's object) whole into BUF: STORED with *n and *src_mode set, ABSENT when it is not a regular file
 * (or, in a push, not of the record's size), CORRUPT when a fetch's is not of the record's size.
 */
static int read_src(const char *name, const struct job *j, char *buf, long long *n, mode_t *src_mode, const char **syscall) {
  const char *failed = NULL;
  int dfd = fan_dir(srcfd, srcdir, j->digest[0], 0, &failed);
  if (dfd < 0 && (errno == ENOENT || errno == ENOTDIR)) return ABSENT;
  int in = dfd < 0 ? -1 : openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (in < 0) {
    if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP) return ABSENT;
    *syscall = "open-src";
    return -1;
  }
  struct stat st;
  if (fstat(in, &st) != 0) {
    int e = errno;
    close(in);
    errno = e;
    *syscall = "fstat";
    return -1;
  }
  int wrong = !S_ISREG(st.st_mode) ? ABSENT : st.st_size != j->size ? (fetching ? CORRUPT : ABSENT) : STORED;
  if (wrong != STORED) {
    close(in);
    return wrong;
  }
  long long got = 0;
  while (got < j->size) {
    ssize_t r = pread(in, buf + got, (size_t)(j->size - got), got);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      int e = errno;
      close(in);
      errno = e;
      *syscall = "read";
      return -1;
    }
    if (r == 0) break;
    got += r;
  }
  close(in);
  if (got != j->size) return fetching ? CORRUPT : ABSENT; /* shrank while read */
  *n = got;
  *src_mode = st.st_mode;
  return STORED;
}

/*
 * The N bytes of BUF stored as DESTDIR/<2 hex>/NAME (the record's object) with MODE through a temp
 * name beside it: STORED, or -1. A fetch never replaces what is there (THERE: the caller decides
 * about it, as the cache's rules say).
 */
static int write_dest(const struct job *j, const char *name, const char *buf, long long n, mode_t mode, const char **syscall) {
  const char *failed = "mkdir";
  int dfd = fan_dir(destfd, destdir, j->digest[0], 1, &failed);
  if (dfd < 0) {
    *syscall = failed;
    return -1;
  }
  unsigned long c = __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED);
  char tmp[NAME_MAX + 1];
  int len = snprintf(tmp, sizeof tmp, ".%s.tmp-%s%lx", name, tag, c);
  if (len < 0 || (size_t)len >= sizeof tmp) {
    errno = ENAMETOOLONG;
    *syscall = "open";
    return -1;
  }
  int out = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (out < 0) {
    *syscall = "open";
    return -1;
  }
  const char *failed_at = NULL;
  for (long long off = 0; off < n;) {
    ssize_t w = write(out, buf + off, (size_t)(n - off));
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) {
      failed_at = "write";
      break;
    }
    off += w;
  }
  if (!failed_at && (umask_bits & mode) != 0 && fchmod(out, mode) != 0) failed_at = "fchmod";
  int e = errno;
  if (close(out) != 0 && !failed_at) {
    failed_at = "write";
    e = errno;
  }
  if (!failed_at && (fetching ? rename_noreplace(dfd, tmp, name) : renameat(dfd, tmp, dfd, name)) != 0) {
    if (fetching && errno == EEXIST) {
      unlinkat(dfd, tmp, 0);
      return THERE;
    }
    failed_at = "rename";
    e = errno;
  }
  if (failed_at) {
    unlinkat(dfd, tmp, 0);
    errno = e;
    *syscall = failed_at;
    return -1;
  }
  return STORED;
}

/* One object: STORED, ABSENT or CORRUPT (see the header), or -1 (errno, *syscall set). */
static int copy_one(const struct job *j, char *buf, const char **syscall) {
  const char *name = j->hash + 2; /* in its fan-out directory, both sides */
  long long n;
  mode_t src_mode;
  int r = read_src(name, j, buf, &n, &src_mode, syscall);
  if (r != STORED) return r;
  int exec = (src_mode & 0100) != 0;
  if (fetching) {
    unsigned char md[32];
    if (memcmp(sha256((const unsigned char *)buf, (size_t)n, md), j->digest, 32) != 0) return CORRUPT;
    exec = j->exec == '1';
  }
  return write_dest(j, name, buf, n, exec ? 0555 : 0444, syscall);
}

/* The next chunk for thread T: [*lo, *hi); 0 when there is none (or the copy is stopping). */
static int next_chunk(int t, long *lo, long *hi) {
  pthread_mutex_lock(&mu);
  int ok = !stopping && !failed && front < back;
  if (ok) {
    if (t % 2 == 0) {
      *lo = front;
      *hi = front + CHUNK < back ? front + CHUNK : back;
      front = *hi;
    } else {
      *hi = back;
      *lo = back - CHUNK > front ? back - CHUNK : front;
      back = *lo;
    }
  }
  pthread_mutex_unlock(&mu);
  return ok;
}

static void *worker(void *arg) {
  int t = (int)(long)arg;
  char *buf = malloc(MAX_SIZE);
  if (!buf) die("out of memory");
  char line[64 * (CHUNK + 2)];
  long lo, hi;
  while (next_chunk(t, &lo, &hi)) {
    size_t len = 0;
    long i = lo;
    for (; i < hi; i++) {
      const char *syscall = "";
      int r = copy_one(&jobs[i], buf, &syscall);
      if (r < 0) {
        int e = errno;
        int opened_src = strcmp(syscall, "open-src") == 0;
        char side = opened_src || strcmp(syscall, "read") == 0 || strcmp(syscall, "fstat") == 0 ? 's' : 'd';
        len += (size_t)snprintf(line + len, sizeof line - len, "C %ld %ld\nE %ld %d %s %c\n", lo, i, i, e,
                                opened_src ? "open" : syscall, side);
        pthread_mutex_lock(&mu);
        failed = 1;
        pthread_mutex_unlock(&mu);
        break;
      }
      if (r != STORED) len += (size_t)snprintf(line + len, sizeof line - len, "%ld %d\n", i, r);
    }
    if (i == hi) len += (size_t)snprintf(line + len, sizeof line - len, "C %ld %ld\n", lo, hi);
    pthread_mutex_lock(&mu);
    emit(line, len);
    pthread_mutex_unlock(&mu);
  }
  free(buf);
  return NULL;
}

static int hexval(char c) {
  return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* All of stdin, NUL-terminated. */
static char *read_all(size_t *len) {
  size_t cap = 1 << 20, n = 0;
  char *b = malloc(cap + 1);
  if (!b) die("out of memory");
  for (;;) {
    if (n == cap) {
      cap *= 2;
      b = realloc(b, cap + 1);
      if (!b) die("out of memory");
    }
    ssize_t r = read(0, b + n, cap - n);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) die("reading the records");
    if (r == 0) break;
    n += (size_t)r;
  }
  b[n] = 0;
  *len = n;
  return b;
}

int main(int argc, char **argv) {
  if (argc != 7 || (strcmp(argv[1], "push") != 0 && strcmp(argv[1], "fetch") != 0) || argv[5][0] != '/' || argv[6][0] != '/') {
    fprintf(stderr, "usage: repro-dircopy push|fetch THREADS STALE_SECONDS TAG SRCDIR DESTDIR\n");
    return 3;
  }
  fetching = strcmp(argv[1], "fetch") == 0;
  srcdir = argv[5];
  destdir = argv[6];
  argv++;
  int threads = atoi(argv[1]);
  if (threads < 1) threads = 1;
  if (threads > MAX_THREADS) threads = MAX_THREADS;
  stale_seconds = atoll(argv[2]);
  tag = argv[3];
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sa.sa_flags = SA_RESTART; /* a stop is a flag the threads read: no call of theirs should fail with EINTR */
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  /* Past a file-size limit a write fails with EFBIG, reported, its temp file removed; Node starts
   * children with every signal at its default, which for SIGXFSZ would kill this mid-object. */
  signal(SIGXFSZ, SIG_IGN);
  umask_bits = umask(0);
  umask(umask_bits);
  if (fetching) load_sha256();

  size_t len;
  char *in = read_all(&len);
  size_t cap = 1024;
  jobs = malloc(cap * sizeof *jobs);
  if (!jobs) die("out of memory");
  int fields = fetching ? 3 : 2;
  for (size_t off = 0; off < len;) {
    const char *f[3];
    for (int k = 0; k < fields; k++) {
      f[k] = in + off;
      char *z = memchr(in + off, 0, len - off);
      if (!z) {
        fprintf(stderr, "repro-dircopy: a record is cut short\n");
        return 3;
      }
      off = (size_t)(z - in) + 1;
    }
    char *end;
    long long size = strtoll(f[1], &end, 10);
    int bad = !(*f[1] >= '0' && *f[1] <= '9') || *end || size < 0 || size > MAX_SIZE || strlen(f[0]) != 64;
    struct job j = {f[0], size, {0}, '0'};
    for (int k = 0; k < 32 && !bad; k++) {
      int hi = hexval(f[0][2 * k]), lo = hexval(f[0][2 * k + 1]);
      if (hi < 0 || lo < 0) bad = 1;
      else j.digest[k] = (unsigned char)(hi << 4 | lo);
    }
    if (fetching) {
      bad = bad || (strcmp(f[2], "0") != 0 && strcmp(f[2], "1") != 0);
      j.exec = f[2][0];
    }
    if (bad) {
      fprintf(stderr, "repro-dircopy: record %ld is not %s\n", njobs, fetching ? "HASH SIZE EXEC" : "HASH SIZE");
      return 3;
    }
    if ((size_t)njobs == cap) {
      cap *= 2;
      jobs = realloc(jobs, cap * sizeof *jobs);
      if (!jobs) die("out of memory");
    }
    jobs[njobs++] = j;
  }
  front = 0;
  back = njobs;
  for (int f = 0; f < 256; f++) {
    srcfd[f] = destfd[f] = -1;
    pthread_mutex_init(&fanmu[f], NULL);
  }

  pthread_t tids[MAX_THREADS];
  int started = 0;
  for (int t = 1; t < threads; t++)
    if (pthread_create(&tids[started], NULL, worker, (void *)(long)t) == 0) started++;
  worker((void *)0L);
  for (int t = 0; t < started; t++) pthread_join(tids[t], NULL);
  if (failed) return 1;
  return stopping && front < back ? 2 : 0;
}
