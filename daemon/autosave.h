// SPDX-License-Identifier: GPL-3.0-or-later
#ifndef MX_DAEMON_AUTOSAVE_H
#define MX_DAEMON_AUTOSAVE_H

#include "store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/// Autosaves written on a thread of their own, so a slow disk never holds up the control loop.

/*
  The control thread hands over the session text (mx_autosave_submit());
  the writer thread writes it with mx_store_autosave() (temporary, fsync,
  rename, fsync of the directory).  A text handed over while another is
  being written waits; a newer one of the same session replaces it, so a
  slow disk writes fewer versions but always the newest (a text of another
  session waits for the one waiting to be written).  Main thread for every function;
  the store is used only by the writer thread until mx_autosave_free().
*/

typedef struct MxAutosaveImpl MxAutosave;

/// Start the writer, or NULL if it cannot start.
MxAutosave*
mx_autosave_new(MxStore* store);

/// Write what is waiting, then stop the writer.
void
mx_autosave_free(MxAutosave* autosave);

/**
   Hand over a session's text to be written.

   @param text Taken (freed by the writer).
   @param stamp What the text is of (a model generation): mx_autosave_written() returns it once on
   disk.
*/
void
mx_autosave_submit(MxAutosave* autosave, const char* name, char* text, uint64_t stamp);

/// Wait until everything handed over is written (or failed).
void
mx_autosave_flush(MxAutosave* autosave);

/// The stamp of the newest text on disk (0 before the first).
uint64_t
mx_autosave_written(MxAutosave* autosave);

/**
   Take the last write error, if any since the last call.

   @return true and `why` set if a write failed.
*/
bool
mx_autosave_take_error(MxAutosave* autosave, char* why, size_t why_size);

#endif // MX_DAEMON_AUTOSAVE_H
