// SPDX-License-Identifier: GPL-3.0-or-later

// Which mix the desk (daemon/desk.h) starts with: the newest autosave that
// reads of the last session, or a session file unless an autosave of the
// same name was written after it (a mix changed and then killed), and never
// a broken file.  The daemon-level proofs (kill -9, restarts) are in
// tests/kill.sh; these pin down each choice.

#include "desk.h"
#include "engine.h"
#include "session.h"
#include "store.h"

#include "testutil.h"

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/// This test's directory: the session directory and the files beside it
static char base[64];

static void
make_base(void)
{
  mxt_make_temp_dir(base, sizeof(base), "desk");
}

static void
remove_base(void)
{
  mxt_remove_tree(base);
}

static const char*
in_base(const char* const name)
{
  static char path[4][256];
  static int  next = 0;
  next             = (next + 1) % 4;
  snprintf(path[next], sizeof(path[next]), "%s/%s", base, name);
  return path[next];
}

static void
write_text(const char* const path, const char* const text)
{
  FILE* const f = fopen(path, "w");
  ck_assert_ptr_nonnull(f);
  ck_assert_int_eq(fputs(text, f) >= 0, 1);
  ck_assert_int_eq(fclose(f), 0);
}

// Move a file's modification time `seconds` from now
static void
touch_by(const char* const path, const int seconds)
{
  const struct timespec t[2] = { { time(NULL) + seconds, 0 }, { time(NULL) + seconds, 0 } };
  ck_assert_int_eq(utimensat(AT_FDCWD, path, t, 0), 0);
}

static MxStore*
open_store(void)
{
  MxStore* store = NULL;
  char     err[256];
  ck_assert_msg(
    mx_store_open(in_base("sessions"), 5U, &store, err, sizeof(err)) == MX_SUCCESS, "%s", err);
  return store;
}

static void
autosave(const char* const name, const char* const text)
{
  MxStore* const store = open_store();
  char           err[256];
  ck_assert_msg(
    mx_store_autosave(store, name, text, strlen(text), err, sizeof(err)) == MX_SUCCESS, "%s", err);
  ck_assert_int_eq(mx_store_set_last(store, name, err, sizeof(err)), MX_SUCCESS);
  mx_store_free(store);
}

/// What a start gave: the session's name, its mix as text, the note
typedef struct {
  MxStatus status;
  char     name[128];
  char*    mix;
  char     note[512];
  char     err[512];
} Start;

static Start
start(const char* const file, const bool restore)
{
  Start          s      = { MX_SUCCESS, "", NULL, "", "" };
  MxDesk* const  desk   = mx_desk_new(open_store(), NULL);
  MxModel*       mix    = NULL;
  const MxLimits limits = mx_limits_default();
  ck_assert_ptr_nonnull(desk);
  s.status =
    mx_desk_start(desk, file, restore, &limits, &mix, s.note, sizeof(s.note), s.err, sizeof(s.err));
  snprintf(s.name, sizeof(s.name), "%s", mx_desk_name(desk));
  s.mix = mix ? mx_session_format(mix) : NULL;
  mx_model_free(mix);
  mx_desk_free(desk);
  return s;
}

static void
start_free(Start* const s)
{
  free(s->mix);
  s->mix = NULL;
}

#define SHOW_A "/strip/add vox 1\n/strip/vox/fader -3\n"
#define SHOW_B "/strip/add vox 1\n/strip/vox/fader -9\n"

// ------------------------------------------------------------------ Tests

START_TEST(nothing_saved_starts_empty)
{
  Start s = start(NULL, true);
  ck_assert_int_eq(s.status, MX_SUCCESS);
  ck_assert_str_eq(s.name, MX_DESK_DEFAULT_NAME);
  ck_assert_ptr_null(strstr(s.mix, "/strip/add"));
  start_free(&s);
}
END_TEST

START_TEST(last_session_comes_back_from_its_autosave)
{
  autosave("gig", SHOW_A);
  autosave("gig", SHOW_B);
  Start s = start(NULL, true);
  ck_assert_int_eq(s.status, MX_SUCCESS);
  ck_assert_str_eq(s.name, "gig");
  ck_assert_ptr_nonnull(strstr(s.mix, "/strip/vox/fader -9\n"));
  ck_assert_ptr_nonnull(strstr(s.note, "restored from its autosave"));
  start_free(&s);
}
END_TEST

START_TEST(a_broken_newest_autosave_is_skipped)
{
  autosave("gig", SHOW_A);
  autosave("gig", "/strip/add vox 1\n/strip/vox/fader lo");
  Start s = start(NULL, true);
  ck_assert_int_eq(s.status, MX_SUCCESS);
  ck_assert_ptr_nonnull(strstr(s.mix, "/strip/vox/fader -3\n"));
  ck_assert_ptr_nonnull(strstr(s.note, "the newest did not read"));
  start_free(&s);
}
END_TEST

START_TEST(no_restore_starts_empty)
{
  autosave("gig", SHOW_B);
  Start s = start(NULL, false);
  ck_assert_int_eq(s.status, MX_SUCCESS);
  ck_assert_ptr_null(strstr(s.mix, "/strip/add"));
  start_free(&s);
}
END_TEST

START_TEST(a_file_names_the_session)
{
  write_text(in_base("show.session"), SHOW_A);
  Start s = start(in_base("show.session"), true);
  ck_assert_int_eq(s.status, MX_SUCCESS);
  ck_assert_str_eq(s.name, "show");
  ck_assert_ptr_nonnull(strstr(s.mix, "/strip/vox/fader -3\n"));
  start_free(&s);
}
END_TEST

START_TEST(an_autosave_newer_than_the_file_wins)
{
  // The file as the user wrote it an hour ago; the mix changed since and
  // mixd was killed: the autosave holds the change
  write_text(in_base("show.session"), SHOW_A);
  touch_by(in_base("show.session"), -3600);
  autosave("show", SHOW_B);
  Start s = start(in_base("show.session"), true);
  ck_assert_int_eq(s.status, MX_SUCCESS);
  ck_assert_str_eq(s.name, "show");
  ck_assert_ptr_nonnull(strstr(s.mix, "/strip/vox/fader -9\n"));
  ck_assert_ptr_nonnull(strstr(s.note, "newer than the file"));
  start_free(&s);

  // Unless told not to restore
  s = start(in_base("show.session"), false);
  ck_assert_ptr_nonnull(strstr(s.mix, "/strip/vox/fader -3\n"));
  start_free(&s);
}
END_TEST

START_TEST(a_file_newer_than_the_autosave_wins)
{
  // The user edited the file after the last run: the edit is what is wanted
  autosave("show", SHOW_B);
  write_text(in_base("show.session"), SHOW_A);
  touch_by(in_base("show.session"), 3600);
  Start s = start(in_base("show.session"), true);
  ck_assert_int_eq(s.status, MX_SUCCESS);
  ck_assert_ptr_nonnull(strstr(s.mix, "/strip/vox/fader -3\n"));
  start_free(&s);
}
END_TEST

START_TEST(a_broken_file_is_an_error_that_names_its_line)
{
  write_text(in_base("show.session"), "/strip/add vox 1\n/strip/vox/fader loud\n");
  autosave("show", SHOW_B);
  Start s = start(in_base("show.session"), true);
  ck_assert_int_ne(s.status, MX_SUCCESS);
  ck_assert_ptr_nonnull(strstr(s.err, "show.session:2:"));
  ck_assert_ptr_null(s.mix);
  // and the autosave is still there for the next start
  s = start(NULL, true);
  ck_assert_ptr_nonnull(strstr(s.mix, "/strip/vox/fader -9\n"));
  start_free(&s);
}
END_TEST

// A desk running on an engine, started as mixd starts it
typedef struct {
  MxDesk*   desk;
  MxEngine* engine;
} Running;

static Running
run(const char* const file)
{
  Running        r      = { mx_desk_new(open_store(), NULL), NULL };
  MxEngineConfig config = mx_engine_config_default();
  MxModel*       mix    = NULL;
  char           note[256];
  char           err[256];
  ck_assert_ptr_nonnull(r.desk);
  r.engine = mx_engine_new(&config);
  ck_assert_ptr_nonnull(r.engine);
  ck_assert_int_eq(
    mx_desk_start(r.desk, file, true, &config.limits, &mix, note, sizeof(note), err, sizeof(err)),
    MX_SUCCESS);
  ck_assert_int_eq(mx_engine_load(r.engine, mix), MX_SUCCESS);
  mx_model_free(mix);
  mx_desk_set_engine(r.desk, r.engine);
  return r;
}

static void
stop(Running* const r)
{
  mx_desk_free(r->desk);
  mx_engine_free(r->engine);
}

START_TEST(a_start_is_clean_unless_it_restored_unsaved_changes)
{
  // Nothing at all: clean
  Running r = run(NULL);
  ck_assert(!mx_desk_dirty(r.desk));
  char why[256];
  ck_assert_int_eq(mx_desk_save(r.desk, "gig", why, sizeof(why)), MX_SUCCESS);
  stop(&r);

  // The session as saved (its autosave is the same text): clean; a new
  // engine at another rate from the same mix changes nothing either
  r = run(NULL);
  ck_assert_str_eq(mx_desk_name(r.desk), "gig");
  ck_assert(!mx_desk_dirty(r.desk));
  MxEngineConfig config = mx_engine_config_default();
  config.rate           = 44100.0;
  MxEngine* const other = mx_engine_new(&config);
  ck_assert_ptr_nonnull(other);
  ck_assert_int_eq(mx_engine_load(other, mx_engine_model(r.engine)), MX_SUCCESS);
  mx_desk_set_engine(r.desk, other);
  mx_engine_free(r.engine);
  r.engine = other;
  ck_assert(!mx_desk_dirty(r.desk));
  stop(&r);

  // A change never saved, restored from its autosave: dirty
  autosave("gig", SHOW_B);
  r = run(NULL);
  ck_assert(mx_desk_dirty(r.desk));
  stop(&r);
}
END_TEST

START_TEST(reloading_the_session_in_use_keeps_its_name)
{
  Running r = run(NULL);
  char    why[256];
  ck_assert_int_eq(mx_desk_save(r.desk, "gig", why, sizeof(why)), MX_SUCCESS);
  ck_assert_int_eq(mx_desk_load(r.desk, mx_desk_name(r.desk), why, sizeof(why)), MX_SUCCESS);
  ck_assert_str_eq(mx_desk_name(r.desk), "gig");
  ck_assert_int_eq(mx_desk_new_session(r.desk, mx_desk_name(r.desk), why, sizeof(why)), MX_SUCCESS);
  ck_assert_str_eq(mx_desk_name(r.desk), "gig");
  stop(&r);
}
END_TEST

static Suite*
desk_suite(void)
{
  Suite* const s = suite_create("desk");
  TCase* const t = tcase_create("start");
  tcase_add_checked_fixture(t, make_base, remove_base);
  tcase_add_test(t, nothing_saved_starts_empty);
  tcase_add_test(t, last_session_comes_back_from_its_autosave);
  tcase_add_test(t, a_broken_newest_autosave_is_skipped);
  tcase_add_test(t, no_restore_starts_empty);
  tcase_add_test(t, a_file_names_the_session);
  tcase_add_test(t, an_autosave_newer_than_the_file_wins);
  tcase_add_test(t, a_file_newer_than_the_autosave_wins);
  tcase_add_test(t, a_broken_file_is_an_error_that_names_its_line);
  tcase_add_test(t, a_start_is_clean_unless_it_restored_unsaved_changes);
  tcase_add_test(t, reloading_the_session_in_use_keeps_its_name);
  suite_add_tcase(s, t);
  return s;
}

int
main(void)
{
  return mxt_run_suite(desk_suite());
}
