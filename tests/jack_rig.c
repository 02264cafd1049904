// SPDX-License-Identifier: GPL-3.0-or-later
// nftw() and its FTW_DEPTH (X/Open), with everything else glibc offers
#define _GNU_SOURCE

#include "jack_rig.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/// Most processes and clients one test starts.
#define MAX_CHILDREN 16U
#define MAX_CLIENTS 16U

/// How long a server may take to go on SIGTERM, ms.
#define SERVER_STOP_MS 5000.0

/// A process the current test started, for the teardown
typedef struct {
  pid_t          pid;      ///< Running process
  bool           server;   ///< A jackd (else a mixd)
  char           name[64]; ///< The server's name, to clean its files
  jack_client_t* watch;    ///< The server's watch client (see mxt_server_start())
} Child;

static char       rig_dir[256];           ///< Logs and sessions
static long       rig_parent;             ///< Process id of main(), in every name
static unsigned   rig_serial;             ///< Names made by this process
static Child      children[MAX_CHILDREN]; ///< Running processes of this test
static size_t     n_children;             ///< Entries of `children`
static MxtClient* clients[MAX_CLIENTS];   ///< Open clients of this test
static size_t     n_clients;              ///< Entries of `clients`
static unsigned   rig_period;             ///< Period of the servers started (0: MXT_PERIOD)
static bool       rig_realtime;           ///< Servers run with realtime scheduling (rig_begin())

// ---------------------------------------------------------------------------
// Small things

double
mxt_now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

void
mxt_poll_ms(const double ms)
{
  const struct timespec ts = { (time_t)(ms / 1e3), (long)(ms * 1e6) % 1000000000L };
  nanosleep(&ts, NULL);
}

void
mxt_rig_path(char* const buf, const size_t size, const char* const name)
{
  snprintf(buf, size, "%s/%s", rig_dir, name);
}

bool
mxt_write_file(const char* const path, const char* const text)
{
  char tmp[600];
  snprintf(tmp, sizeof(tmp), "%s.tmp", path);
  FILE* const f = fopen(tmp, "w");
  if (!f) {
    return false;
  }
  const size_t n  = strlen(text);
  const bool   ok = fwrite(text, 1U, n, f) == n;
  return (fclose(f) == 0) && ok && rename(tmp, path) == 0;
}

// The whole file as a string (free it), or NULL
static char*
slurp(const char* const path)
{
  FILE* const f = fopen(path, "rb");
  if (!f) {
    return NULL;
  }
  size_t size = 0U;
  size_t cap  = 4096U;
  char*  text = (char*)malloc(cap);
  size_t got  = 0U;
  while (text && (got = fread(text + size, 1U, cap - size - 1U, f)) > 0U) {
    size += got;
    if (cap - size - 1U == 0U) {
      char* const more = (char*)realloc(text, 2U * cap);
      if (!more) {
        free(text);
        text = NULL;
        break;
      }
      text = more;
      cap *= 2U;
    }
  }
  fclose(f);
  if (text) {
    text[size] = '\0';
  }
  return text;
}

size_t
mxt_file_count(const char* const path, const char* const needle)
{
  char* const text  = slurp(path);
  size_t      count = 0U;
  for (const char* p = text; p && (p = strstr(p, needle)) != NULL; p += strlen(needle)) {
    ++count;
  }
  free(text);
  return count;
}

// nftw() takes no user data: the search in progress (one at a time)
static const char* tree_needle;
static size_t      tree_found;

static int
count_in_entry(const char* const        path,
               const struct stat* const st,
               const int                type,
               struct FTW* const        ftw)
{
  (void)st;
  (void)ftw;
  tree_found += type == FTW_F ? mxt_file_count(path, tree_needle) : 0U;
  return 0;
}

size_t
mxt_tree_count(const char* const dir, const char* const needle)
{
  tree_needle = needle;
  tree_found  = 0U;
  nftw(dir, count_in_entry, 16, FTW_PHYS);
  return tree_found;
}

bool
mxt_file_wait(const char* const path,
              const char* const needle,
              const size_t      count,
              const double      timeout_ms)
{
  const double until = mxt_now_ms() + timeout_ms;
  while (mxt_file_count(path, needle) < count) {
    if (mxt_now_ms() > until) {
      return false;
    }
    mxt_poll_ms(10.0);
  }
  return true;
}

// libjack's complaints (no server yet, server gone) are expected here
static void
quiet_cb(const char* const message)
{
  if (getenv("MXT_VERBOSE")) {
    fprintf(stderr, "libjack: %s\n", message);
  }
}

// ---------------------------------------------------------------------------
// Processes

static Child*
add_child(const pid_t pid, const bool server, const char* const name)
{
  if (n_children == MAX_CHILDREN) {
    return NULL;
  }
  Child* const c = &children[n_children++];
  memset(c, 0, sizeof(*c));
  c->pid    = pid;
  c->server = server;
  snprintf(c->name, sizeof(c->name), "%s", name);
  return c;
}

// Take the watch client of a server (to close once it has stopped)
static jack_client_t*
take_watch(const pid_t pid)
{
  for (size_t i = 0U; i < n_children; ++i) {
    if (children[i].pid == pid) {
      jack_client_t* const watch = children[i].watch;
      children[i].watch          = NULL;
      return watch;
    }
  }
  return NULL;
}

static void
close_watch(jack_client_t* const watch)
{
  if (watch) {
    jack_client_close(watch);
  }
}

static void
drop_child(const pid_t pid)
{
  for (size_t i = 0U; i < n_children; ++i) {
    if (children[i].pid == pid) {
      children[i] = children[--n_children];
      return;
    }
  }
}

// Exit code of a wait status: the exit status, or 128 + the signal
static int
exit_code(const int status)
{
  return WIFEXITED(status)     ? WEXITSTATUS(status)
         : WIFSIGNALED(status) ? 128 + WTERMSIG(status)
                               : -1;
}

// Wait for a child to end; its exit code, or -1 after `timeout_ms` (< 0: forever)
static int
reap(const pid_t pid, const double timeout_ms)
{
  const double until = mxt_now_ms() + timeout_ms;
  for (;;) {
    int         status = 0;
    const pid_t r      = waitpid(pid, &status, timeout_ms < 0.0 ? 0 : WNOHANG);
    if (r == pid) {
      drop_child(pid);
      return exit_code(status);
    }
    if (r < 0 && errno != EINTR) {
      drop_child(pid);
      return -1;
    }
    if (timeout_ms >= 0.0 && mxt_now_ms() > until) {
      return -1;
    }
    mxt_poll_ms(5.0);
  }
}

// End a child: `sig`, then SIGKILL after `timeout_ms`; its exit code.  A
// child a test stopped (SIGSTOP, a hung server) is let go on to take it
static int
end_child(const pid_t pid, const int sig, const double timeout_ms)
{
  kill(pid, sig);
  kill(pid, SIGCONT);
  const int code = reap(pid, timeout_ms);
  if (code >= 0) {
    return code;
  }
  kill(pid, SIGKILL);
  return reap(pid, -1.0);
}

// Fork and exec `argv` with stdout and stderr to `log` (appended)
static pid_t
spawn(char* const argv[], const char* const log)
{
  // Open everything before forking: the child only calls async-signal-safe functions
  const int out = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  const int in  = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (out < 0 || in < 0) {
    if (out >= 0) {
      close(out);
    }
    if (in >= 0) {
      close(in);
    }
    return -1;
  }
  const pid_t parent = getpid();
  const pid_t pid    = fork();
  if (pid == 0) {
    // jackd makes itself a session leader, out of reach of Check's kill
    // of the test's process group: it is told to go when the test goes
    // (SIGTERM, so that it frees its slot in JACK's registry of servers)
    if (prctl(PR_SET_PDEATHSIG, SIGTERM) || getppid() != parent) {
      _exit(127);
    }
    dup2(in, STDIN_FILENO);
    dup2(out, STDOUT_FILENO);
    dup2(out, STDERR_FILENO);
    for (int fd = 3; fd < 1024; ++fd) {
      close(fd); // No JACK sockets of the test's clients in the child
    }
    execvp(argv[0], argv);
    _exit(127);
  }
  close(out);
  close(in);
  return pid;
}

// True if a file in /dev/shm is one of a server's: its sockets
// "jack_NAME_*" and semaphores "jack_sem.UID_NAME_*"; with `prefix`, of
// any server whose name starts with `name`
static bool
shm_match(const char* const file, const char* const name, const bool prefix)
{
  char own[96];
  char sem[96];
  snprintf(own, sizeof(own), "jack_%s%s", name, prefix ? "" : "_");
  snprintf(sem, sizeof(sem), "_%s%s", name, prefix ? "" : "_");
  return !strncmp(file, own, strlen(own)) || (!strncmp(file, "jack_sem.", 9U) && strstr(file, sem));
}

// Remove a server's files from /dev/shm (shm_match())
static void
clean_shm(const char* const name, const bool prefix)
{
  DIR* const dir = opendir("/dev/shm");
  if (!dir) {
    return;
  }
  const struct dirent* e = NULL;
  while ((e = readdir(dir)) != NULL) {
    if (shm_match(e->d_name, name, prefix)) {
      char path[400];
      snprintf(path, sizeof(path), "/dev/shm/%s", e->d_name);
      unlink(path);
    }
  }
  closedir(dir);
}

// Names of servers in JACK's registry of servers ("jack-UID:NAME:" in a
// binary file) that start with `prefix` (that are `prefix`, if `exact`)
static size_t
registry_names(const char* const prefix,
               const bool        exact,
               char (*const names)[64],
               const size_t max)
{
  char         registry[8192];
  size_t       size = 0U;
  FILE* const  f    = fopen("/dev/shm/jack-shm-registry", "rb");
  const size_t len  = strlen(prefix);
  if (f) {
    size = fread(registry, 1U, sizeof(registry) - 1U, f);
    fclose(f);
  }
  registry[size] = '\0';
  size_t n       = 0U;
  for (size_t i = 1U; i + len < size && n < max; ++i) {
    if (registry[i - 1U] == ':' && !memcmp(registry + i, prefix, len) &&
        (!exact || registry[i + len] == ':')) {
      const size_t end = strcspn(registry + i, ":");
      snprintf(names[n++], sizeof(names[0]), "%.*s", (int)(end < 63U ? end : 63U), registry + i);
    }
  }
  return n;
}

// ---------------------------------------------------------------------------
// The rig

static bool
on_path(const char* const program)
{
  const char* const path = getenv("PATH");
  char              dirs[4096];
  snprintf(dirs, sizeof(dirs), "%s", path ? path : "/usr/bin:/bin");
  char* save = NULL;
  for (const char* d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
    char full[4200];
    snprintf(full, sizeof(full), "%s/%s", *d ? d : ".", program);
    if (access(full, X_OK) == 0) {
      return true;
    }
  }
  return false;
}

// libjack keeps a Berkeley DB environment of metadata, one per user, in
// /dev/shm/jack_db-UID: every client open attaches to it (creating it if
// it is not there) and every jackd that exits deletes its region files.
// Test programs that run side by side, each with servers of its own, race
// on it, and a creation cut short leaves a region file of 0 bytes on
// which every later jack_client_open() dies of SIGBUS.  So the programs
// (and script tests, see script_lib.sh's jack_lock) that use JACK take
// turns, holding this lock for their whole run, and the first to hold it
// removes a broken environment (libjack makes a new one).
static int
remove_entry(const char* path, const struct stat* st, int type, struct FTW* ftw);
static void
reclaim_slots(const char* prefix);

static void
take_jack_turn(void)
{
  const char* const tmp = getenv("TMPDIR");
  char              path[512];
  snprintf(
    path, sizeof(path), "%s/mixd-tests-jack-%ld.lock", tmp && *tmp ? tmp : "/tmp", (long)getuid());
  const int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0 || flock(fd, LOCK_EX)) {
    return; // held until the program exits (the fd is never closed)
  }
  char        env[128];
  struct stat st;
  snprintf(env, sizeof(env), "/dev/shm/jack_db-%ld/__db.002", (long)getuid());
  if (!stat(env, &st) && st.st_size == 0) {
    fprintf(stderr, "test_live: removing a broken JACK metadata environment\n");
    env[strlen(env) - strlen("/__db.002")] = '\0';
    nftw(env, remove_entry, 4, FTW_DEPTH | FTW_PHYS);
  }
  // With the turn, no other test's server runs: a slot in JACK's registry
  // of servers (8 for the whole machine) that a test server holds is one
  // a crashed or killed run left, and is freed
  reclaim_slots("mxt-");
}

// True if this process may take SCHED_FIFO, as jackd --realtime does for
// its threads and its clients' (asked in a child, which then exits)
static bool
realtime_allowed(void)
{
  const pid_t child = fork();
  if (child == 0) {
    const struct sched_param param = { .sched_priority = sched_get_priority_min(SCHED_FIFO) };
    _exit(sched_setscheduler(0, SCHED_FIFO, &param) == 0 ? 0 : 1);
  }
  int status = 0;
  return child > 0 && waitpid(child, &status, 0) == child && WIFEXITED(status) &&
         WEXITSTATUS(status) == 0;
}

bool
mxt_rig_realtime(void)
{
  return rig_realtime;
}

bool
mxt_rig_begin(const char** const why)
{
  if (!on_path("jackd")) {
    *why = "jackd is not installed (Debian package jackd2; tools/install-deps installs it)";
    return false;
  }
  const char* const tmp = getenv("TMPDIR");
  snprintf(rig_dir, sizeof(rig_dir), "%s/mxt-live-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(rig_dir)) {
    *why = "cannot make a directory for the logs";
    return false;
  }
  rig_parent = (long)getpid();
  // Realtime only when asked for (MXT_REALTIME=1) and granted.  Where it
  // works it keeps a busy machine from making the servers miss cycles
  // (two busy loops beside test_live_scenes: no lost take with it, 3 of 3
  // runs failed without), but a machine may grant SCHED_FIFO and then
  // starve it: CI did, with 95 xruns in 1500 cycles of an idle server and
  // a client late in 50 takes in a row where --no-realtime had passed
  const char* const rt = getenv("MXT_REALTIME");
  rig_realtime         = rt && !strcmp(rt, "1") && realtime_allowed();
  fprintf(stderr,
          "# the JACK servers run %s\n",
          rig_realtime ? "with realtime scheduling" : "without realtime scheduling");
  mxt_rig_adopt_orphans();
  take_jack_turn();
  jack_set_error_function(quiet_cb);
  jack_set_info_function(quiet_cb);
  return true;
}

// True if process `pid` has ended (gone, or a zombie)
static bool
ended(const long pid)
{
  char path[64];
  snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
  char* const stat  = slurp(path);
  const char* state = stat ? strrchr(stat, ')') : NULL;
  const bool  gone  = !state || state[1] == '\0' || state[2] == 'Z';
  free(stat);
  return gone;
}

// Processes with an argument that starts with `prefix` (is `prefix`, if `exact`)
static size_t
find_strays(const char* const prefix, const bool exact, long* const pids, const size_t max)
{
  size_t     n   = 0U;
  DIR* const dir = opendir("/proc");
  if (!dir) {
    return 0U;
  }
  const struct dirent* e = NULL;
  while ((e = readdir(dir)) != NULL && n < max) {
    char*      end = NULL;
    const long pid = strtol(e->d_name, &end, 10);
    if (*end || pid <= 0 || pid == (long)getpid()) {
      continue;
    }
    char path[64];
    snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
    FILE* const f = fopen(path, "rb");
    if (!f) {
      continue;
    }
    char         line[2048];
    const size_t got = fread(line, 1U, sizeof(line) - 1U, f);
    fclose(f);
    line[got] = '\0';
    for (size_t i = 0U; i < got; i += strlen(line + i) + 1U) {
      if (exact ? !strcmp(line + i, prefix) : !strncmp(line + i, prefix, strlen(prefix))) {
        pids[n++] = pid;
        break;
      }
    }
  }
  closedir(dir);
  return n;
}

// Reap every child that has ended (orphans of failed tests come here)
static void
reap_orphans(void)
{
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
}

// Start and cleanly stop a server of each name in JACK's registry of
// servers that is one of this run's: a server killed by a signal keeps
// its slot (there are 8, for every user of the machine) until a server of
// the same name starts again.  That fails while the dead one is not yet
// reaped (JACK takes a zombie for a live server): try again for a while
static void
reclaim_slots(const char* const prefix)
{
  for (unsigned attempt = 0U; attempt < 30U; ++attempt) {
    reap_orphans();
    char         names[MAX_CHILDREN][64];
    const size_t n = registry_names(prefix, false, names, MAX_CHILDREN);
    if (!n) {
      return;
    }
    if (attempt) {
      mxt_poll_ms(100.0);
    }

    // In a child, so that this process never opens a JACK client itself
    const pid_t pid = fork();
    if (pid == 0) {
      for (size_t i = 0U; i < n; ++i) {
        MxtServer server;
        if (mxt_server_start(&server, names[i])) {
          mxt_server_stop(&server);
        }
      }
      _exit(0);
    }
    if (pid > 0) {
      waitpid(pid, NULL, 0);
    }
  }
}

void
mxt_rig_sweep(void)
{
  char prefix[64];
  snprintf(prefix, sizeof(prefix), "mxt-%ld-", rig_parent);
  reap_orphans();
  long         pids[32];
  const size_t n = find_strays(prefix, false, pids, 32U);
  for (size_t i = 0U; i < n; ++i) {
    kill((pid_t)pids[i], SIGTERM);
    kill((pid_t)pids[i], SIGCONT); // One a failed test left stopped
  }
  for (size_t i = 0U; i < n; ++i) {
    const double until = mxt_now_ms() + SERVER_STOP_MS;
    while (!ended(pids[i]) && mxt_now_ms() < until) {
      mxt_poll_ms(10.0);
    }
    if (!ended(pids[i])) {
      kill((pid_t)pids[i], SIGKILL);
      while (!ended(pids[i])) {
        mxt_poll_ms(10.0);
      }
    }
  }
  reap_orphans();
  reclaim_slots(prefix);
  clean_shm(prefix, true);
}

void
mxt_rig_adopt_orphans(void)
{
  prctl(PR_SET_CHILD_SUBREAPER, 1);
}

bool
mxt_server_traces(const char* const name, char* const what, const size_t size)
{
  long pid = 0;
  char slot[1][64];
  if (find_strays(name, true, &pid, 1U)) {
    snprintf(what, size, "process %ld still runs", pid);
    return true;
  }
  if (registry_names(name, true, slot, 1U)) {
    snprintf(what, size, "its slot in /dev/shm/jack-shm-registry is still taken");
    return true;
  }
  DIR* const dir   = opendir("/dev/shm");
  bool       found = false;
  for (const struct dirent* e = dir ? readdir(dir) : NULL; e && !found; e = readdir(dir)) {
    found = shm_match(e->d_name, name, false);
    if (found) {
      snprintf(what, size, "/dev/shm/%s is still there", e->d_name);
    }
  }
  if (dir) {
    closedir(dir);
  }
  return found;
}

static int
remove_entry(const char* const        path,
             const struct stat* const st,
             const int                type,
             struct FTW* const        ftw)
{
  (void)st;
  (void)ftw;
  if (type == FTW_DP) {
    rmdir(path);
  } else {
    unlink(path);
  }
  return 0;
}

void
mxt_rig_end(const bool keep)
{
  mxt_rig_sweep();
  if (keep) {
    fprintf(stderr, "test_live: logs and sessions kept in %s\n", rig_dir);
    return;
  }
  // Depth first: session directories hold .autosave/NAME/ trees
  nftw(rig_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

void
mxt_rig_teardown(void)
{
  while (n_clients) {
    mxt_client_close(clients[n_clients - 1U]);
  }
  // mixd first, so that it does not see its server go
  for (size_t i = n_children; i-- > 0U;) {
    if (!children[i].server) {
      end_child(children[i].pid, SIGTERM, MXT_TIMEOUT_MS);
    }
  }
  while (n_children) {
    char name[64];
    snprintf(name, sizeof(name), "%s", children[n_children - 1U].name);
    jack_client_t* const watch = take_watch(children[n_children - 1U].pid);
    end_child(children[n_children - 1U].pid, SIGTERM, SERVER_STOP_MS);
    close_watch(watch);
    clean_shm(name, false);
  }
}

// ---------------------------------------------------------------------------
// Servers

void
mxt_server_name(MxtServer* const server)
{
  memset(server, 0, sizeof(*server));
  snprintf(
    server->name, sizeof(server->name), "mxt-%ld-%ld-%u", rig_parent, (long)getpid(), ++rig_serial);
  snprintf(server->log, sizeof(server->log), "%s/%s.jackd.log", rig_dir, server->name);
  server->exit_code = -1;
}

bool
mxt_server_start(MxtServer* const server, const char* const name)
{
  if (name) {
    char again[64];
    snprintf(again, sizeof(again), "%s", name);
    memset(server, 0, sizeof(*server));
    snprintf(server->name, sizeof(server->name), "%s", again);
    snprintf(server->log, sizeof(server->log), "%s/%s.jackd.log", rig_dir, server->name);
  } else {
    mxt_server_name(server);
  }

  // What a killed server of this name left would stop this one
  clean_shm(server->name, false);
  char rate[16];
  char period[16];
  snprintf(rate, sizeof(rate), "%u", MXT_RATE);
  snprintf(period, sizeof(period), "%u", rig_period ? rig_period : MXT_PERIOD);
  char* const argv[] = { "jackd", rig_realtime ? "--realtime" : "--no-realtime",
                         "-n",    server->name,
                         "-d",    "dummy",
                         "-r",    rate,
                         "-p",    period,
                         NULL };
  server->pid        = spawn(argv, server->log);
  if (server->pid <= 0) {
    server->pid = 0;
    return false;
  }
  Child* const child = add_child(server->pid, true, server->name);

  // The first client that opens is kept open until the server stops: a
  // probe that closed again could close while mixd opens, and libjack
  // (1.9.21) would then keep mixd signalling the probe's semaphore for
  // the next client given the probe's number, which then never runs
  const double until = mxt_now_ms() + MXT_TIMEOUT_MS;
  while (mxt_now_ms() < until) {
    int status = 0;
    if (waitpid(server->pid, &status, WNOHANG) == server->pid) {
      drop_child(server->pid);
      server->exit_code = exit_code(status);
      server->pid       = 0;
      return false;
    }
    jack_status_t        st = (jack_status_t)0;
    jack_client_t* const watch =
      jack_client_open("mxt-watch",
                       (jack_options_t)(JackNoStartServer | JackServerName | JackUseExactName),
                       &st,
                       server->name);
    if (watch) {
      if (child) {
        child->watch = watch;
      } else {
        jack_client_close(watch);
      }
      return true;
    }
    mxt_poll_ms(20.0);
  }
  mxt_server_kill(server);
  return false;
}

void
mxt_server_set_period(const unsigned frames)
{
  rig_period = frames;
}

void
mxt_server_stop(MxtServer* const server)
{
  if (server->pid > 0) {
    jack_client_t* const watch = take_watch(server->pid);
    server->exit_code          = end_child(server->pid, SIGTERM, SERVER_STOP_MS);
    server->pid                = 0;
    close_watch(watch);
  }
  clean_shm(server->name, false);
}

void
mxt_server_kill(MxtServer* const server)
{
  if (server->pid > 0) {
    jack_client_t* const watch = take_watch(server->pid);
    server->exit_code          = end_child(server->pid, SIGKILL, SERVER_STOP_MS);
    server->pid                = 0;
    close_watch(watch);
  }
  clean_shm(server->name, false);
}

// ---------------------------------------------------------------------------
// mixd

bool
mxt_mixd_start(MxtMixd* const    mixd,
               const char* const server,
               const char* const client,
               const char* const session_text,
               const char* const extra)
{
  const char* const more[] = { extra, NULL };
  return mxt_mixd_start_argv(mixd, server, client, session_text, more);
}

/// Most extra arguments of mxt_mixd_start_argv()
#define MAX_EXTRA 32U

bool
mxt_mixd_start_argv(MxtMixd* const           mixd,
                    const char* const        server,
                    const char* const        client,
                    const char* const        session_text,
                    const char* const* const extra)
{
  memset(mixd, 0, sizeof(*mixd));
  mixd->exit_code = -1;
  snprintf(mixd->client, sizeof(mixd->client), "%s", client);
  snprintf(mixd->server, sizeof(mixd->server), "%s", server);
  const unsigned serial = ++rig_serial;
  snprintf(
    mixd->log, sizeof(mixd->log), "%s/%s-%ld-%u.mixd.log", rig_dir, client, (long)getpid(), serial);
  snprintf(mixd->session,
           sizeof(mixd->session),
           "%s/%s-%ld-%u.session",
           rig_dir,
           client,
           (long)getpid(),
           serial);
  snprintf(mixd->session_dir,
           sizeof(mixd->session_dir),
           "%s/%s-%ld-%u.sessions",
           rig_dir,
           client,
           (long)getpid(),
           serial);
  if (mkdir(mixd->session_dir, 0700)) {
    return false;
  }
  if (!session_text) {
    mixd->session[0] = '\0';
  } else if (!mxt_write_file(mixd->session, session_text)) {
    return false;
  }

  const char* const top = getenv("top_builddir");
  char              program[512];
  snprintf(program, sizeof(program), "%s/daemon/mixd", top && *top ? top : "..");
  if (access(program, X_OK)) {
    fprintf(stderr, "test_live: %s is not built\n", program);
    return false;
  }
  // An ephemeral OSC port (mxt_mixd_osc_port() reads it from the log), so
  // tests running side by side never fight over the default 7770; an
  // --osc-port among the extras overrides it (the last option wins)
  char*  argv[13U + MAX_EXTRA + 1U] = { program,         "--server",       mixd->server,
                                        "--name",        mixd->client,     "--log-level",
                                        "info",          "--osc-port",     "0",
                                        "--session-dir", mixd->session_dir };
  size_t argc                       = 11U;
  if (mixd->session[0]) {
    argv[argc++] = "--session";
    argv[argc++] = mixd->session;
  }
  for (size_t i = 0U; extra && extra[i] && i < MAX_EXTRA; ++i) {
    argv[argc++] = (char*)extra[i];
  }
  argv[argc] = NULL;
  mixd->pid  = spawn(argv, mixd->log);
  if (mixd->pid <= 0) {
    mixd->pid = 0;
    return false;
  }
  add_child(mixd->pid, false, "");
  return true;
}

unsigned
mxt_mixd_osc_port(const MxtMixd* const mixd, const double timeout_ms)
{
  // mixd logs "OSC on ADDR port N (UDP)" once its socket is bound
  const double until = mxt_now_ms() + timeout_ms;
  for (;;) {
    char* const       text = slurp(mixd->log);
    const char* const on   = text ? strstr(text, "OSC on ") : NULL;
    const char* const at   = on ? strstr(on, " port ") : NULL;
    unsigned          port = 0U;
    if (at && sscanf(at, " port %u (UDP)", &port) != 1) {
      port = 0U;
    }
    free(text);
    if (port || mxt_now_ms() > until) {
      return port;
    }
    mxt_poll_ms(5.0);
  }
}

bool
mxt_mixd_alive(MxtMixd* const mixd)
{
  int status = 0;
  if (mixd->pid <= 0) {
    return false;
  }
  if (waitpid(mixd->pid, &status, WNOHANG) == mixd->pid) {
    drop_child(mixd->pid);
    mixd->exit_code = exit_code(status);
    mixd->pid       = 0;
    return false;
  }
  return true;
}

int
mxt_mixd_wait(MxtMixd* const mixd, const double timeout_ms)
{
  if (mixd->pid > 0) {
    const int code = reap(mixd->pid, timeout_ms);
    if (code < 0) {
      return -1;
    }
    mixd->exit_code = code;
    mixd->pid       = 0;
  }
  return mixd->exit_code;
}

int
mxt_mixd_stop(MxtMixd* const mixd, const int sig)
{
  if (mixd->pid > 0) {
    mixd->exit_code = end_child(mixd->pid, sig, MXT_TIMEOUT_MS);
    mixd->pid       = 0;
  }
  return mixd->exit_code;
}

// Session reloads in the log that changed nothing
static size_t
reloads_refused(const MxtMixd* const mixd)
{
  return mxt_file_count(mixd->log, "; the mix is unchanged") +
         mxt_file_count(mixd->log, "reload: no session is open yet");
}

int
mxt_mixd_reload(MxtMixd* const mixd, const char* const session_text)
{
  // A SIGHUP first reads the settings (lines "reload: NAME = ..." for what
  // changed), then the session, which ends in exactly one of "reloaded ..."
  // or a refusal
  const size_t done    = mxt_file_count(mixd->log, "reloaded");
  const size_t refused = reloads_refused(mixd);
  if (mixd->pid <= 0 || !mxt_write_file(mixd->session, session_text) || kill(mixd->pid, SIGHUP)) {
    return -1;
  }
  for (const double end = mxt_now_ms() + MXT_TIMEOUT_MS; mxt_now_ms() < end; mxt_poll_ms(5.0)) {
    if (mxt_file_count(mixd->log, "reloaded") > done) {
      return 1;
    }
    if (reloads_refused(mixd) > refused) {
      return 0;
    }
  }
  return -1;
}

// ---------------------------------------------------------------------------
// Test clients

/// A looped signal, as the process callback reads it
typedef struct {
  size_t length; ///< Samples
  float  data[]; ///< The loop
} Loop;

struct MxtClientImpl {
  jack_client_t* client;                       ///< The JACK client
  unsigned       n_out;                        ///< Output ports
  unsigned       n_in;                         ///< Input ports
  jack_port_t*   out[MXT_MAX_PORTS];           ///< Output ports
  jack_port_t*   in[MXT_MAX_PORTS];            ///< Input ports
  char           out_name[MXT_MAX_PORTS][320]; ///< Their full names
  char           in_name[MXT_MAX_PORTS][320];  ///< Their full names
  _Atomic(Loop*) play[MXT_MAX_PORTS];          ///< [output]: loop playing, or NULL (callback reads)
  Loop**         loops;               ///< Every loop published, freed on close (test thread)
  size_t         n_loops;             ///< Entries of `loops`
  size_t         loops_cap;           ///< Capacity of `loops`
  size_t         capacity;            ///< Frames of a take, per port
  float*         take[MXT_MAX_PORTS]; ///< [input]: recorded samples (callback writes)
  MxtBlock*      blocks;              ///< Blocks of the take (callback writes)
  size_t         blocks_cap;          ///< Capacity of `blocks`
  atomic_size_t  want;                ///< Frames asked for, stored before `asked`
  atomic_bool    stop;                ///< End the take now (test thread writes)
  atomic_uint    asked;               ///< Epoch of the latest request (test thread writes)
  atomic_uint    done;                ///< Epoch of the latest finished take (callback writes)
  unsigned       epoch;               ///< Test thread: epoch it last asked for
  unsigned       rt_epoch;            ///< Callback: epoch it is recording
  size_t         rt_want;             ///< Callback: frames of that take
  size_t         rt_frames;           ///< Callback: frames recorded so far
  size_t         rt_blocks;           ///< Callback: blocks recorded so far
  bool           rt_active;           ///< Callback: recording
  size_t         done_frames;         ///< Frames of the finished take, stored before `done`
  size_t         done_blocks;         ///< Blocks of the finished take, stored before `done`
  jack_nframes_t rt_last;             ///< Callback: frame time of the previous cycle
  jack_nframes_t rt_last_n;           ///< Callback: its length (0 before the first)
  jack_nframes_t
                irregular[MXT_MAX_IRREGULAR]; ///< Frame times of irregular cycles (callback writes)
  atomic_size_t n_irregular;                  ///< Entries of `irregular`, stored after each
  atomic_uint_fast64_t xruns;                 ///< Xruns reported
  atomic_bool          gone;                  ///< The server shut the client down
};

// Record one block of a take that was asked for (process thread)
static void
record(MxtClient* const c, const jack_nframes_t n, const jack_nframes_t now)
{
  const unsigned asked = atomic_load_explicit(&c->asked, memory_order_acquire);
  if (asked != c->rt_epoch) {
    c->rt_epoch  = asked;
    c->rt_want   = atomic_load_explicit(&c->want, memory_order_relaxed);
    c->rt_frames = 0U;
    c->rt_blocks = 0U;
    c->rt_active = c->rt_want > 0U;
  }
  if (!c->rt_active) {
    return;
  }
  const size_t k = c->rt_want - c->rt_frames < n ? c->rt_want - c->rt_frames : n;
  for (unsigned p = 0U; p < c->n_in; ++p) {
    const float* const in = (const float*)jack_port_get_buffer(c->in[p], n);
    memcpy(c->take[p] + c->rt_frames, in, k * sizeof(float));
  }
  if (c->rt_blocks < c->blocks_cap) {
    MxtBlock* const b = &c->blocks[c->rt_blocks++];
    b->time           = now;
    b->offset         = (uint32_t)c->rt_frames;
    b->frames         = (uint32_t)k;
  }
  c->rt_frames += k;
  if (c->rt_frames >= c->rt_want || atomic_load_explicit(&c->stop, memory_order_relaxed)) {
    c->rt_active   = false;
    c->done_frames = c->rt_frames;
    c->done_blocks = c->rt_blocks;
    atomic_store_explicit(&c->done, asked, memory_order_release);
  }
}

static int
process_cb(const jack_nframes_t n, void* const arg)
{
  MxtClient* const     c   = (MxtClient*)arg;
  const jack_nframes_t now = jack_last_frame_time(c->client);

  // Note a cycle whose frame time does not follow the last one's
  const size_t irregular = atomic_load_explicit(&c->n_irregular, memory_order_relaxed);
  if (c->rt_last_n && now != c->rt_last + c->rt_last_n && irregular < MXT_MAX_IRREGULAR) {
    c->irregular[irregular] = now;
    atomic_store_explicit(&c->n_irregular, irregular + 1U, memory_order_release);
  }
  c->rt_last   = now;
  c->rt_last_n = n;
  for (unsigned o = 0U; o < c->n_out; ++o) {
    float* const      out  = (float*)jack_port_get_buffer(c->out[o], n);
    const Loop* const loop = atomic_load_explicit(&c->play[o], memory_order_acquire);
    if (!loop) {
      memset(out, 0, n * sizeof(float));
      continue;
    }
    // Placed by absolute frame time: frame t plays loop[t mod length]
    size_t j = (size_t)now % loop->length;
    for (jack_nframes_t i = 0U; i < n; ++i) {
      out[i] = loop->data[j];
      j      = j + 1U == loop->length ? 0U : j + 1U;
    }
  }
  record(c, n, now);
  return 0;
}

static int
xrun_cb(void* const arg)
{
  atomic_fetch_add(&((MxtClient*)arg)->xruns, 1U);
  return 0;
}

static void
shutdown_cb(const jack_status_t code, const char* const reason, void* const arg)
{
  (void)code;
  (void)reason;
  atomic_store(&((MxtClient*)arg)->gone, true);
}

// mxt_client_open(), activated or not
static MxtClient*
open_client(const char* const server,
            const char* const name,
            const unsigned    n_outputs,
            const unsigned    n_inputs,
            const size_t      capacity,
            const bool        activate)
{
  if (n_outputs > MXT_MAX_PORTS || n_inputs > MXT_MAX_PORTS || n_clients == MAX_CLIENTS) {
    return NULL;
  }
  MxtClient* const c = (MxtClient*)calloc(1U, sizeof(MxtClient));
  if (!c) {
    return NULL;
  }
  clients[n_clients++] = c;
  jack_status_t status = (jack_status_t)0;
  c->client            = jack_client_open(
    name, (jack_options_t)(JackNoStartServer | JackServerName | JackUseExactName), &status, server);
  if (!c->client) {
    mxt_client_close(c);
    return NULL;
  }
  c->n_out      = n_outputs;
  c->n_in       = n_inputs;
  c->capacity   = capacity;
  c->blocks_cap = capacity / 16U + 2U;
  c->blocks     = (MxtBlock*)calloc(c->blocks_cap, sizeof(MxtBlock));
  bool ok       = c->blocks != NULL;
  for (unsigned i = 0U; ok && i < n_inputs; ++i) {
    // Touched now, so that the callback never faults a page in
    c->take[i] = (float*)malloc(capacity * sizeof(float) + 1U);
    ok         = c->take[i] != NULL;
    if (ok) {
      memset(c->take[i], 0, capacity * sizeof(float));
    }
  }
  for (unsigned i = 0U; ok && i < n_outputs; ++i) {
    char port[32];
    snprintf(port, sizeof(port), "out_%u", i + 1U);
    c->out[i] = jack_port_register(c->client, port, JACK_DEFAULT_AUDIO_TYPE, JackPortIsOutput, 0U);
    ok        = c->out[i] != NULL;
    if (ok) {
      snprintf(c->out_name[i], sizeof(c->out_name[i]), "%s", jack_port_name(c->out[i]));
    }
  }
  for (unsigned i = 0U; ok && i < n_inputs; ++i) {
    char port[32];
    snprintf(port, sizeof(port), "in_%u", i + 1U);
    c->in[i] = jack_port_register(c->client, port, JACK_DEFAULT_AUDIO_TYPE, JackPortIsInput, 0U);
    ok       = c->in[i] != NULL;
    if (ok) {
      snprintf(c->in_name[i], sizeof(c->in_name[i]), "%s", jack_port_name(c->in[i]));
    }
  }
  ok = ok && !jack_set_process_callback(c->client, process_cb, c) &&
       !jack_set_xrun_callback(c->client, xrun_cb, c);
  if (ok) {
    jack_on_info_shutdown(c->client, shutdown_cb, c);
  }
  if (!ok || (activate && jack_activate(c->client))) {
    mxt_client_close(c);
    return NULL;
  }
  return c;
}

MxtClient*
mxt_client_open(const char* const server,
                const char* const name,
                const unsigned    n_outputs,
                const unsigned    n_inputs,
                const size_t      capacity)
{
  return open_client(server, name, n_outputs, n_inputs, capacity, true);
}

MxtClient*
mxt_client_open_inactive(const char* const server,
                         const char* const name,
                         const unsigned    n_outputs,
                         const unsigned    n_inputs,
                         const size_t      capacity)
{
  return open_client(server, name, n_outputs, n_inputs, capacity, false);
}

bool
mxt_client_activate(MxtClient* const client)
{
  return jack_activate(client->client) == 0;
}

void
mxt_client_close(MxtClient* const c)
{
  if (!c) {
    return;
  }
  for (size_t i = 0U; i < n_clients; ++i) {
    if (clients[i] == c) {
      clients[i] = clients[--n_clients];
      break;
    }
  }
  if (c->client) {
    if (!atomic_load(&c->gone)) {
      jack_deactivate(c->client);
    }
    jack_client_close(c->client);
  }
  for (size_t i = 0U; i < c->n_loops; ++i) {
    free(c->loops[i]);
  }
  free((void*)c->loops);
  for (unsigned i = 0U; i < MXT_MAX_PORTS; ++i) {
    free(c->take[i]);
  }
  free(c->blocks);
  free(c);
}

jack_client_t*
mxt_client_jack(const MxtClient* const c)
{
  return c->client;
}

bool
mxt_client_gone(const MxtClient* const c)
{
  return atomic_load(&((MxtClient*)c)->gone);
}

uint64_t
mxt_client_xruns(const MxtClient* const c)
{
  return atomic_load(&((MxtClient*)c)->xruns);
}

size_t
mxt_client_irregular(const MxtClient* const c, const jack_nframes_t** const times)
{
  *times = c->irregular;
  return atomic_load_explicit(&((MxtClient*)c)->n_irregular, memory_order_acquire);
}

const char*
mxt_client_output(const MxtClient* const c, const unsigned i)
{
  return i < c->n_out ? c->out_name[i] : "";
}

const char*
mxt_client_input(const MxtClient* const c, const unsigned i)
{
  return i < c->n_in ? c->in_name[i] : "";
}

bool
mxt_client_play(MxtClient* const c, const unsigned i, const float* const loop, const size_t length)
{
  if (i >= c->n_out) {
    return false;
  }
  Loop* made = NULL;
  if (loop && length) {
    if (c->n_loops == c->loops_cap) {
      const size_t cap  = c->loops_cap ? 2U * c->loops_cap : 16U;
      Loop** const more = (Loop**)realloc((void*)c->loops, cap * sizeof(Loop*));
      if (!more) {
        return false;
      }
      c->loops     = more;
      c->loops_cap = cap;
    }
    made = (Loop*)malloc(sizeof(Loop) + length * sizeof(float));
    if (!made) {
      return false;
    }
    made->length = length;
    memcpy(made->data, loop, length * sizeof(float));
    c->loops[c->n_loops++] = made;
  }
  // The old loop stays allocated: the callback may still be reading it
  atomic_store_explicit(&c->play[i], made, memory_order_release);
  return true;
}

bool
mxt_client_connect(MxtClient* const  c,
                   const char* const from,
                   const char* const to,
                   const double      timeout_ms)
{
  // JACK refuses while a port's client is not active yet
  const double until = mxt_now_ms() + timeout_ms;
  for (;;) {
    const int e = jack_connect(c->client, from, to);
    if (e == 0 || e == EEXIST) {
      return true;
    }
    if (mxt_now_ms() > until || atomic_load(&c->gone)) {
      return false;
    }
    mxt_poll_ms(5.0);
  }
}

bool
mxt_client_wait_port(MxtClient* const  c,
                     const char* const name,
                     const bool        present,
                     const double      timeout_ms)
{
  const double until = mxt_now_ms() + timeout_ms;
  while ((jack_port_by_name(c->client, name) != NULL) != present) {
    if (mxt_now_ms() > until || atomic_load(&c->gone)) {
      return false;
    }
    mxt_poll_ms(5.0);
  }
  return true;
}

bool
mxt_client_connected(MxtClient* const c, const char* const from, const char* const to)
{
  jack_port_t* const port = jack_port_by_name(c->client, from);
  return port && jack_port_connected_to(port, to);
}

bool
mxt_client_wait_connected(MxtClient* const  c,
                          const char* const from,
                          const char* const to,
                          const double      timeout_ms)
{
  const double until = mxt_now_ms() + timeout_ms;
  while (!mxt_client_connected(c, from, to)) {
    if (mxt_now_ms() > until || atomic_load(&c->gone)) {
      return false;
    }
    mxt_poll_ms(5.0);
  }
  return true;
}

void
mxt_client_record(MxtClient* const c, const size_t frames)
{
  atomic_store_explicit(
    &c->want, frames < c->capacity ? frames : c->capacity, memory_order_relaxed);
  atomic_store_explicit(&c->stop, false, memory_order_relaxed);
  atomic_store_explicit(&c->asked, ++c->epoch, memory_order_release);
}

void
mxt_client_record_stop(MxtClient* const c)
{
  atomic_store_explicit(&c->stop, true, memory_order_relaxed);
}

bool
mxt_client_take(MxtClient* const c, const double timeout_ms, MxtTake* const take)
{
  const double until = mxt_now_ms() + timeout_ms;
  while (atomic_load_explicit(&c->done, memory_order_acquire) != c->epoch) {
    if (mxt_now_ms() > until) {
      return false;
    }
    mxt_poll_ms(2.0);
  }

  memset(take, 0, sizeof(*take));
  for (unsigned p = 0U; p < c->n_in; ++p) {
    take->ch[p] = c->take[p];
  }
  take->frames   = c->done_frames;
  take->blocks   = c->blocks;
  take->n_blocks = c->done_blocks;
  take->start    = c->done_blocks ? c->blocks[0].time : 0U;
  for (size_t b = 1U; b < take->n_blocks; ++b) {
    const MxtBlock* const k = &c->blocks[b];
    take->gaps += k->time != k[-1].time + k[-1].frames;
  }
  return true;
}

bool
mxt_client_record_take(MxtClient* const c, const size_t frames, MxtTake* const take)
{
  mxt_client_record(c, frames);
  return mxt_client_take(c, MXT_TIMEOUT_MS, take);
}

// ---------------------------------------------------------------------------
// An OSC client

/// Largest datagram, bytes
#define OSC_PACKET 65536U

/// Messages the queue holds (the oldest are dropped beyond)
#define OSC_QUEUE 4096U

/// Deepest bundle nesting unpacked
#define OSC_DEPTH 8U

struct MxtOscImpl {
  int                fd;          ///< The socket, bound to 127.0.0.1
  struct sockaddr_in to;          ///< Where messages go
  unsigned           local;       ///< Port bound
  jack_client_t*     clock;       ///< Frame times of sends, or NULL
  jack_nframes_t     sent_now;    ///< jack_frame_time() right before the last sendto()
  jack_nframes_t     sent_cycle;  ///< jack_last_frame_time() then
  uint8_t*           buf;         ///< Datagram being read
  uint8_t*           bundle;      ///< Bundle being written
  size_t             bundle_size; ///< Its size so far (0: no bundle open)
  MxtOscMsg*         queue;       ///< Received messages, a ring
  size_t             head;        ///< Next to take
  size_t             count;       ///< Entries waiting
  uint64_t           packets;     ///< Datagrams received
};

// Big-endian numbers
static void
put32(uint8_t* const p, const uint32_t v)
{
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

static uint32_t
get32(const uint8_t* const p)
{
  return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

// An OSC string at `pos`: the text, then 1 to 4 NULs to a multiple of 4
static bool
put_string(uint8_t* const buf, const size_t size, size_t* const pos, const char* const text)
{
  const size_t len    = strlen(text);
  const size_t padded = (len + 4U) & ~(size_t)3U;
  if (*pos + padded > size) {
    return false;
  }
  memset(buf + *pos, 0, padded);
  memcpy(buf + *pos, text, len);
  *pos += padded;
  return true;
}

size_t
mxt_osc_vencode(uint8_t* const    buf,
                const size_t      size,
                const char* const path,
                const char* const types,
                va_list           args)
{
  char tags[MXT_OSC_MAX_ARGS + 2U];
  snprintf(tags, sizeof(tags), ",%s", types);
  size_t pos = 0U;
  if (strlen(types) > MXT_OSC_MAX_ARGS || !put_string(buf, size, &pos, path) ||
      !put_string(buf, size, &pos, tags)) {
    return 0U;
  }
  for (const char* t = types; *t; ++t) {
    uint32_t word[2] = { 0U, 0U };
    size_t   words   = 0U;
    switch (*t) {
      case 'i':
        word[0] = (uint32_t)va_arg(args, int);
        words   = 1U;
        break;
      case 'f': {
        const float f = (float)va_arg(args, double);
        memcpy(&word[0], &f, sizeof(f));
        words = 1U;
        break;
      }
      case 'h':
      case 'd': {
        uint64_t bits = 0U;
        if (*t == 'h') {
          bits = (uint64_t)va_arg(args, int64_t);
        } else {
          const double d = va_arg(args, double);
          memcpy(&bits, &d, sizeof(d));
        }
        word[0] = (uint32_t)(bits >> 32);
        word[1] = (uint32_t)bits;
        words   = 2U;
        break;
      }
      case 's':
        if (!put_string(buf, size, &pos, va_arg(args, const char*))) {
          return 0U;
        }
        break;
      case 'T':
      case 'F':
      case 'N':
        break;
      default:
        return 0U;
    }
    if (pos + 4U * words > size) {
      return 0U;
    }
    for (size_t w = 0U; w < words; ++w) {
      put32(buf + pos, word[w]);
      pos += 4U;
    }
  }
  return pos;
}

size_t
mxt_osc_encode(uint8_t* const    buf,
               const size_t      size,
               const char* const path,
               const char* const types,
               ...)
{
  va_list args;
  va_start(args, types);
  const size_t n = mxt_osc_vencode(buf, size, path, types, args);
  va_end(args);
  return n;
}

MxtOsc*
mxt_osc_open(const unsigned port)
{
  MxtOsc* const osc = (MxtOsc*)calloc(1U, sizeof(MxtOsc));
  if (!osc) {
    return NULL;
  }
  osc->buf    = (uint8_t*)malloc(OSC_PACKET);
  osc->bundle = (uint8_t*)malloc(OSC_PACKET);
  osc->queue  = (MxtOscMsg*)calloc(OSC_QUEUE, sizeof(MxtOscMsg));
  osc->fd     = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  struct sockaddr_in self;
  memset(&self, 0, sizeof(self));
  self.sin_family      = AF_INET;
  self.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len        = sizeof(self);
  if (!osc->buf || !osc->bundle || !osc->queue || osc->fd < 0 ||
      bind(osc->fd, (const struct sockaddr*)&self, sizeof(self)) ||
      getsockname(osc->fd, (struct sockaddr*)&self, &len)) {
    mxt_osc_close(osc);
    return NULL;
  }
  // Room for bursts of replies and feedback while the test looks elsewhere
  // (beyond net.core.rmem_max where allowed: root)
  const int rcvbuf = 8 * 1024 * 1024;
  if (setsockopt(osc->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf))) {
    setsockopt(osc->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
  }
  osc->local              = ntohs(self.sin_port);
  osc->to.sin_family      = AF_INET;
  osc->to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  osc->to.sin_port        = htons((uint16_t)port);
  return osc;
}

void
mxt_osc_close(MxtOsc* const osc)
{
  if (!osc) {
    return;
  }
  if (osc->fd >= 0) {
    close(osc->fd);
  }
  free(osc->queue);
  free(osc->bundle);
  free(osc->buf);
  free(osc);
}

unsigned
mxt_osc_local_port(const MxtOsc* const osc)
{
  return osc->local;
}

void
mxt_osc_set_clock(MxtOsc* const osc, jack_client_t* const clock)
{
  osc->clock = clock;
}

void
mxt_osc_sent_frames(const MxtOsc* const osc, jack_nframes_t* const now, jack_nframes_t* const cycle)
{
  *now   = osc->sent_now;
  *cycle = osc->sent_cycle;
}

/**
   The frame time now, as `clock` estimates it, but never before the start
   of the last cycle the server has begun.  jack_frame_time() extrapolates
   from the server's estimate of its cycles' wakeups; after a stall of a
   server without realtime scheduling that estimate can run ahead of the
   clock, and it then read up to 1018 frames before a jack_last_frame_time()
   read earlier (test_live_scenes, two busy loops beside it).
*/
static jack_nframes_t
frame_time_now(jack_client_t* const clock)
{
  const jack_nframes_t cycle = jack_last_frame_time(clock);
  const jack_nframes_t now   = jack_frame_time(clock);
  return (int32_t)(now - cycle) < 0 ? cycle : now;
}

bool
mxt_osc_send_raw(MxtOsc* const osc, const void* const data, const size_t size)
{
  osc->sent_cycle = osc->clock ? jack_last_frame_time(osc->clock) : 0U;
  osc->sent_now   = osc->clock ? frame_time_now(osc->clock) : 0U;
  const ssize_t n =
    sendto(osc->fd, data, size, 0, (const struct sockaddr*)&osc->to, sizeof(osc->to));
  return n == (ssize_t)size;
}

bool
mxt_osc_send(MxtOsc* const osc, const char* const path, const char* const types, ...)
{
  va_list args;
  va_start(args, types);
  if (osc->bundle_size) {
    // An element of the open bundle: its size, then the message
    const size_t n = osc->bundle_size + 4U <= OSC_PACKET
                       ? mxt_osc_vencode(osc->bundle + osc->bundle_size + 4U,
                                         OSC_PACKET - osc->bundle_size - 4U,
                                         path,
                                         types,
                                         args)
                       : 0U;
    va_end(args);
    if (n) {
      put32(osc->bundle + osc->bundle_size, (uint32_t)n);
      osc->bundle_size += 4U + n;
    }
    return n > 0U;
  }
  const size_t n = mxt_osc_vencode(osc->buf, OSC_PACKET, path, types, args);
  va_end(args);
  return n && mxt_osc_send_raw(osc, osc->buf, n);
}

void
mxt_osc_bundle_begin(MxtOsc* const osc)
{
  // "#bundle", then the time tag 1: immediately (OSC 1.0)
  memcpy(osc->bundle, "#bundle", 8U);
  put32(osc->bundle + 8U, 0U);
  put32(osc->bundle + 12U, 1U);
  osc->bundle_size = 16U;
}

bool
mxt_osc_bundle_end(MxtOsc* const osc)
{
  const size_t size = osc->bundle_size;
  osc->bundle_size  = 0U;
  return size && mxt_osc_send_raw(osc, osc->bundle, size);
}

// Read an OSC string at `*pos` of `size` bytes; false if it does not end in time
static bool
get_string(const uint8_t* const data,
           const size_t         size,
           size_t* const        pos,
           char* const          out,
           const size_t         out_size)
{
  const void* const nul = *pos < size ? memchr(data + *pos, '\0', size - *pos) : NULL;
  if (!nul) {
    return false;
  }
  const size_t len = (size_t)((const uint8_t*)nul - (data + *pos));
  snprintf(out, out_size, "%.*s", (int)len, (const char*)(data + *pos));
  *pos += (len + 4U) & ~(size_t)3U;
  return *pos <= size;
}

// Queue one message; a message that does not parse is queued as "" (so it still counts)
static void
parse_message(MxtOsc* const osc, const uint8_t* const data, const size_t size, const bool bundled)
{
  if (osc->count == OSC_QUEUE) {
    osc->head = (osc->head + 1U) % OSC_QUEUE; // Full: drop the oldest
    --osc->count;
  }
  MxtOscMsg* const m = &osc->queue[(osc->head + osc->count++) % OSC_QUEUE];
  memset(m, 0, sizeof(*m));
  m->packet   = osc->packets;
  m->bundled  = bundled;
  m->at_ms    = mxt_now_ms();
  m->at_frame = osc->clock ? frame_time_now(osc->clock) : 0U;
  size_t pos  = 0U;
  char   tags[MXT_OSC_MAX_ARGS + 2U];
  if (!get_string(data, size, &pos, m->path, sizeof(m->path))) {
    m->path[0] = '\0';
    return;
  }
  if (pos >= size || !get_string(data, size, &pos, tags, sizeof(tags)) || tags[0] != ',') {
    return; // No type tags: no arguments
  }
  for (const char* t = tags + 1; *t && m->argc < MXT_OSC_MAX_ARGS; ++t) {
    MxtOscArg* const a = &m->arg[m->argc];
    a->type            = *t;
    switch (*t) {
      case 'i':
      case 'f':
        if (pos + 4U > size) {
          return;
        }
        a->i = (int32_t)get32(data + pos);
        memcpy(&a->f, &a->i, sizeof(a->f));
        pos += 4U;
        break;
      case 'h':
      case 'd': {
        if (pos + 8U > size) {
          return;
        }
        const uint64_t bits = ((uint64_t)get32(data + pos) << 32) | get32(data + pos + 4U);
        a->h                = (int64_t)bits;
        memcpy(&a->d, &bits, sizeof(a->d));
        pos += 8U;
        break;
      }
      case 's':
      case 'S':
        if (!get_string(data, size, &pos, a->s, sizeof(a->s))) {
          return;
        }
        break;
      case 'T':
      case 'F':
      case 'N':
      case 'I':
        break;
      default:
        return; // A type the rig does not read: the rest is not known
    }
    m->types[m->argc++] = *t;
  }
}

static void
parse_packet(MxtOsc* const        osc,
             const uint8_t* const data,
             const size_t         size,
             const unsigned       depth,
             const bool           bundled)
{
  if (size >= 16U && !memcmp(data, "#bundle", 8U) && depth < OSC_DEPTH) {
    for (size_t pos = 16U; pos + 4U <= size;) {
      const uint32_t len = get32(data + pos);
      pos += 4U;
      if (len > size - pos) {
        return;
      }
      parse_packet(osc, data + pos, len, depth + 1U, true);
      pos += len;
    }
    return;
  }
  parse_message(osc, data, size, bundled);
}

// Read every datagram waiting, for up to `timeout_ms` until there is one
static void
osc_poll(MxtOsc* const osc, const double timeout_ms)
{
  struct pollfd pfd = { osc->fd, POLLIN, 0 };
  if (!osc->count && timeout_ms > 0.0 && poll(&pfd, 1U, (int)(timeout_ms + 0.999)) <= 0) {
    return;
  }
  for (;;) {
    const ssize_t n = recv(osc->fd, osc->buf, OSC_PACKET, 0);
    if (n < 0) {
      return;
    }
    ++osc->packets;
    parse_packet(osc, osc->buf, (size_t)n, 0U, false);
  }
}

bool
mxt_osc_recv(MxtOsc* const osc, const double timeout_ms, MxtOscMsg* const msg)
{
  const double until = mxt_now_ms() + timeout_ms;
  for (;;) {
    osc_poll(osc, until - mxt_now_ms());
    if (osc->count) {
      *msg      = osc->queue[osc->head];
      osc->head = (osc->head + 1U) % OSC_QUEUE;
      --osc->count;
      return true;
    }
    if (mxt_now_ms() >= until) {
      memset(msg, 0, sizeof(*msg)); // Nothing: an empty message, for failure reports
      return false;
    }
  }
}

bool
mxt_osc_wait(MxtOsc* const     osc,
             const char* const path,
             const bool        errors,
             const double      timeout_ms,
             MxtOscMsg* const  msg)
{
  const double until = mxt_now_ms() + timeout_ms;
  while (mxt_osc_recv(osc, until - mxt_now_ms(), msg)) {
    if (!strcmp(msg->path, path) || (errors && !strcmp(msg->path, "/error"))) {
      return true;
    }
  }
  return false;
}

size_t
mxt_osc_drain(MxtOsc* const osc)
{
  osc_poll(osc, 0.0);
  const size_t n = osc->count;
  osc->count     = 0U;
  return n;
}

uint64_t
mxt_osc_packets(const MxtOsc* const osc)
{
  return osc->packets;
}

void
mxt_osc_format(const MxtOscMsg* const msg, char* const buf, const size_t size)
{
  size_t len = (size_t)snprintf(buf, size, "%s", msg->path);
  for (unsigned i = 0U; i < msg->argc && len < size; ++i) {
    const MxtOscArg* const a = &msg->arg[i];
    switch (a->type) {
      case 'i':
        len += (size_t)snprintf(buf + len, size - len, " i:%d", a->i);
        break;
      case 'f':
        len += (size_t)snprintf(buf + len, size - len, " f:%.9g", (double)a->f);
        break;
      case 'h':
        len += (size_t)snprintf(buf + len, size - len, " h:%lld", (long long)a->h);
        break;
      case 'd':
        len += (size_t)snprintf(buf + len, size - len, " d:%.17g", a->d);
        break;
      case 's':
      case 'S':
        len += (size_t)snprintf(buf + len, size - len, " s:\"%s\"", a->s);
        break;
      default:
        len += (size_t)snprintf(buf + len, size - len, " %c", a->type);
        break;
    }
  }
}
