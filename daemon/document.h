// SPDX-License-Identifier: GPL-3.0-or-later
#ifndef MX_DAEMON_DOCUMENT_H
#define MX_DAEMON_DOCUMENT_H

#include "common.h"
#include "model.h"
#include "scenes.h"
#include "session.h"

#include <stddef.h>

/// A whole session file: the mix, then the surface aliases and the scenes, in sections.

/*
  The mix comes first, in the session language (session.h).  After it,
  optional sections, each opened by a header line:

      [aliases]               alias lines, as an alias file (mixd-osc(7))
      [scene 3 "Verse 2"]     scene 3 and its name, in the session language

  A header is a line whose first non-blank character is "[".  Errors name
  the line in the file, "NAME:LINE: reason", and reading stops: a document
  is taken whole or not at all.  Main thread.
*/

/// A session file read.
typedef struct {
  MxModel*  mix;     ///< The mix
  char*     aliases; ///< The [aliases] section's text, or NULL if there is none
  MxScenes* scenes;  ///< The scenes
} MxDocument;

/**
   Read a session file's text.

   @param out Receives the parts (free with mx_document_clear()); on error
   it holds nothing.
*/
MxStatus
mx_document_parse(const char*     text,
                  size_t          len,
                  const char*     name,
                  const MxLimits* limits,
                  MxDocument*     out,
                  char*           err,
                  size_t          err_size);

/// Free the parts of a document.
void
mx_document_clear(MxDocument* doc);

/**
   Write a session file's text.

   @param aliases The alias lines, or NULL for none.
   @param scenes The scenes, or NULL for none.
   @return The text (free with free()), or NULL if memory ran out.
*/
char*
mx_document_format(const MxModel* mix, const char* aliases, const MxScenes* scenes);

/// mx_document_format() with connection rules after the mix's (mx_session_format_with()).
char*
mx_document_format_with(const MxModel*             mix,
                        const MxSessionConnection* extra,
                        size_t                     n_extra,
                        const char*                aliases,
                        const MxScenes*            scenes);

#endif // MX_DAEMON_DOCUMENT_H
