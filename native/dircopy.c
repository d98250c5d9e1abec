/*
 * repro-dircopy: the small objects of a push to a directory remote on a local file system
 * (src/remote/dir-copy.ts), copied outside Node.
 *
 * Why: a push copies each cache object into the remote through a temp name and a rename. Done in
 * Node (worker threads, dir-pool.ts) each object costs ~8 synchronous fs calls through the
 * binding, ~20 us of JavaScript and binding per object over the system calls themselves: 10k
 * objects took ~700 ms on one thread where this loop takes ~480 ms, as long as `cp -r` of the
 * same files (docs/bench.md, "Remotes", seventh session).
 *
 * Usage: repro-dircopy THREADS STALE_SECONDS TAG
 *   THREADS        copying threads (1-16);
 *   STALE_SECONDS  a temp file in a destination directory older than this is a dead push's
 *                  leftover and is removed when the directory is first written (dir.ts's sweep);
 *   TAG            the temp names' middle: `.<name>.tmp-TAG<hex>` (TAG is `<pid>-<hex>`, the
 *                  shape dir.ts and the cache's gc recognise).
 * Input, on stdin: one record per object, `SRC \0 DEST \0 SIZE \0` (SIZE in decimal, at most
 * MAX_SIZE), read whole before the first copy. DEST's directory is made (mkdir -p) before the
 * first object goes into it.
 * Output, on stdout, as objects finish (in no set order): `I 0\n` when record I (from 0) is
 * stored under DEST, `I 1\n` when SRC is not a regular file of SIZE bytes (nothing written). On
 * the first failure: `E I ERRNO SYSCALL SIDE\n` (the numeric errno; SYSCALL one of open, read,
 * write, fchmod, rename, mkdir; SIDE `s` when SRC failed, `d` when DEST or its directory did),
 * then no new object is started, those in flight finish, and the exit status is 1. Records that
 * print nothing were not attempted. Exit 3: the helper could not start (bad arguments or
 * records, no memory): nothing was copied, and the caller copies in Node instead.
 *
 * Each object: open SRC (no symlink followed, no FIFO waited on), fstat, read it whole; open a
 * temp name beside DEST exclusively with its final mode (0444, 0555 when SRC is executable: the
 * cache's modes; an fchmod too when the umask takes bits of it), write, close, rename to DEST. A
 * failure removes the temp file: nothing half-written is left under any name, and only a process
 * killed mid-object leaves a temp file, for the sweep.
 *
 * SIGTERM or SIGINT: no new object is started; those in flight finish and print; exit 2. If the
 * parent dies the helper gets SIGTERM (PR_SET_PDEATHSIG), and a write to a closed stdout ends it.
 *
 * Threads take chunks of CHUNK records, even threads from the front and odd ones from the back
 * (the records come sorted by DEST: the threads then write into different directories).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_SIZE (1 << 20) /* dir-sync.ts SMALL_SYNC: bigger objects go through Node's copy */
#define CHUNK 64
#define MAX_THREADS 16

struct job {
  const char *src;
  const char *dest;
  long long size;
};

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

/* Directories made (and swept) so far: a push writes into at most the 256 fan-out directories. */
static char **made;
static size_t nmade, capmade;

static void on_signal(int sig) {
  (void)sig;
  stopping = 1;
}

static void die(const char *what) {
  fprintf(stderr, "repro-dircopy: %s: %s\n", what, strerror(errno));
  exit(3);
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

/* mkdir -p of PATH (absolute, no trailing '/'); 0, or -1 with errno. */
static int mkdirs(char *path) {
  if (mkdir(path, 0777) == 0 || errno == EEXIST) return 0;
  if (errno != ENOENT) return -1;
  char *slash = strrchr(path, '/');
  if (!slash || slash == path) return -1;
  *slash = 0;
  int r = mkdirs(path);
  *slash = '/';
  if (r != 0) return -1;
  return mkdir(path, 0777) == 0 || errno == EEXIST ? 0 : -1;
}

/* Make DIR and sweep it, once per process; 0, or -1 with errno. */
static int ensure_dir(char *dir) {
  pthread_mutex_lock(&mu);
  for (size_t i = 0; i < nmade; i++)
    if (strcmp(made[i], dir) == 0) {
      pthread_mutex_unlock(&mu);
      return 0;
    }
  pthread_mutex_unlock(&mu);
  if (mkdirs(dir) != 0) return -1;
  sweep(dir);
  pthread_mutex_lock(&mu);
  if (nmade == capmade) {
    capmade = capmade ? capmade * 2 : 256;
    made = realloc(made, capmade * sizeof *made);
    if (!made) die("out of memory");
  }
  made[nmade] = strdup(dir);
  if (!made[nmade]) die("out of memory");
  nmade++;
  pthread_mutex_unlock(&mu);
  return 0;
}

/* One object: 0 stored, 1 not a regular file of its size, -1 failed (errno, *syscall set). */
static int copy_one(const struct job *j, char *buf, const char **syscall) {
  int in = open(j->src, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (in < 0) {
    if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP) return 1;
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
  if (!S_ISREG(st.st_mode) || st.st_size != j->size) {
    close(in);
    return 1;
  }
  long long n = 0;
  while (n < j->size) {
    ssize_t r = pread(in, buf + n, (size_t)(j->size - n), n);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      int e = errno;
      close(in);
      errno = e;
      *syscall = "read";
      return -1;
    }
    if (r == 0) break;
    n += r;
  }
  close(in);
  if (n != j->size) return 1;
  mode_t mode = (st.st_mode & 0100) ? 0555 : 0444;

  char tmp[PATH_MAX + 64];
  const char *slash = strrchr(j->dest, '/');
  size_t dirlen = (size_t)(slash - j->dest);
  if (dirlen >= PATH_MAX) {
    errno = ENAMETOOLONG;
    *syscall = "mkdir";
    return -1;
  }
  memcpy(tmp, j->dest, dirlen);
  tmp[dirlen] = 0;
  if (ensure_dir(tmp) != 0) {
    *syscall = "mkdir";
    return -1;
  }
  pthread_mutex_lock(&mu);
  unsigned long c = counter++;
  pthread_mutex_unlock(&mu);
  int len = snprintf(tmp + dirlen, sizeof tmp - dirlen, "/.%s.tmp-%s%lx", slash + 1, tag, c);
  if (len < 0 || (size_t)len >= sizeof tmp - dirlen) {
    errno = ENAMETOOLONG;
    *syscall = "open";
    return -1;
  }
  int out = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
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
  if (!failed_at && rename(tmp, j->dest) != 0) {
    failed_at = "rename";
    e = errno;
  }
  if (failed_at) {
    unlink(tmp);
    errno = e;
    *syscall = failed_at;
    return -1;
  }
  return 0;
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
  char line[64 * (CHUNK + 1)];
  long lo, hi;
  while (next_chunk(t, &lo, &hi)) {
    size_t len = 0;
    for (long i = lo; i < hi; i++) {
      const char *syscall = "";
      int r = copy_one(&jobs[i], buf, &syscall);
      if (r < 0) {
        int e = errno;
        int opened_src = strcmp(syscall, "open-src") == 0;
        char side = opened_src || strcmp(syscall, "read") == 0 || strcmp(syscall, "fstat") == 0 ? 's' : 'd';
        len += (size_t)snprintf(line + len, sizeof line - len, "E %ld %d %s %c\n", i, e, opened_src ? "open" : syscall, side);
        pthread_mutex_lock(&mu);
        failed = 1;
        pthread_mutex_unlock(&mu);
        break;
      }
      len += (size_t)snprintf(line + len, sizeof line - len, "%ld %d\n", i, r);
    }
    pthread_mutex_lock(&mu);
    emit(line, len);
    pthread_mutex_unlock(&mu);
  }
  free(buf);
  return NULL;
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
  if (argc != 4) {
    fprintf(stderr, "usage: repro-dircopy THREADS STALE_SECONDS TAG\n");
    return 3;
  }
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

  size_t len;
  char *in = read_all(&len);
  size_t cap = 1024;
  jobs = malloc(cap * sizeof *jobs);
  if (!jobs) die("out of memory");
  for (size_t off = 0; off < len;) {
    const char *f[3];
    for (int k = 0; k < 3; k++) {
      f[k] = in + off;
      char *z = memchr(in + off, 0, len - off);
      if (!z) {
        fprintf(stderr, "repro-dircopy: a record is cut short\n");
        return 3;
      }
      off = (size_t)(z - in) + 1;
    }
    char *end;
    long long size = strtoll(f[2], &end, 10);
    if (*end || size < 0 || size > MAX_SIZE || f[0][0] != '/' || f[1][0] != '/' || !strrchr(f[1], '/')[1]) {
      fprintf(stderr, "repro-dircopy: record %ld is not SRC DEST SIZE\n", njobs);
      return 3;
    }
    if ((size_t)njobs == cap) {
      cap *= 2;
      jobs = realloc(jobs, cap * sizeof *jobs);
      if (!jobs) die("out of memory");
    }
    jobs[njobs++] = (struct job){f[0], f[1], size};
  }
  front = 0;
  back = njobs;

  pthread_t tids[MAX_THREADS];
  int started = 0;
  for (int t = 1; t < threads; t++)
    if (pthread_create(&tids[started], NULL, worker, (void *)(long)t) == 0) started++;
  worker((void *)0L);
  for (int t = 0; t < started; t++) pthread_join(tids[t], NULL);
  if (failed) return 1;
  return stopping && front < back ? 2 : 0;
}
