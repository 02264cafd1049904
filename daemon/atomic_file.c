// SPDX-License-Identifier: GPL-3.0-or-later

#include "atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

// The directory of `path` ("." for a bare name), as a new string
static char*
directory_of(const char* const path)
{
  char* const copy = strdup(path);
  char* const dir  = copy ? strdup(dirname(copy)) : NULL;
  free(copy);
  return dir;
}

int
mx_atomic_file_open(MxAtomicFile* const file, const char* const path)
{
  memset(file, 0, sizeof(*file));
  file->fd = -1;

  char* const  copy = strdup(path);
  char* const  dir  = directory_of(path);
  const char*  base = copy ? basename(copy) : NULL;
  const size_t len  = dir && base ? strlen(dir) + strlen(base) + 16U : 0U;
  file->path        = strdup(path);
  file->tmp         = len ? (char*)malloc(len) : NULL;
  if (!file->path || !file->tmp) {
    free(copy);
    free(dir);
    mx_atomic_file_abort(file);
    return ENOMEM;
  }
  snprintf(file->tmp, len, "%s/.%s.XXXXXX", dir, base);
  free(copy);
  free(dir);

  file->fd = mkstemp(file->tmp);
  if (file->fd < 0) {
    const int e = errno;
    free(file->tmp);
    file->tmp = NULL;
    mx_atomic_file_abort(file);
    return e;
  }

  // mkstemp makes 0600; give the file what open(2) would have
  const mode_t mask = umask(022);
  umask(mask);
  if (fchmod(file->fd, 0666 & ~mask)) {
    const int e = errno;
    mx_atomic_file_abort(file);
    return e;
  }
  return 0;
}

int
mx_atomic_file_write(MxAtomicFile* const file, const void* const data, const size_t size)
{
  const char* p    = (const char*)data;
  size_t      left = size;
  while (left) {
    const ssize_t n = write(file->fd, p, left);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return n < 0 ? errno : EIO;
    }
    p += n;
    left -= (size_t)n;
  }
  return 0;
}

int
mx_atomic_file_commit(MxAtomicFile* const file)
{
  int e = fsync(file->fd) ? errno : 0;
  if (close(file->fd) && !e) {
    e = errno;
  }
  file->fd = -1;
  if (!e && rename(file->tmp, file->path)) {
    e = errno;
  }
  if (e) {
    mx_atomic_file_abort(file);
    return e;
  }

  // The rename is only durable once the directory is on disk
  char* const dir = directory_of(file->path);
  const int   fd  = dir ? open(dir, O_RDONLY | O_DIRECTORY) : -1;
  if (fd >= 0) {
    fsync(fd);
    close(fd);
  }
  free(dir);
  free(file->tmp);
  free(file->path);
  memset(file, 0, sizeof(*file));
  file->fd = -1;
  return 0;
}

void
mx_atomic_file_abort(MxAtomicFile* const file)
{
  if (file->fd >= 0) {
    close(file->fd);
  }
  if (file->tmp) {
    unlink(file->tmp);
  }
  free(file->tmp);
  free(file->path);
  memset(file, 0, sizeof(*file));
  file->fd = -1;
}
