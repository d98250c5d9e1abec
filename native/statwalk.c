/*
 * repro-statwalk: the stat walk of a directory signature check (src/cache/dirsig.ts), outside Node.
 *
 * Why: a no-op `repro status` of a 100k-file directory output is one readdir per directory and one
 * lstat per file, nothing else; in Node each lstat builds a Stats object with four Dates (~3.5 us a
 * file, most of the status), here it is a syscall into a reused struct (~1 us).
 *
 * Usage: repro-statwalk ROOT [ALLOWED...]
 *   ROOT     the directory to walk (absolute);
 *   ALLOWED  real paths, each ending in '/', that a symlink in ROOT may resolve into besides ROOT
 *            itself (the cache's object store), as WalkOptions.allowedTargets.
 * Output, on stdout: for each file, in manifest order, exactly the bytes SigBuilder.add (dirsig.ts)
 * hashes for it in a Node walk (walk.ts):
 *   REL \0 INO " " floor(MTIME_MS) " " floor(CTIME_MS) " " SIZE \0 MODE ["L"] \n
 * where the numbers are printed as JavaScript prints the Stats fields (statcache.ts fileStat),
 * MODE is 493 with the owner's exec bit, else 420 (context.ts modeOf), and a symlink's fields are
 * its target's, marked "L". On success (exit 0) stderr holds the file count alone.
 *
 * Anything this program cannot reproduce byte for byte, or that the Node walk would refuse or
 * treat specially, exits 3 with a reason on stderr, and the caller runs the Node walk instead, which
 * gives the answer (or the error) it always gave: a name that is not well-formed UTF-8, a symlink
 * that is dangling, leads elsewhere or names a directory, a special file, an unreadable directory,
 * an inode beyond 2^53. Only "the signature matches" is ever concluded from this output, so a byte
 * that differs from the Node walk's costs a full walk, never a wrong answer.
 *
 * Order: names sorted with '/' appended to directories, compared as JavaScript compares strings
 * (UTF-16 code units): byte order of UTF-8, except that a character from U+10000 up (a surrogate
 * pair, 0xD8xx first) sorts before U+E000..U+FFFF.
 * A directory is opened relative to its parent (openat), so no path is rebuilt but the relative
 * one printed; an entry that vanished between readdir and lstat is skipped, as in the Node walk.
 * With more than one CPU, a second thread takes half the lstats of each big directory
 * (REPRO_STATWALK_ONE_THREAD=1 keeps to one); the output does not depend on it.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FALLBACK 3
#define MAX_DEPTH 512

static char out[1 << 18];
static size_t outlen;
static char rel[PATH_MAX * 4]; /* below sizeof out, see put() */
static char root[PATH_MAX];
static char realroot[PATH_MAX + 1];
static char **allowed;
static int nallowed;
static unsigned long long nfiles;

static void flush_out(void) {
  size_t off = 0;
  while (off < outlen) {
    ssize_t w = write(1, out + off, outlen - off);
    if (w < 0) {
      if (errno == EINTR) continue;
      exit(2);
    }
    off += (size_t)w;
  }
  outlen = 0;
}

/* n is always below sizeof out: a record is a relative path (< sizeof rel) and a few numbers. */
static void put(const char *s, size_t n) {
  if (outlen + n > sizeof out) flush_out();
  memcpy(out + outlen, s, n);
  outlen += n;
}

static void fallback(const char *why, const char *what) {
  fprintf(stderr, "%s: %s\n", why, what);
  exit(FALLBACK);
}

/* True when s[0..n) is UTF-8 that Node decodes and re-encodes to the same bytes. */
static int well_formed(const unsigned char *s, size_t n) {
  for (size_t i = 0; i < n;) {
    unsigned c = s[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    size_t len;
    unsigned cp, min;
    if (c >= 0xC2 && c <= 0xDF) len = 2, cp = c & 0x1F, min = 0x80;
    else if (c >= 0xE0 && c <= 0xEF) len = 3, cp = c & 0x0F, min = 0x800;
    else if (c >= 0xF0 && c <= 0xF4) len = 4, cp = c & 0x07, min = 0x10000;
    else return 0;
    if (i + len > n) return 0;
    for (size_t k = 1; k < len; k++) {
      if ((s[i + k] & 0xC0) != 0x80) return 0;
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    i += len;
  }
  return 1;
}

struct ent {
  char *name; /* with '/' appended for a directory: the sort key */
  size_t len; /* of the name without the '/' */
  struct stat st;
  int err; /* of the lstat */
};

/* JavaScript's string order on well-formed UTF-8 (see the header). */
static int js_cmp(const void *pa, const void *pb) {
  const unsigned char *a = (const unsigned char *)(*(struct ent *const *)pa)->name;
  const unsigned char *b = (const unsigned char *)(*(struct ent *const *)pb)->name;
  size_t i = 0;
  while (a[i] && a[i] == b[i]) i++;
  unsigned x = a[i], y = b[i];
  /* Both lead bytes here (the prefixes are equal, so at the same offset in a character). */
  int xa = x == 0xEE || x == 0xEF, ya = y == 0xEE || y == 0xEF;
  int xs = x >= 0xF0, ys = y >= 0xF0;
  if ((xa && ys) || (xs && ya)) return xs ? -1 : 1;
  return x < y ? -1 : x > y ? 1 : 0;
}

static void put_num(long long v, char sep) {
  char buf[32];
  int n = snprintf(buf, sizeof buf, "%lld", v);
  buf[n++] = sep;
  put(buf, (size_t)n);
}

/* Math.floor(sec * 1000 + nsec / 1e6), in the same double arithmetic as Node's Stats. */
static long long floor_ms(const struct timespec *t) {
  double ms = (double)t->tv_sec * 1000.0 + (double)t->tv_nsec / 1000000.0;
  long long v = (long long)ms; /* toward zero: one less for a negative fraction */
  return (double)v > ms ? v - 1 : v;
}

static void emit(size_t rellen, const struct stat *st, int is_link) {
  if ((unsigned long long)st->st_ino > (1ULL << 53)) fallback("inode beyond 2^53", rel);
  put(rel, rellen);
  put("", 1);
  put_num((long long)st->st_ino, ' ');
  put_num(floor_ms(&st->st_mtim), ' ');
  put_num(floor_ms(&st->st_ctim), ' ');
  put_num((long long)st->st_size, '\0');
  put(st->st_mode & 0100 ? "493" : "420", 3);
  if (is_link) put("L", 1);
  put("\n", 1);
  nfiles++;
}

static int inside(const char *real) {
  size_t n = strlen(realroot);
  if (strncmp(real, realroot, n) == 0) return 1;
  for (int i = 0; i < nallowed; i++)
    if (strncmp(real, allowed[i], strlen(allowed[i])) == 0) return 1;
  return 0;
}

/* A symlink the Node walk accepts (walk.ts resolveLink): its target's stat; else falls back. */
static void link_target(size_t rellen, struct stat *st) {
  char abs[PATH_MAX * 5], real[PATH_MAX];
  if ((size_t)snprintf(abs, sizeof abs, "%s/%.*s", root, (int)rellen, rel) >= sizeof abs) fallback("path too long", rel);
  if (!realpath(abs, real)) fallback("symlink does not resolve", rel);
  if (!inside(real)) fallback("symlink leads outside", rel);
  if (stat(abs, st) != 0) fallback("symlink target cannot be read", rel);
  if (!S_ISREG(st->st_mode)) fallback("symlink to a non-file", rel);
}

/*
 * The lstats of a big directory are split with a second thread (git's preload-index does the
 * same): on two cores the walk takes about half the time. Small directories stay on one thread,
 * where the hand-over would cost more than it saves.
 */
#define SPLIT_MIN 128

struct statjob {
  int dfd;
  struct ent *ents;
  size_t from, to;
};

static void stat_range(const struct statjob *j) {
  for (size_t i = j->from; i < j->to; i++) {
    struct ent *e = &j->ents[i];
    e->err = fstatat(j->dfd, e->name, &e->st, AT_SYMLINK_NOFOLLOW) == 0 ? 0 : errno;
  }
}

static pthread_t helper_thread;
static int helper_ok;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static struct statjob job;
static int job_state; /* 0 idle, 1 posted, 2 done */

static void *helper_main(void *arg) {
  (void)arg;
  for (;;) {
    pthread_mutex_lock(&mu);
    while (job_state != 1) pthread_cond_wait(&cv, &mu);
    struct statjob j = job;
    pthread_mutex_unlock(&mu);
    stat_range(&j);
    pthread_mutex_lock(&mu);
    job_state = 2;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
  }
  return NULL;
}

static void stat_all(int dfd, struct ent *ents, size_t n) {
  if (!helper_ok || n < SPLIT_MIN) {
    struct statjob all = {dfd, ents, 0, n};
    stat_range(&all);
    return;
  }
  size_t mid = n / 2;
  pthread_mutex_lock(&mu);
  job = (struct statjob){dfd, ents, mid, n};
  job_state = 1;
  pthread_cond_broadcast(&cv);
  pthread_mutex_unlock(&mu);
  struct statjob mine = {dfd, ents, 0, mid};
  stat_range(&mine);
  pthread_mutex_lock(&mu);
  while (job_state != 2) pthread_cond_wait(&cv, &mu);
  job_state = 0;
  pthread_mutex_unlock(&mu);
}

static void walk(int dfd, size_t rellen, int depth) {
  if (depth > MAX_DEPTH) fallback("too deep", rel);
  DIR *d = fdopendir(dfd);
  if (!d) fallback("cannot list", rel);
  struct ent *ents = NULL;
  size_t n = 0, cap = 0;
  struct dirent *de;
  errno = 0;
  while ((de = readdir(d)) != NULL) {
    const char *nm = de->d_name;
    if (nm[0] == '.' && (nm[1] == 0 || (nm[1] == '.' && nm[2] == 0))) continue;
    size_t len = strlen(nm);
    if (!well_formed((const unsigned char *)nm, len)) fallback("name is not UTF-8", rel);
    if (n == cap) {
      cap = cap ? cap * 2 : 64;
      ents = realloc(ents, cap * sizeof *ents);
      if (!ents) exit(2);
    }
    char *copy = malloc(len + 2); /* room for the sort key's '/' */
    if (!copy) exit(2);
    memcpy(copy, nm, len + 1);
    ents[n].name = copy;
    ents[n].len = len;
    n++;
    errno = 0;
  }
  if (errno != 0) fallback("cannot list", rel);
  stat_all(dfd, ents, n);
  /* Sorted through pointers: an entry holds a struct stat, ~150 bytes to move at each step. */
  struct ent **order = malloc((n ? n : 1) * sizeof *order);
  if (!order) exit(2);
  size_t kept = 0;
  for (size_t i = 0; i < n; i++) {
    struct ent *e = &ents[i];
    if (e->err == ENOENT) continue; /* removed since readdir */
    if (e->err != 0) fallback("cannot lstat", e->name);
    if (S_ISDIR(e->st.st_mode)) e->name[e->len] = '/', e->name[e->len + 1] = 0;
    order[kept++] = e;
  }
  qsort(order, kept, sizeof *order, js_cmp);
  for (size_t i = 0; i < kept; i++) {
    struct ent *e = order[i];
    size_t len = rellen + e->len;
    if (len + 2 >= sizeof rel) fallback("path too long", e->name);
    memcpy(rel + rellen, e->name, e->len);
    rel[len] = 0;
    if (S_ISDIR(e->st.st_mode)) {
      e->name[e->len] = 0; /* the sort key's '/' */
      int cfd = openat(dirfd(d), e->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (cfd < 0) {
        if (errno == ENOENT) continue;
        fallback("cannot open", rel);
      }
      rel[len] = '/';
      walk(cfd, len + 1, depth + 1);
    } else if (S_ISREG(e->st.st_mode)) {
      emit(len, &e->st, 0);
    } else if (S_ISLNK(e->st.st_mode)) {
      struct stat t;
      link_target(len, &t);
      emit(len, &t, 1);
    } else {
      fallback("special file", rel);
    }
  }
  for (size_t i = 0; i < n; i++) free(ents[i].name);
  free(order);
  free(ents);
  closedir(d);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: repro-statwalk ROOT [ALLOWED...]\n");
    return 2;
  }
  if (strlen(argv[1]) >= sizeof root) fallback("path too long", argv[1]);
  strcpy(root, argv[1]);
  if (!realpath(root, realroot)) fallback("root does not resolve", root);
  size_t rl = strlen(realroot);
  if (rl == 0 || realroot[rl - 1] != '/') strcat(realroot, "/");
  allowed = argv + 2;
  nallowed = argc - 2;
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  if (cpus > 1 && !getenv("REPRO_STATWALK_ONE_THREAD")) helper_ok = pthread_create(&helper_thread, NULL, helper_main, NULL) == 0;
  int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) fallback("cannot open", root);
  walk(fd, 0, 0);
  flush_out();
  fprintf(stderr, "%llu\n", nfiles);
  return 0;
}
