// SPDX-License-Identifier: GPL-3.0-or-later

// The session directory (daemon/store.h) and its autosave writer
// (daemon/autosave.h): names from users stay inside the directory, every
// file is written whole, autosaves keep the last `versions`, and one mixd
// holds a directory at a time.

#include "autosave.h"
#include "store.h"

#include "testutil.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

// ---------------------------------------------------------------- Helpers

/// The temporary directory of the whole run (made and removed by the parent process)
static char base[64];

static void
make_base(void)
{
  mxt_make_temp_dir(base, sizeof(base), "store");
}

static void
remove_base(void)
{
  mxt_remove_tree(base);
}

// A path under `dir` (a few at a time)
static const char*
path_in(const char* const dir, const char* const name)
{
  static char paths[8][1024];
  static int  next = 0;
  char* const p    = paths[next++ % 8];
  snprintf(p, sizeof(paths[0]), "%s/%s", dir, name);
  return p;
}

// A fresh directory of this test, under the run's (a few at a time; each
// test forks, so the buffers are its own)
static const char*
test_dir(const char* const name, const int i)
{
  static char dirs[4][512];
  static int  next = 0;
  char* const dir  = dirs[next++ % 4];
  snprintf(dir, sizeof(dirs[0]), "%s/%s-%d", base, name, i);
  ck_assert_int_eq(mkdir(dir, 0700), 0);
  return dir;
}

// The names in a directory, sorted, one per line, hidden ones too ("."
// and ".." left out); "?" if it cannot be read
static char*
list_dir(const char* const dir)
{
  struct dirent** names = NULL;
  const int       n     = scandir(dir, &names, NULL, alphasort);
  char* const     text  = (char*)calloc(1U, 8192U);
  ck_assert_ptr_nonnull(text);
  if (n < 0) {
    strcpy(text, "?");
    return text;
  }
  for (int i = 0; i < n; ++i) {
    if (strcmp(names[i]->d_name, ".") && strcmp(names[i]->d_name, "..")) {
      strncat(text, names[i]->d_name, 8192U - strlen(text) - 2U);
      strcat(text, "\n");
    }
    free(names[i]);
  }
  free(names);
  return text;
}

// Assert that a directory holds exactly `expected` (as list_dir() writes it)
#define assert_dir_holds(dir, expected)            \
  do {                                             \
    char* const mxt_names_ = list_dir(dir);        \
    ck_assert_msg(!strcmp(mxt_names_, (expected)), \
                  "%s holds:\n%s(expected:\n%s)",  \
                  (dir),                           \
                  mxt_names_,                      \
                  (expected));                     \
    free(mxt_names_);                              \
  } while (0)

static void
write_bytes(const char* const path, const char* const data, const size_t len)
{
  FILE* const f = fopen(path, "wb");
  ck_assert_ptr_nonnull(f);
  ck_assert_uint_eq(fwrite(data, 1U, len, f), len);
  ck_assert_int_eq(fclose(f), 0);
}

// The whole of a file, NUL-terminated
static char*
read_bytes(const char* const path, size_t* const len)
{
  FILE* const f = fopen(path, "rb");
  ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
  ck_assert_int_eq(fseek(f, 0L, SEEK_END), 0);
  const long n = ftell(f);
  ck_assert_int_ge(n, 0);
  rewind(f);
  char* const text = (char*)malloc((size_t)n + 1U);
  ck_assert_ptr_nonnull(text);
  ck_assert_uint_eq(fread(text, 1U, (size_t)n, f), (size_t)n);
  text[n] = '\0';
  fclose(f);
  if (len) {
    *len = (size_t)n;
  }
  return text;
}

static MxStore*
open_ok(const char* const dir, const unsigned versions)
{
  MxStore* store    = NULL;
  char     err[512] = "";
  ck_assert_msg(mx_store_open(dir, versions, &store, err, sizeof(err)) == MX_SUCCESS, "%s", err);
  ck_assert_ptr_nonnull(store);
  return store;
}

static void
save_ok(MxStore* const store, const char* const name, const char* const text)
{
  char err[512] = "";
  ck_assert_msg(mx_store_save(store, name, text, strlen(text), err, sizeof(err)) == MX_SUCCESS,
                "%s: %s",
                name,
                err);
}

static void
autosave_ok(MxStore* const store, const char* const name, const char* const text)
{
  char err[512] = "";
  ck_assert_msg(mx_store_autosave(store, name, text, strlen(text), err, sizeof(err)) == MX_SUCCESS,
                "%s: %s",
                name,
                err);
}

// Assert that the session `name` reads as `expected`
#define assert_loads(store, name, expected)                                                \
  do {                                                                                     \
    char*             mxt_text_     = NULL;                                                \
    size_t            mxt_len_      = 0U;                                                  \
    char              mxt_err_[512] = "";                                                  \
    const char* const mxt_want_     = (expected);                                          \
    ck_assert_msg(mx_store_load((store), (name), &mxt_text_, &mxt_len_, mxt_err_, 512U) == \
                    MX_SUCCESS,                                                            \
                  "%s",                                                                    \
                  mxt_err_);                                                               \
    ck_assert_str_eq(mxt_text_, mxt_want_);                                                \
    ck_assert_uint_eq(mxt_len_, strlen(mxt_want_));                                        \
    free(mxt_text_);                                                                       \
  } while (0)

// Assert that autosave `age` of `name` reads as `expected`
#define assert_autosave(store, name, age, expected)                                               \
  do {                                                                                            \
    char*             mxt_text_     = NULL;                                                       \
    size_t            mxt_len_      = 0U;                                                         \
    char              mxt_err_[512] = "";                                                         \
    const char* const mxt_want_     = (expected);                                                 \
    ck_assert_msg(mx_store_load_autosave(                                                         \
                    (store), (name), (age), &mxt_text_, &mxt_len_, mxt_err_, 512U) == MX_SUCCESS, \
                  "age %u: %s",                                                                   \
                  (unsigned)(age),                                                                \
                  mxt_err_);                                                                      \
    ck_assert_str_eq(mxt_text_, mxt_want_);                                                       \
    ck_assert_uint_eq(mxt_len_, strlen(mxt_want_));                                               \
    free(mxt_text_);                                                                              \
  } while (0)

// A session name of 128 bytes, one more than the longest
#define X16 "aaaaaaaaaaaaaaaa"
#define X128 X16 X16 X16 X16 X16 X16 X16 X16
static const char name_128[] = X128;

// ---------------------------------------------------------------- Names

static const char* const good_names[] = {
  "a",
  "Show",
  "Verse 2",
  "show-2024.final",
  "a..b",
  "x.",
  "a.session",
  "  padded  ",
  "caf\xC3\xA9",
  "\xE6\x97\xA5\xE6\x9C\xAC", // Two CJK characters
  "\xF0\x9F\x8E\x9B",         // U+1F39B, four bytes
  "\xF4\x8F\xBF\xBF",         // U+10FFFF, the last code point
  "\xEF\xBB\xBF"
  "bom", // U+FEFF is a character like any other
  "~",
  "$HOME",
  "*?[]",
  "-rf",
  "C:",
  name_128 + 1, // 127 bytes: the longest
};

/// A refused name and part of its reason
typedef struct {
  const char* name; ///< The name
  const char* why;  ///< Part of the reason
} BadName;

static const BadName bad_names[] = {
  { "", "cannot be empty" },
  { ".", "cannot start with '.'" },
  { "..", "cannot start with '.'" },
  { "../x", "cannot start with '.'" },
  { "../evil", "cannot start with '.'" },
  { "../../evil", "cannot start with '.'" },
  { "x/../../evil", "cannot hold '/'" },
  { "/etc/passwd", "cannot hold '/'" },
  { "/tmp/evil", "cannot hold '/'" },
  { "a/b", "cannot hold '/'" },
  { "a/", "cannot hold '/'" },
  { "a\\b", "cannot hold '\\'" },
  { "..\\evil", "cannot start with '.'" },
  { "x\\..\\evil", "cannot hold '\\'" },
  { ".hidden", "cannot start with '.'" },
  { ".last", "cannot start with '.'" },
  { ".lock", "cannot start with '.'" },
  { ".autosave", "cannot start with '.'" },
  { "a\nb", "control characters" },
  { "\n", "control characters" },
  { "evil\n../x", "control characters" },
  { "a\rb", "control characters" },
  { "tab\there", "control characters" },
  { "\x01", "control characters" },
  { "\x1b[31mred", "control characters" },
  { "a\x7f", "control characters" },
  { "\x7f", "control characters" },
  { "\xff", "must be UTF-8" },
  { "\xfe\xff", "must be UTF-8" },
  { "\xc0\xaf", "must be UTF-8" },             // Overlong '/'
  { "\xe0\x80\xaf", "must be UTF-8" },         // Overlong '/', three bytes
  { "\xc1\x9c", "must be UTF-8" },             // Overlong '\'
  { "\xed\xa0\x80", "must be UTF-8" },         // A surrogate
  { "\xed\xbf\xbf", "must be UTF-8" },         // The last surrogate
  { "\xf4\x90\x80\x80", "must be UTF-8" },     // Above U+10FFFF
  { "\xf8\x88\x80\x80\x80", "must be UTF-8" }, // Five bytes
  { "\x80", "must be UTF-8" },                 // A lone continuation
  { "\xe2\x82", "must be UTF-8" },             // Cut short
  { "caf\xc3", "must be UTF-8" },              // Cut short at the end
  { "caf\xc3"
    "e",
    "must be UTF-8" }, // Not a continuation
  { name_128, "at most 127 bytes" },
  { "../" X128, "at most 127 bytes" },
};

START_TEST(accepts_good_name)
{
  const char* const name     = good_names[_i];
  char              why[256] = "unchanged";
  ck_assert_int_eq(mx_store_check_name(name, why, sizeof(why)), MX_SUCCESS);
  ck_assert_str_eq(why, "unchanged");
  ck_assert_int_eq(mx_store_check_name(name, NULL, 0U), MX_SUCCESS);
}
END_TEST

START_TEST(refuses_bad_name)
{
  const BadName* const c        = &bad_names[_i];
  char                 why[256] = "";
  ck_assert_int_eq(mx_store_check_name(c->name, why, sizeof(why)), MX_ERR_BAD_ARG);
  ck_assert_msg(strstr(why, c->why), "'%s', not '%s'", why, c->why);
  ck_assert_int_eq(mx_store_check_name(c->name, NULL, 0U), MX_ERR_BAD_ARG);
}
END_TEST

START_TEST(name_length_limit)
{
  char why[256] = "";
  ck_assert_uint_eq(strlen(name_128), MX_STORE_NAME_MAX);
  ck_assert_int_eq(mx_store_check_name(name_128 + 1, why, sizeof(why)), MX_SUCCESS);
  ck_assert_int_eq(mx_store_check_name(name_128, why, sizeof(why)), MX_ERR_BAD_ARG);
  ck_assert_str_eq(why, "a session name is at most 127 bytes");

  // Multi-byte characters count in bytes: 42 three-byte ones fit, 43 do not
  char name[256] = "";
  for (int i = 0; i < 43; ++i) {
    strcat(name, "\xE2\x82\xAC"); // The euro sign
  }
  ck_assert_int_eq(mx_store_check_name(name, why, sizeof(why)), MX_ERR_BAD_ARG);
  name[42 * 3] = '\0';
  ck_assert_int_eq(mx_store_check_name(name, why, sizeof(why)), MX_SUCCESS);
}
END_TEST

// Every operation of the store refuses a bad name, and nothing appears on
// disk: not beside the store (TMP/a), not above it (TMP), not in it
START_TEST(bad_name_touches_nothing)
{
  const BadName* const c    = &bad_names[_i];
  const char* const    root = test_dir("bad", _i);
  char                 dir[600];
  char                 up[600];
  snprintf(up, sizeof(up), "%s/a", root);
  snprintf(dir, sizeof(dir), "%s/a/sessions", root);
  MxStore* const store = open_ok(dir, 3U);
  save_ok(store, "good", "kept\n"); // A session of its own, which must stay as it is

  char   err[512];
  char*  text = NULL;
  size_t len  = 0U;
  err[0]      = '\0';
  ck_assert_int_eq(mx_store_save(store, c->name, "evil\n", 5U, err, sizeof(err)), MX_ERR_BAD_ARG);
  ck_assert_msg(strstr(err, c->why), "save: %s", err);
  err[0] = '\0';
  ck_assert_int_eq(mx_store_autosave(store, c->name, "evil\n", 5U, err, sizeof(err)),
                   MX_ERR_BAD_ARG);
  ck_assert_msg(strstr(err, c->why), "autosave: %s", err);
  err[0] = '\0';
  ck_assert_int_eq(mx_store_set_last(store, c->name, err, sizeof(err)), MX_ERR_BAD_ARG);
  ck_assert_msg(strstr(err, c->why), "set_last: %s", err);
  err[0] = '\0';
  ck_assert_int_eq(mx_store_load(store, c->name, &text, &len, err, sizeof(err)), MX_ERR_BAD_ARG);
  ck_assert_ptr_null(text);
  ck_assert_msg(strstr(err, c->why), "load: %s", err);
  err[0] = '\0';
  ck_assert_int_eq(mx_store_load_autosave(store, c->name, 0U, &text, &len, err, sizeof(err)),
                   MX_ERR_BAD_ARG);
  ck_assert_ptr_null(text);
  ck_assert_msg(strstr(err, c->why), "load_autosave: %s", err);
  ck_assert(!mx_store_exists(store, c->name));

  // Through the writer thread too: refused, and said so
  MxAutosave* const writer = mx_autosave_new(store);
  ck_assert_ptr_nonnull(writer);
  char* const evil = strdup("evil\n");
  ck_assert_ptr_nonnull(evil);
  mx_autosave_submit(writer, c->name, evil, 7U);
  mx_autosave_flush(writer);
  ck_assert_uint_eq(mx_autosave_written(writer), 0U);
  err[0] = '\0';
  ck_assert(mx_autosave_take_error(writer, err, sizeof(err)));
  ck_assert_msg(strstr(err, c->why), "writer: %s", err);
  mx_autosave_free(writer);

  // Nothing new anywhere
  assert_dir_holds(root, "a\n");
  assert_dir_holds(up, "sessions\n");
  assert_dir_holds(dir, ".autosave\n.lock\ngood.session\n");
  assert_dir_holds(path_in(dir, ".autosave"), "");
  assert_loads(store, "good", "kept\n");
  char last[MX_STORE_NAME_MAX];
  ck_assert_int_eq(mx_store_last(store, last, sizeof(last)), MX_ERR_NOT_FOUND);
  mx_store_free(store);
}
END_TEST

// Every good name is a file of its own that saves, loads and lists
START_TEST(good_names_save_load_and_list)
{
  const size_t   n     = (size_t)MXT_N_CASES(good_names);
  MxStore* const store = open_ok(test_dir("good", 0), 1U);
  for (size_t i = 0U; i < n; ++i) {
    char text[256];
    snprintf(text, sizeof(text), "# session %zu\n", i);
    save_ok(store, good_names[i], text);
  }
  for (size_t i = 0U; i < n; ++i) {
    char text[256];
    snprintf(text, sizeof(text), "# session %zu\n", i);
    ck_assert_msg(mx_store_exists(store, good_names[i]), "%s", good_names[i]);
    assert_loads(store, good_names[i], text);
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s.session", mx_store_dir(store), good_names[i]);
    char* const on_disk = read_bytes(path, NULL);
    ck_assert_str_eq(on_disk, text);
    free(on_disk);
  }

  char** names = NULL;
  size_t count = 0U;
  ck_assert_int_eq(mx_store_list(store, &names, &count), MX_SUCCESS);
  ck_assert_uint_eq(count, n);
  for (size_t i = 0U; i < count; ++i) {
    bool known = false;
    for (size_t k = 0U; k < n && !known; ++k) {
      known = !strcmp(names[i], good_names[k]);
    }
    ck_assert_msg(known, "listed '%s'", names[i]);
    ck_assert_msg(
      !i || strcmp(names[i - 1U], names[i]) < 0, "'%s' after '%s'", names[i], names[i - 1U]);
  }
  mx_store_free_names(names, count);
  mx_store_free(store);
}
END_TEST

// ---------------------------------------------------------------- Sessions

START_TEST(save_and_load)
{
  const char* const dir   = test_dir("save", 0);
  const mode_t      mask  = umask(022);
  MxStore* const    store = open_ok(dir, 3U);
  ck_assert_str_eq(mx_store_dir(store), dir);
  ck_assert(!mx_store_exists(store, "Show 1"));

  static const char text[] = "# mixd session\n/strip/add vocal 1\n/strip/vocal/trim 3.5\n";
  save_ok(store, "Show 1", text);
  ck_assert(mx_store_exists(store, "Show 1"));
  ck_assert(!mx_store_exists(store, "Show"));
  ck_assert(!mx_store_exists(store, "Show 2"));
  assert_loads(store, "Show 1", text);

  // On disk as NAME.session, readable by the group and others, as a new file is
  char* const on_disk = read_bytes(path_in(dir, "Show 1.session"), NULL);
  ck_assert_str_eq(on_disk, text);
  free(on_disk);
  struct stat st;
  ck_assert_int_eq(stat(path_in(dir, "Show 1.session"), &st), 0);
  ck_assert_uint_eq(st.st_mode & 0777U, 0644U);
  umask(mask);

  // Overwritten by a shorter text: not a byte of the old one left
  save_ok(store, "Show 1", "x\n");
  assert_loads(store, "Show 1", "x\n");

  // Any bytes, and none
  static const char binary[] = { 'a', '\0', 'b', '\n', '\xff' };
  char              err[512] = "";
  ck_assert_int_eq(mx_store_save(store, "Binary", binary, sizeof(binary), err, sizeof(err)),
                   MX_SUCCESS);
  char*  back = NULL;
  size_t len  = 0U;
  ck_assert_int_eq(mx_store_load(store, "Binary", &back, &len, err, sizeof(err)), MX_SUCCESS);
  ck_assert_uint_eq(len, sizeof(binary));
  ck_assert_int_eq(memcmp(back, binary, sizeof(binary)), 0);
  ck_assert_int_eq(back[len], '\0');
  free(back);
  save_ok(store, "Empty", "");
  assert_loads(store, "Empty", "");

  // No temporary left behind, no autosave made
  assert_dir_holds(dir, ".autosave\n.lock\nBinary.session\nEmpty.session\nShow 1.session\n");
  assert_dir_holds(path_in(dir, ".autosave"), "");
  mx_store_free(store);
}
END_TEST

START_TEST(load_large_session)
{
  // Well past the reader's first buffer
  const size_t n    = 300000U;
  char* const  text = (char*)malloc(n + 1U);
  ck_assert_ptr_nonnull(text);
  for (size_t i = 0U; i < n; ++i) {
    text[i] = i % 64U == 63U ? '\n' : (char)('a' + i % 26U);
  }
  text[n]              = '\0';
  MxStore* const store = open_ok(test_dir("large", 0), 1U);
  save_ok(store, "large", text);
  assert_loads(store, "large", text);
  free(text);
  mx_store_free(store);
}
END_TEST

START_TEST(load_missing_session)
{
  MxStore* const store    = open_ok(test_dir("missing", 0), 1U);
  char*          text     = NULL;
  size_t         len      = 7U;
  char           err[512] = "";
  ck_assert_int_eq(mx_store_load(store, "Nope", &text, &len, err, sizeof(err)), MX_ERR_NOT_FOUND);
  ck_assert_ptr_null(text);
  ck_assert_str_eq(err, "no session 'Nope'");
  ck_assert(!mx_store_exists(store, "Nope"));
  mx_store_free(store);
}
END_TEST

START_TEST(list_is_sorted_and_only_sessions)
{
  const char* const dir   = test_dir("list", 0);
  MxStore* const    store = open_ok(dir, 1U);

  // Empty at first
  char** names = (char**)&names;
  size_t count = 99U;
  ck_assert_int_eq(mx_store_list(store, &names, &count), MX_SUCCESS);
  ck_assert_uint_eq(count, 0U);
  mx_store_free_names(names, count);

  static const char* const saved[] = { "zz", "b", "a b", "C", "a", "b2", "\xC3\xA9t\xC3\xA9" };
  for (size_t i = 0U; i < sizeof(saved) / sizeof(*saved); ++i) {
    save_ok(store, saved[i], "# mixd session\n");
  }
  // Files that are not sessions, or not sessions by name
  static const char* const others[] = {
    "notes.txt", "zz.session.bak", ".hidden.session", ".session",  ".zz.session.XA1b2",
    "session",   "\xff.session",   "tab\t.session",   "a.SESSION",
  };
  for (size_t i = 0U; i < sizeof(others) / sizeof(*others); ++i) {
    write_bytes(path_in(dir, others[i]), "x\n", 2U);
  }
  ck_assert_int_eq(mkdir(path_in(dir, "folder.session"), 0700), 0); // A directory is no session
  autosave_ok(store, "autosaved", "x\n");                           // Nor is an autosave

  ck_assert_int_eq(mx_store_list(store, &names, &count), MX_SUCCESS);
  static const char* const expected[] = { "C", "a", "a b", "b", "b2", "zz", "\xC3\xA9t\xC3\xA9" };
  char                     got[512]   = "";
  for (size_t i = 0U; i < count; ++i) {
    strcat(got, names[i]);
    strcat(got, "|");
  }
  ck_assert_msg(count == sizeof(expected) / sizeof(*expected), "listed %s", got);
  for (size_t i = 0U; i < count; ++i) {
    ck_assert_str_eq(names[i], expected[i]);
  }
  mx_store_free_names(names, count);

  // What is listed exists and loads; what is not does not
  ck_assert(mx_store_exists(store, "a b"));
  ck_assert(!mx_store_exists(store, "folder"));
  ck_assert(!mx_store_exists(store, "notes"));
  ck_assert(!mx_store_exists(store, "autosaved"));
  mx_store_free(store);
}
END_TEST

START_TEST(load_directory_fails)
{
  const char* const dir   = test_dir("loaddir", 0);
  MxStore* const    store = open_ok(dir, 1U);
  ck_assert_int_eq(mkdir(path_in(dir, "d.session"), 0700), 0);
  ck_assert(!mx_store_exists(store, "d"));
  char*  text     = NULL;
  size_t len      = 0U;
  char   err[512] = "";
  ck_assert_int_ne(mx_store_load(store, "d", &text, &len, err, sizeof(err)), MX_SUCCESS);
  ck_assert_ptr_null(text);
  ck_assert_msg(strstr(err, "d.session: "), "%s", err);
  mx_store_free(store);
}
END_TEST

START_TEST(last_session)
{
  const char* const dir   = test_dir("last", 0);
  MxStore* const    store = open_ok(dir, 1U);
  char              name[MX_STORE_NAME_MAX];
  strcpy(name, "untouched");
  ck_assert_int_eq(mx_store_last(store, name, sizeof(name)), MX_ERR_NOT_FOUND);
  ck_assert_str_eq(name, "untouched");

  char err[512] = "";
  ck_assert_int_eq(mx_store_set_last(store, "Show 1", err, sizeof(err)), MX_SUCCESS);
  ck_assert_int_eq(mx_store_last(store, name, sizeof(name)), MX_SUCCESS);
  ck_assert_str_eq(name, "Show 1");
  char* const on_disk = read_bytes(path_in(dir, ".last"), NULL);
  ck_assert_str_eq(on_disk, "Show 1\n");
  free(on_disk);

  // Replaced, whole
  ck_assert_int_eq(mx_store_set_last(store, "B", err, sizeof(err)), MX_SUCCESS);
  ck_assert_int_eq(mx_store_last(store, name, sizeof(name)), MX_SUCCESS);
  ck_assert_str_eq(name, "B");

  // The longest name fits a buffer of MX_STORE_NAME_MAX; a smaller one is refused
  ck_assert_int_eq(mx_store_set_last(store, name_128 + 1, err, sizeof(err)), MX_SUCCESS);
  ck_assert_int_eq(mx_store_last(store, name, sizeof(name)), MX_SUCCESS);
  ck_assert_str_eq(name, name_128 + 1);
  char small[8] = "small";
  ck_assert_int_eq(mx_store_last(store, small, sizeof(small)), MX_ERR_NOT_FOUND);
  ck_assert_str_eq(small, "small");

  // A record edited by hand: without its newline it reads, a bad name does not
  write_bytes(path_in(dir, ".last"), "Hand", 4U);
  ck_assert_int_eq(mx_store_last(store, name, sizeof(name)), MX_SUCCESS);
  ck_assert_str_eq(name, "Hand");
  static const char* const bad[] = { "../evil\n", "/etc/passwd\n", "\n", "", ".x\n", "a/b" };
  for (size_t i = 0U; i < sizeof(bad) / sizeof(*bad); ++i) {
    write_bytes(path_in(dir, ".last"), bad[i], strlen(bad[i]));
    strcpy(name, "untouched");
    ck_assert_msg(mx_store_last(store, name, sizeof(name)) == MX_ERR_NOT_FOUND, "%s", bad[i]);
    ck_assert_str_eq(name, "untouched");
  }
  mx_store_free(store);
}
END_TEST

START_TEST(free_null)
{
  mx_store_free(NULL);
  mx_store_free_names(NULL, 0U);
  mx_autosave_free(NULL);
  ck_assert_int_eq(mx_store_check_name("ok", NULL, 0U), MX_SUCCESS); // Reached: nothing crashed
}
END_TEST

// ---------------------------------------------------------------- Opening and the lock

START_TEST(open_makes_the_directory)
{
  const char* const root = test_dir("open", 0);
  char              dir[600];
  snprintf(dir, sizeof(dir), "%s/x/y/sessions", root);
  MxStore* const store = open_ok(dir, 2U);
  ck_assert_str_eq(mx_store_dir(store), dir);
  assert_dir_holds(dir, ".autosave\n.lock\n");
  struct stat st;
  ck_assert_int_eq(stat(path_in(dir, ".autosave"), &st), 0);
  ck_assert(S_ISDIR(st.st_mode));

  // The lock names its holder
  char* const pid = read_bytes(path_in(dir, ".lock"), NULL);
  char        expected[32];
  snprintf(expected, sizeof(expected), "%ld\n", (long)getpid());
  ck_assert_str_eq(pid, expected);
  free(pid);
  mx_store_free(store);

  // Opening an existing directory keeps what it holds
  MxStore* const again = open_ok(dir, 2U);
  save_ok(again, "kept", "k\n");
  mx_store_free(again);
  MxStore* const third = open_ok(dir, 2U);
  assert_loads(third, "kept", "k\n");
  mx_store_free(third);
}
END_TEST

START_TEST(second_open_is_refused)
{
  const char* const dir   = test_dir("lock", 0);
  MxStore* const    first = open_ok(dir, 1U);
  char              err[512];
  char              pid[64];
  snprintf(pid, sizeof(pid), "pid %ld", (long)getpid());

  // The same directory, however it is spelt, twice in a row
  char slash[600];
  snprintf(slash, sizeof(slash), "%s/", dir);
  const char* const spellings[] = { dir, slash, dir };
  for (size_t i = 0U; i < sizeof(spellings) / sizeof(*spellings); ++i) {
    MxStore* second = NULL;
    err[0]          = '\0';
    ck_assert_int_eq(mx_store_open(spellings[i], 1U, &second, err, sizeof(err)), MX_ERR_BAD_STATE);
    ck_assert_ptr_null(second);
    ck_assert_msg(strstr(err, "in use"), "%s", err);
    ck_assert_msg(!strncmp(err, spellings[i], strlen(spellings[i])), "%s", err);
    ck_assert_msg(strstr(err, pid), "%s", err);
  }

  // From another process as well
  const pid_t child = fork();
  ck_assert_int_ge(child, 0);
  if (!child) {
    MxStore* other = NULL;
    char     why[512];
    _exit(mx_store_open(dir, 1U, &other, why, sizeof(why)) == MX_ERR_BAD_STATE && !other &&
              strstr(why, "in use")
            ? 0
            : 1);
  }
  int status = -1;
  ck_assert_int_eq(waitpid(child, &status, 0), child);
  ck_assert(WIFEXITED(status));
  ck_assert_int_eq(WEXITSTATUS(status), 0);

  // The first store still works, and another directory is free
  save_ok(first, "still", "s\n");
  assert_loads(first, "still", "s\n");
  MxStore* const elsewhere = open_ok(test_dir("lock", 1), 1U);
  mx_store_free(elsewhere);

  // Freed, the directory opens again
  mx_store_free(first);
  MxStore* const reopened = open_ok(dir, 1U);
  assert_loads(reopened, "still", "s\n");
  MxStore* third = NULL;
  ck_assert_int_eq(mx_store_open(dir, 1U, &third, err, sizeof(err)), MX_ERR_BAD_STATE);
  mx_store_free(reopened);
}
END_TEST

START_TEST(open_fails_on_a_file)
{
  const char* const root = test_dir("file", 0);
  char              file[600];
  char              under[700];
  char              expected[800];
  char              err[512] = "";
  snprintf(file, sizeof(file), "%s/plain", root);
  snprintf(under, sizeof(under), "%s/sessions", file);
  write_bytes(file, "x", 1U);

  MxStore* store = NULL;
  ck_assert_int_ne(mx_store_open(file, 1U, &store, err, sizeof(err)), MX_SUCCESS);
  ck_assert_ptr_null(store);
  snprintf(expected, sizeof(expected), "%s: %s", file, strerror(ENOTDIR));
  ck_assert_str_eq(err, expected);

  ck_assert_int_ne(mx_store_open(under, 1U, &store, err, sizeof(err)), MX_SUCCESS);
  ck_assert_ptr_null(store);
  snprintf(expected, sizeof(expected), "%s: %s", under, strerror(ENOTDIR));
  ck_assert_str_eq(err, expected);
  assert_dir_holds(root, "plain\n");
}
END_TEST

START_TEST(open_fails_without_permission)
{
  if (geteuid() == 0) {
    return; // root ignores permissions
  }
  const char* const root = test_dir("perm", 0);
  char              ro[600];
  char              dir[700];
  snprintf(ro, sizeof(ro), "%s/ro", root);
  snprintf(dir, sizeof(dir), "%s/sessions", ro);
  ck_assert_int_eq(mkdir(ro, 0500), 0);
  MxStore* store    = NULL;
  char     err[512] = "";
  ck_assert_int_ne(mx_store_open(dir, 1U, &store, err, sizeof(err)), MX_SUCCESS);
  ck_assert_ptr_null(store);
  ck_assert_msg(strstr(err, strerror(EACCES)), "%s", err);
  ck_assert_msg(!strncmp(err, dir, strlen(dir)), "%s", err);
  chmod(ro, 0700);
  assert_dir_holds(ro, "");
}
END_TEST

// ---------------------------------------------------------------- Autosaves

/// Autosaves written and kept
typedef struct {
  unsigned versions; ///< Kept per session
  unsigned writes;   ///< Written
} Versions;

static const Versions versions_cases[] = {
  { 1U, 1U }, { 1U, 4U }, { 2U, 5U }, { 3U, 7U }, { 5U, 3U }, { 10U, 10U }, { 4U, 25U },
};

START_TEST(autosave_keeps_the_last_versions)
{
  const Versions* const c     = &versions_cases[_i];
  const char* const     dir   = test_dir("versions", _i);
  MxStore* const        store = open_ok(dir, c->versions);
  for (unsigned i = 1U; i <= c->writes; ++i) {
    char text[64];
    snprintf(text, sizeof(text), "# version %u\n", i);
    autosave_ok(store, "Show", text);
  }

  // Exactly the newest ones on disk, numbered in order
  const unsigned kept           = c->writes < c->versions ? c->writes : c->versions;
  char           expected[2048] = "";
  for (unsigned seq = c->writes - kept + 1U; seq <= c->writes; ++seq) {
    char line[64];
    snprintf(line, sizeof(line), "%012u.session\n", seq);
    strcat(expected, line);
  }
  assert_dir_holds(path_in(dir, ".autosave/Show"), expected);

  // Read newest first
  for (unsigned age = 0U; age < kept; ++age) {
    char text[64];
    snprintf(text, sizeof(text), "# version %u\n", c->writes - age);
    assert_autosave(store, "Show", age, text);
  }
  char*  text     = NULL;
  size_t len      = 0U;
  char   err[512] = "";
  ck_assert_int_eq(mx_store_load_autosave(store, "Show", kept, &text, &len, err, sizeof(err)),
                   MX_ERR_NOT_FOUND);
  ck_assert_ptr_null(text);
  ck_assert_str_eq(err, "no autosave of 'Show'");

  // An autosave is not a saved session
  ck_assert(!mx_store_exists(store, "Show"));
  char** names = NULL;
  size_t count = 0U;
  ck_assert_int_eq(mx_store_list(store, &names, &count), MX_SUCCESS);
  ck_assert_uint_eq(count, 0U);
  mx_store_free_names(names, count);
  mx_store_free(store);
}
END_TEST

START_TEST(autosaves_of_each_name_are_apart)
{
  const char* const dir   = test_dir("apart", 0);
  MxStore* const    store = open_ok(dir, 2U);
  autosave_ok(store, "A", "a1\n");
  autosave_ok(store, "B", "b1\n");
  autosave_ok(store, "A", "a2\n");
  autosave_ok(store, "A", "a3\n");
  assert_autosave(store, "A", 0U, "a3\n");
  assert_autosave(store, "A", 1U, "a2\n");
  assert_autosave(store, "B", 0U, "b1\n");
  assert_dir_holds(path_in(dir, ".autosave"), "A\nB\n");
  assert_dir_holds(path_in(dir, ".autosave/A"), "000000000002.session\n000000000003.session\n");
  assert_dir_holds(path_in(dir, ".autosave/B"), "000000000001.session\n");

  // None yet of a third
  char*  text     = NULL;
  size_t len      = 0U;
  char   err[512] = "";
  ck_assert_int_eq(mx_store_load_autosave(store, "C", 0U, &text, &len, err, sizeof(err)),
                   MX_ERR_NOT_FOUND);
  ck_assert_ptr_null(text);
  mx_store_free(store);
}
END_TEST

START_TEST(autosave_numbers_continue_after_reopening)
{
  const char* const dir   = test_dir("reopen", 0);
  MxStore*          store = open_ok(dir, 2U);
  autosave_ok(store, "S", "1\n");
  autosave_ok(store, "S", "2\n");
  autosave_ok(store, "S", "3\n");
  mx_store_free(store);

  store = open_ok(dir, 2U);
  assert_autosave(store, "S", 0U, "3\n");
  autosave_ok(store, "S", "4\n");
  assert_dir_holds(path_in(dir, ".autosave/S"), "000000000003.session\n000000000004.session\n");
  mx_store_free(store);

  // Fewer versions now: the next autosave prunes to them
  store = open_ok(dir, 1U);
  autosave_ok(store, "S", "5\n");
  assert_dir_holds(path_in(dir, ".autosave/S"), "000000000005.session\n");
  assert_autosave(store, "S", 0U, "5\n");
  mx_store_free(store);
}
END_TEST

START_TEST(autosave_leaves_other_files_alone)
{
  const char* const dir   = test_dir("foreign", 0);
  MxStore* const    store = open_ok(dir, 1U);
  autosave_ok(store, "S", "1\n");
  char sub[600];
  snprintf(sub, sizeof(sub), "%s/.autosave/S", dir);
  write_bytes(path_in(sub, "notes.txt"), "n\n", 2U);
  write_bytes(path_in(sub, "123.session"), "short\n", 6U);
  write_bytes(path_in(sub, "abcdefghijkl.session"), "letters\n", 8U);
  write_bytes(path_in(sub, "000000000099.txt"), "txt\n", 4U);
  autosave_ok(store, "S", "2\n");
  autosave_ok(store, "S", "3\n");
  assert_dir_holds(sub,
                   "000000000003.session\n000000000099.txt\n123.session\n"
                   "abcdefghijkl.session\nnotes.txt\n");
  assert_autosave(store, "S", 0U, "3\n");
  char*  text     = NULL;
  size_t len      = 0U;
  char   err[512] = "";
  ck_assert_int_eq(mx_store_load_autosave(store, "S", 1U, &text, &len, err, sizeof(err)),
                   MX_ERR_NOT_FOUND);
  mx_store_free(store);
}
END_TEST

// A kill during a write leaves its temporary file; the next open (the
// directory then ours) removes those, and nothing else
START_TEST(open_removes_what_a_killed_write_left)
{
  const char* const dir   = test_dir("leftovers", 0);
  MxStore*          store = open_ok(dir, 3U);
  autosave_ok(store, "S", "1\n");
  mx_store_free(store);
  char sub[600];
  snprintf(sub, sizeof(sub), "%s/.autosave/S", dir);
  write_bytes(path_in(sub, ".000000000002.session.Ab12Cd"), "cut", 3U);
  write_bytes(path_in(dir, ".gig.session.x1Y2z3"), "cut", 3U);
  write_bytes(path_in(dir, "..last.q9W8e7"), "g", 1U);
  write_bytes(path_in(dir, ".notes.txt.abcdef"), "mine\n", 5U); // not ours: kept
  write_bytes(path_in(dir, ".session.abcdef"), "odd\n", 4U);    // no name: kept
  store = open_ok(dir, 3U);
  assert_dir_holds(sub, "000000000001.session\n");
  assert_dir_holds(dir, ".autosave\n.lock\n.notes.txt.abcdef\n.session.abcdef\n");
  assert_autosave(store, "S", 0U, "1\n");
  mx_store_free(store);
}
END_TEST

START_TEST(autosave_failure_keeps_the_old_versions)
{
  if (geteuid() == 0) {
    return; // root ignores permissions
  }
  const char* const dir   = test_dir("afail", 0);
  MxStore* const    store = open_ok(dir, 2U);
  autosave_ok(store, "S", "1\n");
  autosave_ok(store, "S", "2\n");
  const char* const sub = path_in(dir, ".autosave/S");
  ck_assert_int_eq(chmod(sub, 0500), 0);
  char err[512] = "";
  ck_assert_int_ne(mx_store_autosave(store, "S", "3\n", 2U, err, sizeof(err)), MX_SUCCESS);
  ck_assert_msg(strstr(err, ".autosave/S"), "%s", err);
  ck_assert_msg(strstr(err, strerror(EACCES)), "%s", err);
  ck_assert_int_eq(chmod(sub, 0700), 0);
  assert_dir_holds(sub, "000000000001.session\n000000000002.session\n");
  assert_autosave(store, "S", 0U, "2\n");
  assert_autosave(store, "S", 1U, "1\n");
  mx_store_free(store);
}
END_TEST

// ---------------------------------------------------------------- The writer thread

static char*
numbered(const unsigned i)
{
  char* const text = (char*)malloc(64U);
  ck_assert_ptr_nonnull(text);
  snprintf(text, 64U, "# mixd session\n# text %u\n", i);
  return text;
}

START_TEST(writer_writes_the_last_text)
{
  const char* const dir    = test_dir("writer", 0);
  MxStore* const    store  = open_ok(dir, 4U);
  MxAutosave* const writer = mx_autosave_new(store);
  ck_assert_ptr_nonnull(writer);
  ck_assert_uint_eq(mx_autosave_written(writer), 0U);
  char why[512] = "";
  ck_assert(!mx_autosave_take_error(writer, why, sizeof(why)));
  mx_autosave_flush(writer); // Nothing waits: returns at once

  // Quickly, many: some are superseded before they are written
  const unsigned n = 40U;
  for (unsigned i = 1U; i <= n; ++i) {
    mx_autosave_submit(writer, "Show", numbered(i), 1000U + i);
  }
  mx_autosave_flush(writer);
  ck_assert_uint_eq(mx_autosave_written(writer), 1000U + n);
  ck_assert(!mx_autosave_take_error(writer, why, sizeof(why)));
  char* const last = numbered(n);
  assert_autosave(store, "Show", 0U, last);

  // The older versions are texts submitted before it, oldest last
  unsigned newer = n;
  for (unsigned age = 1U;; ++age) {
    char*  text     = NULL;
    size_t len      = 0U;
    char   err[512] = "";
    if (mx_store_load_autosave(store, "Show", age, &text, &len, err, sizeof(err))) {
      ck_assert_uint_le(age, 4U);
      break;
    }
    unsigned i = 0U;
    ck_assert_int_eq(sscanf(text, "# mixd session\n# text %u\n", &i), 1);
    ck_assert_uint_lt(i, newer);
    newer = i;
    free(text);
  }

  // Flushed again, and freed: nothing more is written
  mx_autosave_flush(writer);
  ck_assert_uint_eq(mx_autosave_written(writer), 1000U + n);
  mx_autosave_free(writer);
  assert_autosave(store, "Show", 0U, last);
  free(last);
  mx_store_free(store);
}
END_TEST

START_TEST(writer_free_writes_what_waits)
{
  const char* const dir    = test_dir("waits", 0);
  MxStore* const    store  = open_ok(dir, 2U);
  MxAutosave* const writer = mx_autosave_new(store);
  ck_assert_ptr_nonnull(writer);
  mx_autosave_submit(writer, "A", numbered(1U), 1U);
  mx_autosave_submit(writer, "A", numbered(2U), 2U);
  mx_autosave_free(writer);
  char* const text = numbered(2U);
  assert_autosave(store, "A", 0U, text);
  free(text);
  mx_store_free(store);
}
END_TEST

START_TEST(writer_reports_an_error)
{
  if (geteuid() == 0) {
    return; // root ignores permissions: the write would not fail
  }
  const char* const dir    = test_dir("werror", 0);
  MxStore* const    store  = open_ok(dir, 3U);
  MxAutosave* const writer = mx_autosave_new(store);
  ck_assert_ptr_nonnull(writer);
  mx_autosave_submit(writer, "Show", numbered(1U), 1U);
  mx_autosave_flush(writer);
  ck_assert_uint_eq(mx_autosave_written(writer), 1U);

  // The directory cannot be written: the failure is reported once
  const char* const sub = path_in(dir, ".autosave/Show");
  ck_assert_int_eq(chmod(sub, 0500), 0);
  mx_autosave_submit(writer, "Show", numbered(2U), 2U);
  mx_autosave_flush(writer);
  ck_assert_uint_eq(mx_autosave_written(writer), 1U);
  char why[512] = "";
  ck_assert(mx_autosave_take_error(writer, why, sizeof(why)));
  ck_assert_msg(strstr(why, ".autosave/Show"), "%s", why);
  ck_assert_msg(strstr(why, strerror(EACCES)), "%s", why);
  strcpy(why, "untouched");
  ck_assert(!mx_autosave_take_error(writer, why, sizeof(why)));
  ck_assert_str_eq(why, "untouched");

  // Writable again: the next text goes to disk, with no error
  ck_assert_int_eq(chmod(sub, 0700), 0);
  mx_autosave_submit(writer, "Show", numbered(3U), 3U);
  mx_autosave_flush(writer);
  ck_assert_uint_eq(mx_autosave_written(writer), 3U);
  ck_assert(!mx_autosave_take_error(writer, why, sizeof(why)));
  char* const text = numbered(3U);
  assert_autosave(store, "Show", 0U, text);
  free(text);
  char* const old = numbered(1U);
  assert_autosave(store, "Show", 1U, old);
  free(old);
  mx_autosave_free(writer);
  mx_store_free(store);
}
END_TEST

// ---------------------------------------------------------------- Suite

static Suite*
store_suite(void)
{
  Suite* const s = suite_create("store");

  TCase* const names = tcase_create("names");
  tcase_add_unchecked_fixture(names, make_base, remove_base);
  tcase_add_loop_test(names, accepts_good_name, 0, MXT_N_CASES(good_names));
  tcase_add_loop_test(names, refuses_bad_name, 0, MXT_N_CASES(bad_names));
  tcase_add_test(names, name_length_limit);
  tcase_add_loop_test(names, bad_name_touches_nothing, 0, MXT_N_CASES(bad_names));
  tcase_add_test(names, good_names_save_load_and_list);
  suite_add_tcase(s, names);

  TCase* const sessions = tcase_create("sessions");
  tcase_add_unchecked_fixture(sessions, make_base, remove_base);
  tcase_add_test(sessions, save_and_load);
  tcase_add_test(sessions, load_large_session);
  tcase_add_test(sessions, load_missing_session);
  tcase_add_test(sessions, list_is_sorted_and_only_sessions);
  tcase_add_test(sessions, load_directory_fails);
  tcase_add_test(sessions, last_session);
  tcase_add_test(sessions, free_null);
  suite_add_tcase(s, sessions);

  TCase* const open = tcase_create("open");
  tcase_add_unchecked_fixture(open, make_base, remove_base);
  tcase_add_test(open, open_makes_the_directory);
  tcase_add_test(open, second_open_is_refused);
  tcase_add_test(open, open_fails_on_a_file);
  tcase_add_test(open, open_fails_without_permission);
  suite_add_tcase(s, open);

  TCase* const autosaves = tcase_create("autosaves");
  tcase_add_unchecked_fixture(autosaves, make_base, remove_base);
  tcase_add_loop_test(autosaves, autosave_keeps_the_last_versions, 0, MXT_N_CASES(versions_cases));
  tcase_add_test(autosaves, autosaves_of_each_name_are_apart);
  tcase_add_test(autosaves, autosave_numbers_continue_after_reopening);
  tcase_add_test(autosaves, autosave_leaves_other_files_alone);
  tcase_add_test(autosaves, open_removes_what_a_killed_write_left);
  tcase_add_test(autosaves, autosave_failure_keeps_the_old_versions);
  suite_add_tcase(s, autosaves);

  TCase* const writer = tcase_create("writer");
  tcase_add_unchecked_fixture(writer, make_base, remove_base);
  tcase_add_test(writer, writer_writes_the_last_text);
  tcase_add_test(writer, writer_free_writes_what_waits);
  tcase_add_test(writer, writer_reports_an_error);
  suite_add_tcase(s, writer);
  return s;
}

int
main(void)
{
  return mxt_run_suite(store_suite());
}
