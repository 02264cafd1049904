// SPDX-License-Identifier: GPL-3.0-or-later

#include "autosave.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct MxAutosaveImpl {
  MxStore*        store;
  pthread_t       thread;
  pthread_mutex_t lock;
  pthread_cond_t  wake; ///< Something to write, or stop
  pthread_cond_t  idle; ///< Nothing waiting and nothing being written
  char            name[MX_STORE_NAME_MAX];
  char*           text;    ///< Waiting to be written, or NULL
  uint64_t        stamp;   ///< Its stamp
  bool            busy;    ///< The writer is writing
  bool            stop;    ///< Asked to stop
  uint64_t        written; ///< Stamp of the newest on disk
  char            error[512];
  bool            failed; ///< `error` not yet taken
};

static void*
run(void* const data)
{
  MxAutosave* const a = (MxAutosave*)data;
  pthread_mutex_lock(&a->lock);
  for (;;) {
    while (!a->text && !a->stop) {
      pthread_cond_wait(&a->wake, &a->lock);
    }
    if (!a->text) {
      break; // stopping with nothing left
    }
    char           name[MX_STORE_NAME_MAX];
    char* const    text  = a->text;
    const uint64_t stamp = a->stamp;
    memcpy(name, a->name, sizeof(name));
    a->text = NULL;
    a->busy = true;
    pthread_mutex_unlock(&a->lock);

    char           why[512];
    const MxStatus st = mx_store_autosave(a->store, name, text, strlen(text), why, sizeof(why));
    free(text);

    pthread_mutex_lock(&a->lock);
    a->busy = false;
    if (st) {
      snprintf(a->error, sizeof(a->error), "%s", why);
      a->failed = true;
    } else {
      a->written = stamp;
    }
    if (!a->text) {
      pthread_cond_broadcast(&a->idle);
    }
  }
  pthread_mutex_unlock(&a->lock);
  return NULL;
}

MxAutosave*
mx_autosave_new(MxStore* const store)
{
  MxAutosave* const a = (MxAutosave*)calloc(1U, sizeof(MxAutosave));
  if (!a) {
    return NULL;
  }
  a->store = store;
  pthread_mutex_init(&a->lock, NULL);
  pthread_cond_init(&a->wake, NULL);
  pthread_cond_init(&a->idle, NULL);
  if (pthread_create(&a->thread, NULL, run, a)) {
    pthread_cond_destroy(&a->idle);
    pthread_cond_destroy(&a->wake);
    pthread_mutex_destroy(&a->lock);
    free(a);
    return NULL;
  }
  return a;
}

void
mx_autosave_free(MxAutosave* const a)
{
  if (!a) {
    return;
  }
  pthread_mutex_lock(&a->lock);
  a->stop = true;
  pthread_cond_signal(&a->wake);
  pthread_mutex_unlock(&a->lock);
  pthread_join(a->thread, NULL);
  free(a->text);
  pthread_cond_destroy(&a->idle);
  pthread_cond_destroy(&a->wake);
  pthread_mutex_destroy(&a->lock);
  free(a);
}

void
mx_autosave_submit(MxAutosave* const a,
                   const char* const name,
                   char* const       text,
                   const uint64_t    stamp)
{
  // A name that does not fit would be cut into another one: refuse it now
  char why[256];
  if (mx_store_check_name(name, why, sizeof(why))) {
    free(text);
    pthread_mutex_lock(&a->lock);
    snprintf(a->error, sizeof(a->error), "%s", why);
    a->failed = true;
    pthread_mutex_unlock(&a->lock);
    return;
  }
  pthread_mutex_lock(&a->lock);
  // Another session's last text waits: it is not superseded by this one
  while (a->text && strcmp(a->name, name)) {
    pthread_cond_wait(&a->idle, &a->lock);
  }
  free(a->text); // superseded before it was written
  a->text  = text;
  a->stamp = stamp;
  snprintf(a->name, sizeof(a->name), "%s", name);
  pthread_cond_signal(&a->wake);
  pthread_mutex_unlock(&a->lock);
}

void
mx_autosave_flush(MxAutosave* const a)
{
  pthread_mutex_lock(&a->lock);
  while (a->text || a->busy) {
    pthread_cond_wait(&a->idle, &a->lock);
  }
  pthread_mutex_unlock(&a->lock);
}

uint64_t
mx_autosave_written(MxAutosave* const a)
{
  pthread_mutex_lock(&a->lock);
  const uint64_t written = a->written;
  pthread_mutex_unlock(&a->lock);
  return written;
}

bool
mx_autosave_take_error(MxAutosave* const a, char* const why, const size_t size)
{
  pthread_mutex_lock(&a->lock);
  const bool failed = a->failed;
  if (failed) {
    snprintf(why, size, "%s", a->error);
    a->failed = false;
  }
  pthread_mutex_unlock(&a->lock);
  return failed;
}
