// SPDX-License-Identifier: GPL-3.0-or-later

#include "store.h"

#include "atomic_file.h"
#include "session.h"
#include "why.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/// Extension of session files
#define EXT ".session"

/// Longest path in the store, bytes
#define PATH_MAX_BYTES 4096U

struct MxStoreImpl {
  char*    dir;      ///< The directory
  unsigned versions; ///< Autosaves kept per session
  int      lock_fd;  ///< Open on .lock, flocked
};

// ---------------------------------------------------------------------------
// Names

// Length of the UTF-8 sequence at `s`, or 0 if it is not one (RFC 3629:
// no overlongs, no surrogates, nothing above U+10FFFF)
static size_t
utf8_length(const unsigned char* const s)
{
  if (s[0] < 0x80U) {
    return 1U;
  }
  size_t   n   = 0U;
  uint32_t c   = 0U;
  uint32_t min = 0U;
  if ((s[0] & 0xE0U) == 0xC0U) {
    n = 2U, c = s[0] & 0x1FU, min = 0x80U;
  } else if ((s[0] & 0xF0U) == 0xE0U) {
    n = 3U, c = s[0] & 0x0FU, min = 0x800U;
  } else if ((s[0] & 0xF8U) == 0xF0U) {
    n = 4U, c = s[0] & 0x07U, min = 0x10000U;
  } else {
    return 0U;
  }
  for (size_t i = 1U; i < n; ++i) {
    if ((s[i] & 0xC0U) != 0x80U) {
      return 0U;
    }
    c = (c << 6U) | (s[i] & 0x3FU);
  }
  return c < min || c > 0x10FFFFU || (c >= 0xD800U && c <= 0xDFFFU) ? 0U : n;
}

MxStatus
mx_store_check_name(const char* const name, char* const why, const size_t size)
{
  const size_t len = strlen(name);
  if (!len) {
    return mx_why(MX_ERR_BAD_ARG, why, size, "a session name cannot be empty");
  }
  if (len >= MX_STORE_NAME_MAX) {
    return mx_why(
      MX_ERR_BAD_ARG, why, size, "a session name is at most %u bytes", MX_STORE_NAME_MAX - 1U);
  }
  if (name[0] == '.') {
    return mx_why(MX_ERR_BAD_ARG, why, size, "a session name cannot start with '.'");
  }
  for (const unsigned char* c = (const unsigned char*)name; *c;) {
    if (*c == '/' || *c == '\\') {
      return mx_why(MX_ERR_BAD_ARG, why, size, "a session name cannot hold '%c'", *c);
    }
    if (*c < 0x20U || *c == 0x7FU) {
      return mx_why(MX_ERR_BAD_ARG, why, size, "a session name cannot hold control characters");
    }
    const size_t n = utf8_length(c);
    if (!n) {
      return mx_why(MX_ERR_BAD_ARG, why, size, "a session name must be UTF-8");
    }
    c += n;
  }
  return MX_SUCCESS;
}

// ---------------------------------------------------------------------------
// Files

// `dir` and every parent, as `mkdir -p`
static int
make_dirs(const char* const dir)
{
  char path[PATH_MAX_BYTES];
  if (snprintf(path, sizeof(path), "%s", dir) >= (int)sizeof(path)) {
    return ENAMETOOLONG;
  }
  for (char* p = path + 1; *p; ++p) {
    if (*p == '/') {
      *p = '\0';
      if (mkdir(path, 0755) && errno != EEXIST) {
        return errno;
      }
      *p = '/';
    }
  }
  if (mkdir(path, 0755) && errno != EEXIST) {
    return errno;
  }
  struct stat st;
  return stat(path, &st) ? errno : S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
}

static int
write_atomic(const char* const path, const char* const text, const size_t len)
{
  MxAtomicFile file;
  int          err = mx_atomic_file_open(&file, path);
  if (err) {
    return err;
  }
  err = mx_atomic_file_write(&file, text, len);
  if (err) {
    mx_atomic_file_abort(&file);
    return err;
  }
  return mx_atomic_file_commit(&file);
}

// DIR/NAME.session, after checking the name
static MxStatus
session_path(const MxStore* const store,
             const char* const    name,
             char* const          out,
             const size_t         size,
             char* const          why,
             const size_t         why_size)
{
  MxStatus st = MX_SUCCESS;
  TRY(st, mx_store_check_name(name, why, why_size));
  if (snprintf(out, size, "%s/%s" EXT, store->dir, name) >= (int)size) {
    return mx_why(MX_ERR_RANGE, why, why_size, "the session path is too long");
  }
  return MX_SUCCESS;
}

// ---------------------------------------------------------------------------
// The store

// A temporary file of atomic_file.h, ".BASE.XXXXXX", of a session or .last:
// what a kill during a write leaves; it was never renamed, so never read
static bool
is_leftover(const char* const name)
{
  const size_t len = strlen(name);
  if (name[0] != '.' || len < 9U || name[len - 7U] != '.') {
    return false;
  }
  const size_t      base  = len - 8U; // without the leading '.' and ".XXXXXX"
  static const char ext[] = ".session";
  return (base == 5U && !strncmp(name + 1, ".last", 5U)) ||
         (base > sizeof(ext) - 1U &&
          !strncmp(name + 1 + base - (sizeof(ext) - 1U), ext, sizeof(ext) - 1U));
}

static void
sweep_dir(const char* const dir)
{
  DIR* const d = opendir(dir);
  if (!d) {
    return;
  }
  char path[PATH_MAX_BYTES + 300U];
  for (const struct dirent* e = readdir(d); e; e = readdir(d)) {
    if (is_leftover(e->d_name)) {
      snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
      unlink(path);
    }
  }
  closedir(d);
}

// Remove the leftovers of writes that a kill cut short, in the directory
// and every session's autosaves (only with the lock held: another mixd's
// write in progress looks the same)
static void
sweep_leftovers(const char* const dir)
{
  char autosave[PATH_MAX_BYTES];
  char path[PATH_MAX_BYTES + 300U];
  sweep_dir(dir);
  snprintf(autosave, sizeof(autosave), "%s/.autosave", dir);
  DIR* const d = opendir(autosave);
  if (!d) {
    return;
  }
  for (const struct dirent* e = readdir(d); e; e = readdir(d)) {
    if (e->d_name[0] != '.') {
      snprintf(path, sizeof(path), "%s/%s", autosave, e->d_name);
      sweep_dir(path);
    }
  }
  closedir(d);
}

MxStatus
mx_store_open(const char* const dir,
              const unsigned    versions,
              MxStore** const   out,
              char* const       err,
              const size_t      size)
{
  char path[PATH_MAX_BYTES];
  int  e = make_dirs(dir);
  if (e) {
    return mx_why(MX_ERR_NOT_FOUND, err, size, "%s: %s", dir, strerror(e));
  }
  snprintf(path, sizeof(path), "%s/.autosave", dir);
  e = make_dirs(path);
  if (e) {
    return mx_why(MX_ERR_NOT_FOUND, err, size, "%s: %s", path, strerror(e));
  }

  // One mixd per directory: two would overwrite each other's autosaves
  snprintf(path, sizeof(path), "%s/.lock", dir);
  const int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return mx_why(MX_ERR_NOT_FOUND, err, size, "%s: %s", path, strerror(errno));
  }
  if (flock(fd, LOCK_EX | LOCK_NB)) {
    char      pid[32]       = "";
    const int n             = (int)pread(fd, pid, sizeof(pid) - 1U, 0);
    pid[n > 0 ? n : 0]      = '\0';
    pid[strcspn(pid, "\n")] = '\0';
    close(fd);
    return mx_why(MX_ERR_BAD_STATE,
                  err,
                  size,
                  "%s: in use by another mixd%s%s",
                  dir,
                  pid[0] ? ", pid " : "",
                  pid);
  }
  char      pid[32];
  const int n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
  if (ftruncate(fd, 0) || pwrite(fd, pid, (size_t)n, 0) != n) {
    // Only a courtesy for the message above
  }

  sweep_leftovers(dir);

  MxStore* const store = (MxStore*)calloc(1U, sizeof(MxStore));
  if (!store || !(store->dir = strdup(dir))) {
    free(store);
    close(fd);
    return mx_why(MX_ERR_NO_MEMORY, err, size, "out of memory");
  }
  store->versions = versions ? versions : 1U;
  store->lock_fd  = fd;
  *out            = store;
  return MX_SUCCESS;
}

void
mx_store_free(MxStore* const store)
{
  if (store) {
    close(store->lock_fd); // releases the flock
    free(store->dir);
    free(store);
  }
}

const char*
mx_store_dir(const MxStore* const store)
{
  return store->dir;
}

MxStatus
mx_store_save(MxStore* const    store,
              const char* const name,
              const char* const text,
              const size_t      len,
              char* const       err,
              const size_t      size)
{
  char     path[PATH_MAX_BYTES];
  MxStatus st = MX_SUCCESS;
  TRY(st, session_path(store, name, path, sizeof(path), err, size));
  const int e = write_atomic(path, text, len);
  return e ? mx_why(MX_ERR_NOT_FOUND, err, size, "%s: %s", path, strerror(e)) : MX_SUCCESS;
}

MxStatus
mx_store_load(const MxStore* const store,
              const char* const    name,
              char** const         text,
              size_t* const        len,
              char* const          err,
              const size_t         size)
{
  char     path[PATH_MAX_BYTES];
  MxStatus st = MX_SUCCESS;
  TRY(st, session_path(store, name, path, sizeof(path), err, size));
  struct stat info;
  if (stat(path, &info) && errno == ENOENT) {
    return mx_why(MX_ERR_NOT_FOUND, err, size, "no session '%s'", name);
  }
  return mx_session_read_text(path, text, len, err, size);
}

bool
mx_store_exists(const MxStore* const store, const char* const name)
{
  char        path[PATH_MAX_BYTES];
  struct stat st;
  return !session_path(store, name, path, sizeof(path), NULL, 0U) && !stat(path, &st) &&
         S_ISREG(st.st_mode);
}

static int
compare_names(const void* const a, const void* const b)
{
  return strcmp(*(char* const*)a, *(char* const*)b);
}

// Names of the files in `dir` ending in `ext`, without it, that pass `keep`
static MxStatus
list_dir(const char* const dir,
         const char* const ext,
         bool (*keep)(const char*),
         char*** const names,
         size_t* const count)
{
  DIR* const d = opendir(dir);
  *names       = NULL;
  *count       = 0U;
  if (!d) {
    return errno == ENOENT ? MX_SUCCESS : MX_ERR_NOT_FOUND;
  }
  size_t         cap  = 0U;
  MxStatus       st   = MX_SUCCESS;
  struct dirent* e    = NULL;
  const size_t   elen = strlen(ext);
  while (!st && (e = readdir(d))) {
    const size_t len = strlen(e->d_name);
    if (len <= elen || strcmp(e->d_name + len - elen, ext)) {
      continue;
    }
    // Only files: a directory "x.session" is no session (mx_store_exists agrees)
    struct stat info;
    if (fstatat(dirfd(d), e->d_name, &info, 0) || !S_ISREG(info.st_mode)) {
      continue;
    }
    char* const name = strndup(e->d_name, len - elen);
    if (!name) {
      st = MX_ERR_NO_MEMORY;
      break;
    }
    if (!keep(name)) {
      free(name);
      continue;
    }
    if (*count == cap) {
      cap               = cap ? cap * 2U : 16U;
      char** const more = (char**)realloc(*names, cap * sizeof(char*));
      if (!more) {
        free(name);
        st = MX_ERR_NO_MEMORY;
        break;
      }
      *names = more;
    }
    (*names)[(*count)++] = name;
  }
  closedir(d);
  if (st) {
    mx_store_free_names(*names, *count);
    *names = NULL;
    *count = 0U;
    return st;
  }
  if (*count) {
    qsort(*names, *count, sizeof(char*), compare_names);
  }
  return MX_SUCCESS;
}

static bool
is_session_name(const char* const name)
{
  return !mx_store_check_name(name, NULL, 0U);
}

MxStatus
mx_store_list(const MxStore* const store, char*** const names, size_t* const count)
{
  return list_dir(store->dir, EXT, is_session_name, names, count);
}

void
mx_store_free_names(char** const names, const size_t count)
{
  for (size_t i = 0U; i < count; ++i) {
    free(names[i]);
  }
  free(names);
}

// ---------------------------------------------------------------------------
// Autosaves

/// Digits of an autosave's sequence number: names sort as numbers
#define SEQ_DIGITS 12

static bool
is_sequence(const char* const name)
{
  if (strlen(name) != SEQ_DIGITS) {
    return false;
  }
  for (const char* c = name; *c; ++c) {
    if (*c < '0' || *c > '9') {
      return false;
    }
  }
  return true;
}

// The autosaves of `name`, oldest first
static MxStatus
autosaves(const MxStore* const store,
          const char* const    name,
          char* const          dir,
          const size_t         size,
          char*** const        seqs,
          size_t* const        count,
          char* const          why,
          const size_t         why_size)
{
  MxStatus st = MX_SUCCESS;
  TRY(st, mx_store_check_name(name, why, why_size));
  if (snprintf(dir, size, "%s/.autosave/%s", store->dir, name) >= (int)size) {
    return mx_why(MX_ERR_RANGE, why, why_size, "the autosave path is too long");
  }
  st = list_dir(dir, EXT, is_sequence, seqs, count);
  return st ? mx_why(st, why, why_size, "%s: %s", dir, strerror(errno)) : MX_SUCCESS;
}

MxStatus
mx_store_autosave(MxStore* const    store,
                  const char* const name,
                  const char* const text,
                  const size_t      len,
                  char* const       err,
                  const size_t      size)
{
  char     dir[PATH_MAX_BYTES];
  char     path[PATH_MAX_BYTES + 32U];
  char**   seqs  = NULL;
  size_t   count = 0U;
  MxStatus st    = MX_SUCCESS;
  TRY(st, autosaves(store, name, dir, sizeof(dir), &seqs, &count, err, size));
  const unsigned long long next = count ? strtoull(seqs[count - 1U], NULL, 10) + 1U : 1U;

  int e = make_dirs(dir);
  if (!e) {
    snprintf(path, sizeof(path), "%s/%0*llu" EXT, dir, SEQ_DIGITS, next);
    e = write_atomic(path, text, len);
  }
  if (e) {
    mx_store_free_names(seqs, count);
    return mx_why(MX_ERR_NOT_FOUND, err, size, "%s: %s", e == ENOENT ? dir : path, strerror(e));
  }

  // The new one is safe on disk: now the oldest may go
  for (size_t i = 0U; i + store->versions < count + 1U; ++i) {
    snprintf(path, sizeof(path), "%s/%s" EXT, dir, seqs[i]);
    unlink(path);
  }
  mx_store_free_names(seqs, count);
  return MX_SUCCESS;
}

// The path of an autosave of `name`, `age` back from the newest
static MxStatus
autosave_path(const MxStore* const store,
              const char* const    name,
              const unsigned       age,
              char* const          path,
              const size_t         path_size,
              char* const          err,
              const size_t         size)
{
  char     dir[PATH_MAX_BYTES];
  char**   seqs  = NULL;
  size_t   count = 0U;
  MxStatus st    = MX_SUCCESS;
  TRY(st, autosaves(store, name, dir, sizeof(dir), &seqs, &count, err, size));
  if (age >= count) {
    mx_store_free_names(seqs, count);
    return mx_why(MX_ERR_NOT_FOUND, err, size, "no autosave of '%s'", name);
  }
  snprintf(path, path_size, "%s/%s" EXT, dir, seqs[count - 1U - age]);
  mx_store_free_names(seqs, count);
  return MX_SUCCESS;
}

MxStatus
mx_store_load_autosave(const MxStore* const store,
                       const char* const    name,
                       const unsigned       age,
                       char** const         text,
                       size_t* const        len,
                       char* const          err,
                       const size_t         size)
{
  char     path[PATH_MAX_BYTES + 32U];
  MxStatus st = MX_SUCCESS;
  TRY(st, autosave_path(store, name, age, path, sizeof(path), err, size));
  return mx_session_read_text(path, text, len, err, size);
}

MxStatus
mx_store_autosave_time(const MxStore* const   store,
                       const char* const      name,
                       const unsigned         age,
                       struct timespec* const mtime)
{
  char        path[PATH_MAX_BYTES + 32U];
  char        err[16];
  struct stat st;
  if (autosave_path(store, name, age, path, sizeof(path), err, sizeof(err)) || stat(path, &st)) {
    return MX_ERR_NOT_FOUND;
  }
  *mtime = st.st_mtim;
  return MX_SUCCESS;
}

// ---------------------------------------------------------------------------
// The session in use

MxStatus
mx_store_set_last(MxStore* const store, const char* const name, char* const err, const size_t size)
{
  char     path[PATH_MAX_BYTES];
  char     line[MX_STORE_NAME_MAX + 1U];
  MxStatus st = MX_SUCCESS;
  TRY(st, mx_store_check_name(name, err, size));
  snprintf(path, sizeof(path), "%s/.last", store->dir);
  const int n = snprintf(line, sizeof(line), "%s\n", name);
  const int e = write_atomic(path, line, (size_t)n);
  return e ? mx_why(MX_ERR_NOT_FOUND, err, size, "%s: %s", path, strerror(e)) : MX_SUCCESS;
}

MxStatus
mx_store_last(const MxStore* const store, char* const name, const size_t size)
{
  char   path[PATH_MAX_BYTES];
  char*  text = NULL;
  size_t len  = 0U;
  snprintf(path, sizeof(path), "%s/.last", store->dir);
  if (mx_session_read_text(path, &text, &len, NULL, 0U)) {
    return MX_ERR_NOT_FOUND;
  }
  text[strcspn(text, "\n")] = '\0';
  const bool ok             = !mx_store_check_name(text, NULL, 0U) && strlen(text) < size;
  if (ok) {
    memcpy(name, text, strlen(text) + 1U);
  }
  free(text);
  return ok ? MX_SUCCESS : MX_ERR_NOT_FOUND;
}
