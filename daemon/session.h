// SPDX-License-Identifier: GPL-3.0-or-later
#ifndef MX_DAEMON_SESSION_H
#define MX_DAEMON_SESSION_H

#include "model.h"

#include <stddef.h>

/// Sessions as text: one control per line in the address language (mixd-session(5)).

/*
  A session is UTF-8 text.  Each line is an address of osc/address.h and
  its arguments, separated by blanks; "#" starts a comment; an argument
  with blanks or "#" can be written in double quotes ("a \"b\"").  Lines
  apply in order, exactly as the same messages would over OSC:

      # mixd session
      /strip/add vocal 1
      /bus/add reverb aux 2
      /strip/vocal/trim 3.5
      /strip/vocal/send/reverb/level -12

  Reading builds a fresh model and stops at the first bad line, with
  "FILE:LINE: reason"; nothing else changes, so a running mix is never
  left half-loaded.  Writing puts every strip and bus first, then each
  control that differs from its default, in a fixed order, so reading a
  written session and writing it again gives the same text.

  Main thread (or any thread that owns the model).
*/

/// Longest line of a session, bytes.
#define MX_SESSION_LINE_MAX 1024U

/**
   Apply one line to a model.

   @param why Receives the reason on error.
   @return MX_SUCCESS (also for a blank or comment line), or the error.
*/
MxStatus
mx_session_apply_line(MxModel* model, const char* line, char* why, size_t why_size);

/**
   Read session text into a new model.

   @param text The text; need not end with a newline; NUL bytes are an
   error.
   @param len Its length, bytes.
   @param name What to call it in messages (the file name).
   @param limits Capacity of the model.
   @param out Receives the model on success (free with mx_model_free()).
   @param err Receives "NAME:LINE: reason" on error.
*/
MxStatus
mx_session_parse(const char*     text,
                 size_t          len,
                 const char*     name,
                 const MxLimits* limits,
                 MxModel**       out,
                 char*           err,
                 size_t          err_size);

/**
   Read a whole text file (at most 64 MiB), NUL-terminated.

   @param text Receives the text (free with free()).
   @param err Receives "PATH: reason" on error.
*/
MxStatus
mx_session_read_text(const char* path, char** text, size_t* len, char* err, size_t err_size);

/**
   Read a session file into a new model, as mx_session_parse().

   @param err Receives "PATH: reason" if the file cannot be read.
*/
MxStatus
mx_session_read_file(const char*     path,
                     const MxLimits* limits,
                     MxModel**       out,
                     char*           err,
                     size_t          err_size);

/**
   Write a model as session text.

   @return The text (free with free()), or NULL if memory ran out.
*/
char*
mx_session_format(const MxModel* model);

/// A connection rule outside the model: ports matching `from` to ports matching `to`.
typedef struct {
  const char* from;
  const char* to;
} MxSessionConnection;

/**
   mx_session_format() with more connection rules after the model's (the
   connections made by hand, so that a session keeps them); one that is
   already a rule of the model is not written twice.
*/
char*
mx_session_format_with(const MxModel* model, const MxSessionConnection* extra, size_t n_extra);

/**
   Write a model to a session file, atomically: a temporary file in the
   same directory, fsync, rename over `path`, fsync of the directory.  On
   failure `path` is untouched and no temporary file is left.

   @param err Receives "PATH: reason" on error.
*/
MxStatus
mx_session_write_file(const char* path, const MxModel* model, char* err, size_t err_size);

#endif // MX_DAEMON_SESSION_H
