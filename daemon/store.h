// SPDX-License-Identifier: GPL-3.0-or-later
#ifndef MX_DAEMON_STORE_H
#define MX_DAEMON_STORE_H

#include "common.h"

#include <stdbool.h>
#include <stddef.h>
#include <time.h>
#include <stdint.h>

/// The session directory: named sessions, their autosaves, and which was used last.

/*
  Layout of the directory (mixd(1), FILES):

      NAME.session                  a session saved by name
      .autosave/NAME/SEQ.session    its autosaves, SEQ counting up; the
                                    last `versions` are kept
      .last                         the name of the session in use
      .lock                         held (flock) while a mixd uses the directory

  Every file is written whole or not at all (atomic_file.h: temporary,
  fsync, rename, fsync of the directory), so a crash at any moment leaves
  each name holding its old or its new text, and an autosave is never
  seen half-written.  Names come from users (OSC, mixctl), so every name
  is checked: it stays inside the directory.

  Main thread; mx_store_autosave() may run on another thread as long as
  only one does at a time.
*/

/// Longest session name, bytes.
#define MX_STORE_NAME_MAX 128U

typedef struct MxStoreImpl MxStore;

/**
   Check a session name: 1 to MX_STORE_NAME_MAX - 1 bytes of UTF-8, no
   "/", no NUL or control characters, not "." or "..", not starting with
   "." (those are the store's own files).

   @param why Receives the reason on error.
   @return MX_SUCCESS or MX_ERR_BAD_ARG.
*/
MxStatus
mx_store_check_name(const char* name, char* why, size_t why_size);

/**
   Open (making it, and its parents, if needed) a session directory and
   lock it against another mixd.

   @param versions Autosaves kept per session (at least 1).
   @param err Receives "DIR: reason" on error.
*/
MxStatus
mx_store_open(const char* dir, unsigned versions, MxStore** out, char* err, size_t err_size);

/// Unlock and close.
void
mx_store_free(MxStore* store);

/// The directory.
const char*
mx_store_dir(const MxStore* store);

/**
   Save `text` as the session `name`, atomically.

   @param err Receives the reason on error; the old file is untouched.
*/
MxStatus
mx_store_save(MxStore*    store,
              const char* name,
              const char* text,
              size_t      len,
              char*       err,
              size_t      err_size);

/**
   Read the session `name`.

   @param text Receives the text, NUL-terminated (free with free()).
   @return MX_ERR_NOT_FOUND if there is no such session.
*/
MxStatus
mx_store_load(const MxStore* store,
              const char*    name,
              char**         text,
              size_t*        len,
              char*          err,
              size_t         err_size);

/// True if the session `name` has been saved.
bool
mx_store_exists(const MxStore* store, const char* name);

/**
   The saved sessions' names, sorted.

   @param names Receives an array of `*count` names (free with
   mx_store_free_names()).
*/
MxStatus
mx_store_list(const MxStore* store, char*** names, size_t* count);

/// Free what mx_store_list() gave.
void
mx_store_free_names(char** names, size_t count);

/**
   Write `text` as the newest autosave of `name` and drop the versions
   beyond the last `versions`.
*/
MxStatus
mx_store_autosave(MxStore*    store,
                  const char* name,
                  const char* text,
                  size_t      len,
                  char*       err,
                  size_t      err_size);

/**
   When an autosave of `name` was written (its age as in
   mx_store_load_autosave()).

   @return MX_ERR_NOT_FOUND when there is no such autosave.
*/
MxStatus
mx_store_autosave_time(const MxStore*   store,
                       const char*      name,
                       unsigned         age,
                       struct timespec* mtime);

/**
   Read an autosave of `name`, newest first.

   @param age 0 for the newest, 1 for the one before, ...
   @return MX_ERR_NOT_FOUND when there are no more.
*/
MxStatus
mx_store_load_autosave(const MxStore* store,
                       const char*    name,
                       unsigned       age,
                       char**         text,
                       size_t*        len,
                       char*          err,
                       size_t         err_size);

/// Record `name` as the session in use (read back by mx_store_last()).
MxStatus
mx_store_set_last(MxStore* store, const char* name, char* err, size_t err_size);

/**
   The name of the session last in use.

   @return MX_ERR_NOT_FOUND if none was recorded (or the record is not a
   valid name).
*/
MxStatus
mx_store_last(const MxStore* store, char* name, size_t size);

#endif // MX_DAEMON_STORE_H
