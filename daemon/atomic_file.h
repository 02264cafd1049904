// SPDX-License-Identifier: GPL-3.0-or-later
#ifndef MX_DAEMON_ATOMIC_FILE_H
#define MX_DAEMON_ATOMIC_FILE_H

#include <stddef.h>

/// A file that appears under its name complete or not at all: write a temporary, then rename.

/**
   A file being written.

   mx_atomic_file_open() makes a hidden temporary beside the target
   (".NAME.XXXXXX" in the same directory, so the rename cannot cross file
   systems); mx_atomic_file_commit() syncs it, renames it over the target
   and syncs the directory, so after a crash the target is the old file or
   the new one, never a part.  mx_atomic_file_abort() removes it.  Exactly
   one of commit or abort ends every successful open.  Main thread.
*/
typedef struct {
  char* path; ///< The target
  char* tmp;  ///< The temporary
  int   fd;   ///< Open on the temporary, for writing
} MxAtomicFile;

/**
   Create the temporary for `path`, with the permissions a new file gets
   (0666 less the umask).

   @return 0, or an errno value (nothing is left behind).
*/
int
mx_atomic_file_open(MxAtomicFile* file, const char* path);

/// Write all of `size` bytes.  @return 0 or an errno value.
int
mx_atomic_file_write(MxAtomicFile* file, const void* data, size_t size);

/**
   Sync, close and rename the temporary over the target, then sync the
   directory.

   @return 0, or an errno value (then the temporary is removed and the
   target untouched).
*/
int
mx_atomic_file_commit(MxAtomicFile* file);

/// Close and remove the temporary; the target is untouched.
void
mx_atomic_file_abort(MxAtomicFile* file);

#endif // MX_DAEMON_ATOMIC_FILE_H
