/*
 * repro-spawner: starts stage shells for repro, so that the Node.js process does not fork itself.
 *
 * Why: forking a 70 MB Node process and wiring two pipes through libuv costs ~1.5 ms of CPU per
 * stage (page tables, stream objects, thread-pool round trips); forking this program costs a tenth
 * of that. On the 200-stage bench that was the largest part of repro's own time. The Node side
 * (src/exec/spawner.ts) falls back to child_process.spawn when this binary is absent.
 *
 * Protocol. Requests on stdin are NUL-terminated fields:
 *   "E" nenv env[0..nenv)              set the base environment ("K=V" each) for later jobs
 *   "J" id cwd nenv env[0..nenv) cmd   run `/bin/sh -c cmd` in cwd, stdin from /dev/null, in a new
 *                                      session (so it leads its own process group, pgid = pid),
 *                                      stdout and stderr to two pipes; its environment is the
 *                                      base with env applied: "K=V" sets K, a bare "K" unsets it
 *   "C" id                             stop reading the job's pipes (a daemon still holds them)
 *   "L" n                              run at most n shells at once (0: no limit, the default);
 *                                      later jobs wait in a queue, in arrival order, and start
 *                                      the moment a shell is reaped: no round trip through repro
 *   "Q" id                             drop the job if it is still queued (replies "N id")
 * Replies on stdout are lines, the "O" line followed by its bytes:
 *   "S id pid"           started
 *   "F id errno"         could not start (pipe or fork failed); no X or Z follows
 *   "N id"               dropped from the queue by Q; no X or Z follows
 *   "O id stream len"    len bytes of output; stream 1 = stdout, 2 = stderr
 *   "X id code signal left"  the shell was reaped: code is -1 when it died of signal (a number);
 *                        left is 1 when processes of its group remain (kill(-pid, 0) succeeds)
 *   "Z id"               both pipes are closed (end of output, or after C)
 * A job is done once both X and Z came. End of stdin (repro exited, even by SIGKILL) ends this
 * program: it first terminates the process group of every job not yet done (SIGTERM, SIGKILL
 * after 3 s), so no stage outlives repro, and drops the queue.
 * A chdir or exec failure is an F reply where posix_spawn reports it (glibc); after fork() the
 * child writes it to its stderr and exits 127.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct job {
  long id;
  pid_t pid;  /* 0 once reaped */
  int fd[2];  /* stdout, stderr read ends; -1 once closed */
  pid_t pgid; /* the shell's process group (= its pid), kept after the reap while it has
                 members; 0 once it had none (its id may since name someone else's group) */
};

static struct job *jobs;
static size_t njobs, capjobs;
static size_t running; /* jobs whose shell is not reaped yet */
static long limit;     /* most shells at once; 0: no limit */

/* A job waiting for a slot: one malloc'd block holds the env array and every string. */
struct pending {
  long id;
  char *cwd, *cmd;
  char **env;
};
static struct pending *queue;
static size_t nqueue, capqueue;
static int wake[2]; /* SIGCHLD self-pipe */
static void die(const char *what);
static char **base;  /* "K=V" strings, owned */
static size_t nbase;

static size_t keylen(const char *kv) {
  const char *eq = strchr(kv, '=');
  return eq ? (size_t)(eq - kv) : strlen(kv);
}

static void set_base(char **kv, size_t n) {
  for (size_t i = 0; i < nbase; i++) free(base[i]);
  free(base);
  base = malloc((n + 1) * sizeof *base);
  if (!base) die("malloc");
  for (size_t i = 0; i < n; i++)
    if (!(base[i] = strdup(kv[i]))) die("strdup");
  nbase = n;
}

/* The base with the overrides applied; the strings are borrowed. Free the array only. */
static char **job_env(char **over, size_t n) {
  char **env = malloc((nbase + n + 1) * sizeof *env);
  if (!env) die("malloc");
  size_t m = 0;
  for (size_t i = 0; i < nbase; i++) env[m++] = base[i];
  for (size_t k = 0; k < n; k++) {
    size_t kl = keylen(over[k]);
    size_t i = 0;
    while (i < m && !(keylen(env[i]) == kl && strncmp(env[i], over[k], kl) == 0)) i++;
    int set = over[k][kl] == '=';
    if (i < m) {
      if (set) env[i] = over[k];
      else env[i] = env[--m];
    } else if (set) {
      env[m++] = over[k];
    }
  }
  env[m] = NULL;
  return env;
}

static void die(const char *what) {
  fprintf(stderr, "repro-spawner: %s: %s\n", what, strerror(errno));
  exit(2);
}

static void abandon(void);

static void write_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      abandon(); /* repro went away: nothing left to report to */
    }
    p += w;
    n -= (size_t)w;
  }
}

/* Replies are gathered and written once per loop turn: an exit usually brings X and Z
 * together, and one write wakes repro once. */
static char *obuf;
static size_t olen, ocap;

static void out(const char *p, size_t n) {
  if (olen + n > ocap) {
    while (olen + n > ocap) ocap = ocap ? ocap * 2 : 1 << 16;
    obuf = realloc(obuf, ocap);
    if (!obuf) {
      fprintf(stderr, "repro-spawner: out of memory\n");
      exit(2);
    }
  }
  memcpy(obuf + olen, p, n);
  olen += n;
}

static void flush(void) {
  write_all(1, obuf, olen);
  olen = 0;
}

static void reply(const char *fmt, long a, long b, long c) {
  char line[96];
  int n = snprintf(line, sizeof line, fmt, a, b, c);
  out(line, (size_t)n);
}

/* pipe2() is not on macOS: pipe + FD_CLOEXEC, which is safe here (one thread). */
static int cloexec_pipe(int p[2], int nonblock) {
  if (pipe(p) != 0) return -1;
  for (int i = 0; i < 2; i++) {
    fcntl(p[i], F_SETFD, FD_CLOEXEC);
    if (nonblock) fcntl(p[i], F_SETFL, O_NONBLOCK);
  }
  return 0;
}

static void on_chld(int sig) {
  (void)sig;
  int e = errno;
  if (write(wake[1], "c", 1) < 0) { /* pipe full: a wake-up is pending anyway */ }
  errno = e;
}

static struct job *find(long id) {
  for (size_t i = 0; i < njobs; i++)
    if (jobs[i].id == id) return &jobs[i];
  return NULL;
}

static void forget_if_done(struct job *j) {
  if (j->pid != 0 || j->fd[0] >= 0 || j->fd[1] >= 0) return;
  *j = jobs[--njobs];
}

static void close_stream(struct job *j, int s) {
  if (j->fd[s] < 0) return;
  close(j->fd[s]);
  j->fd[s] = -1;
  if (j->fd[0] < 0 && j->fd[1] < 0) reply("Z %ld\n", j->id, 0, 0);
}

static void child(const char *cwd, char **env, const char *cmd, int out[2], int err[2]) __attribute__((unused));
static void child(const char *cwd, char **env, const char *cmd, int out[2], int err[2]) {
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  signal(SIGCHLD, SIG_DFL);
  signal(SIGPIPE, SIG_DFL);
  setsid();
  int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (devnull >= 0 && devnull != 0) dup2(devnull, 0);
  dup2(out[1], 1);
  dup2(err[1], 2);
  if (chdir(cwd) != 0) {
    dprintf(2, "repro: cannot enter '%s': %s\n", cwd, strerror(errno));
    _exit(127);
  }
  char *argv[] = {"sh", "-c", (char *)cmd, NULL};
  execve("/bin/sh", argv, env);
  dprintf(2, "repro: cannot run /bin/sh: %s\n", strerror(errno));
  _exit(127);
}

#if defined(__GLIBC__) && defined(POSIX_SPAWN_SETSID) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 29))
#define HAVE_SPAWN 1
/* glibc's posix_spawn clones with CLONE_VM|CLONE_VFORK: no page tables to copy and no
 * copy-on-write faults before the exec, ~0.1 ms less per stage than fork(). Same child setup as
 * child(); a failing chdir or exec comes back as the return value. */
static pid_t spawn_shell(const char *cwd, char **env, const char *cmd, int out[2], int err[2], int *error) {
  posix_spawnattr_t attr;
  posix_spawn_file_actions_t fa;
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err[1], 2);
  posix_spawn_file_actions_addchdir_np(&fa, cwd);
  char *argv[] = {"sh", "-c", (char *)cmd, NULL};
  pid_t pid = -1;
  *error = posix_spawn(&pid, "/bin/sh", &fa, &attr, argv, env);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  return *error == 0 ? pid : -1;
}
#endif

static void start(long id, const char *cwd, char **env, const char *cmd) {
  int out[2], err[2];
  if (cloexec_pipe(out, 0) != 0) {
    reply("F %ld %ld\n", id, errno, 0);
    return;
  }
  if (cloexec_pipe(err, 0) != 0) {
    reply("F %ld %ld\n", id, errno, 0);
    close(out[0]);
    close(out[1]);
    return;
  }
  /* SIGCHLD stays blocked until the job is in the table, so its X cannot come before its S. */
  sigset_t chld, old;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld, &old);
#ifdef HAVE_SPAWN
  int fe = 0;
  pid_t pid = spawn_shell(cwd, env, cmd, out, err, &fe);
#else
  pid_t pid = fork();
  if (pid == 0) child(cwd, env, cmd, out, err);
  int fe = errno;
#endif
  close(out[1]);
  close(err[1]);
  if (pid < 0) {
    close(out[0]);
    close(err[0]);
    sigprocmask(SIG_SETMASK, &old, NULL);
    reply("F %ld %ld\n", id, fe, 0);
    return;
  }
  fcntl(out[0], F_SETFL, O_NONBLOCK);
  fcntl(err[0], F_SETFL, O_NONBLOCK);
  if (njobs == capjobs) {
    capjobs = capjobs ? capjobs * 2 : 16;
    jobs = realloc(jobs, capjobs * sizeof *jobs);
    if (!jobs) die("realloc");
  }
  jobs[njobs++] = (struct job){id, pid, {out[0], err[0]}, pid};
  running++;
  reply("S %ld %ld\n", id, pid, 0);
  sigprocmask(SIG_SETMASK, &old, NULL);
}

static struct pending pack(long id, const char *cwd, char **env, const char *cmd) {
  size_t n = 0, bytes = strlen(cwd) + 1 + strlen(cmd) + 1;
  while (env[n]) bytes += strlen(env[n++]) + 1;
  char **arr = malloc((n + 1) * sizeof *arr + bytes);
  if (!arr) die("malloc");
  char *p = (char *)(arr + n + 1);
  for (size_t i = 0; i < n; i++) {
    size_t l = strlen(env[i]) + 1;
    memcpy(p, env[i], l);
    arr[i] = p;
    p += l;
  }
  arr[n] = NULL;
  struct pending q = {id, p, NULL, arr};
  size_t l = strlen(cwd) + 1;
  memcpy(p, cwd, l);
  q.cmd = p + l;
  memcpy(q.cmd, cmd, strlen(cmd) + 1);
  return q;
}

static int slot_free(void) { return limit <= 0 || running < (size_t)limit; }

static void submit(long id, const char *cwd, char **env, const char *cmd) {
  if (nqueue == 0 && slot_free()) {
    start(id, cwd, env, cmd);
    return;
  }
  if (nqueue == capqueue) {
    capqueue = capqueue ? capqueue * 2 : 64;
    queue = realloc(queue, capqueue * sizeof *queue);
    if (!queue) die("realloc");
  }
  queue[nqueue++] = pack(id, cwd, env, cmd);
}

static void drain_queue(void) {
  while (nqueue > 0 && slot_free()) {
    struct pending q = queue[0];
    memmove(queue, queue + 1, --nqueue * sizeof *queue);
    start(q.id, q.cwd, q.env, q.cmd);
    free(q.env);
  }
}

static void unqueue(long id) {
  for (size_t i = 0; i < nqueue; i++) {
    if (queue[i].id != id) continue;
    free(queue[i].env);
    memmove(queue + i, queue + i + 1, (nqueue - i - 1) * sizeof *queue);
    nqueue--;
    reply("N %ld\n", id, 0, 0);
    return;
  }
}

static void reap(void) {
  int status;
  pid_t pid;
  while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
    for (size_t i = 0; i < njobs; i++) {
      struct job *j = &jobs[i];
      if (j->pid != pid) continue;
      j->pid = 0;
      running--;
      int left = kill(-pid, 0) == 0 ? 1 : 0;
      /* An empty group is gone for good, and its id may be handed out again: nothing to end. */
      if (!left) j->pgid = 0;
      char line[96];
      int n = WIFSIGNALED(status) ? snprintf(line, sizeof line, "X %ld -1 %d %d\n", j->id, WTERMSIG(status), left)
                                  : snprintf(line, sizeof line, "X %ld %d 0 %d\n", j->id, WEXITSTATUS(status), left);
      out(line, (size_t)n);
      forget_if_done(j);
      break;
    }
  }
  drain_queue();
}

static void pump(struct job *j, int s) {
  static char buf[65536];
  ssize_t n = read(j->fd[s], buf, sizeof buf);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (n <= 0) {
    close_stream(j, s);
    forget_if_done(j);
    return;
  }
  char head[64];
  int h = snprintf(head, sizeof head, "O %ld %d %ld\n", j->id, s + 1, (long)n);
  out(head, (size_t)h);
  out(buf, (size_t)n);
}

/* Requests: parse every complete one at the start of buf; returns the bytes consumed. */
static size_t handle(char *buf, size_t len) {
  size_t used = 0;
  for (;;) {
    char *fields[4096];
    size_t nf = 0, need = 2, pos = used;
    while (nf < need) {
      char *z = memchr(buf + pos, 0, len - pos);
      if (!z) return used;
      if (nf == sizeof fields / sizeof fields[0]) {
        errno = E2BIG;
        die("request too large");
      }
      fields[nf++] = buf + pos;
      pos = (size_t)(z - buf) + 1;
      if (nf == 1 && fields[0][0] == 'J') need = 4;
      if (nf == 2 && fields[0][0] == 'E') {
        long n = atol(fields[1]);
        if (n < 0 || n > 4000) {
          errno = EINVAL;
          die("bad request");
        }
        need = 2 + (size_t)n;
      }
      if (fields[0][0] == 'J' && nf == 4) {
        long nenv = atol(fields[3]);
        if (nenv < 0 || nenv > 4000) {
          errno = EINVAL;
          die("bad request");
        }
        need = 5 + (size_t)nenv;
      }
    }
    long id = atol(fields[1]);
    if (fields[0][0] == 'E') {
      set_base(fields + 2, need - 2);
    } else if (fields[0][0] == 'J' && need >= 5) {
      char **env = job_env(fields + 4, need - 5);
      submit(id, fields[2], env, fields[need - 1]);
      free(env);
    } else if (fields[0][0] == 'L') {
      limit = id;
      drain_queue();
    } else if (fields[0][0] == 'Q') {
      unqueue(id);
    } else if (fields[0][0] == 'C') {
      struct job *j = find(id);
      if (j) {
        close_stream(j, 0);
        close_stream(j, 1);
        forget_if_done(j);
      }
    }
    used = pos;
  }
}

/* True while a process of group `pgid` exists (zombies of our own children are reaped first). */
static int group_exists(pid_t pgid) {
  while (waitpid(-1, NULL, WNOHANG) > 0) {}
  return kill(-pgid, 0) == 0;
}

/* repro is gone: whatever it started must not outlive it. SIGTERM the group of every job not yet
 * done, wait up to 3 s for them to go (a group of orphaned zombies nobody reaps counts as alive,
 * hence the bound), SIGKILL what is left, and exit. Queued jobs never start. */
static void abandon(void) {
  /* A reaped shell's pid held by a process now is a later process's: the kernel hands out no
   * pid still in use as a group id, so the group the shell led is gone and this id is not ours. */
  for (size_t i = 0; i < njobs; i++)
    if (jobs[i].pid == 0 && jobs[i].pgid > 0 && (kill(jobs[i].pgid, 0) == 0 || errno == EPERM)) jobs[i].pgid = 0;
  for (size_t i = 0; i < njobs; i++)
    if (jobs[i].pgid > 1) kill(-jobs[i].pgid, SIGTERM);
  for (int t = 0; t < 300; t++) {
    int alive = 0;
    for (size_t i = 0; i < njobs && !alive; i++) alive = jobs[i].pgid > 1 && group_exists(jobs[i].pgid);
    if (!alive) break;
    struct timespec ten_ms = {0, 10 * 1000 * 1000};
    nanosleep(&ten_ms, NULL);
  }
  for (size_t i = 0; i < njobs; i++)
    if (jobs[i].pgid > 1) kill(-jobs[i].pgid, SIGKILL);
  exit(0);
}

int main(void) {
  if (cloexec_pipe(wake, 1) != 0) die("pipe");
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_chld;
  sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGCHLD, &sa, NULL);
  signal(SIGPIPE, SIG_IGN); /* a write to a gone repro fails with EPIPE and we exit */

  size_t cap = 1 << 16, len = 0;
  char *in = malloc(cap);
  if (!in) die("malloc");
  struct pollfd *pfd = NULL;
  size_t cappfd = 0;
  for (;;) {
    size_t want = 2 + 2 * njobs;
    if (want > cappfd) {
      cappfd = want * 2;
      pfd = realloc(pfd, cappfd * sizeof *pfd);
      if (!pfd) die("realloc");
    }
    pfd[0] = (struct pollfd){0, POLLIN, 0};
    pfd[1] = (struct pollfd){wake[0], POLLIN, 0};
    for (size_t i = 0; i < njobs; i++)
      for (int s = 0; s < 2; s++) pfd[2 + 2 * i + s] = (struct pollfd){jobs[i].fd[s], POLLIN, 0};
    size_t n = 2 + 2 * njobs;
    if (olen) flush();
    if (poll(pfd, n, -1) < 0) {
      if (errno == EINTR) continue;
      die("poll");
    }
    if (pfd[1].revents) {
      char drain[64];
      while (read(wake[0], drain, sizeof drain) > 0) {}
      reap();
    }
    /* Output before requests: a C for a job must not drop bytes already readable. Jobs are
     * looked up by id because reap()/pump() may reorder the table. */
    long ids[n];
    int streams[n], fds[n];
    size_t nready = 0;
    for (size_t k = 2; k < n; k++) {
      if (!pfd[k].revents || pfd[k].fd < 0) continue;
      ids[nready] = jobs[(k - 2) / 2].id;
      streams[nready] = (int)((k - 2) % 2);
      fds[nready++] = pfd[k].fd;
    }
    for (size_t r = 0; r < nready; r++) {
      struct job *j = find(ids[r]);
      if (j && j->fd[streams[r]] == fds[r]) pump(j, streams[r]);
    }
    if (pfd[0].revents) {
      if (len == cap) {
        cap *= 2;
        in = realloc(in, cap);
        if (!in) die("realloc");
      }
      ssize_t got = read(0, in + len, cap - len);
      if (got == 0 || (got < 0 && errno != EINTR && errno != EAGAIN)) abandon();
      if (got > 0) {
        len += (size_t)got;
        size_t used = handle(in, len);
        memmove(in, in + used, len - used);
        len -= used;
      }
    }
  }
}
