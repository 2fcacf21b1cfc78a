/*
 * testutil.h - helpers shared by the cmocka tests
 *
 * Temporary directories, files, and running a real program (postconf,
 * postmap, openssl) to compare against. Every helper fails the running
 * test (cmocka fail_msg) instead of returning an error.
 */
#ifndef TLSP_TESTUTIL_H
#define TLSP_TESTUTIL_H

#include <stddef.h>

/* tu_mkdtemp - new empty directory under $TMPDIR (or /tmp); heap path. */
char *tu_mkdtemp(const char *tag);

/* tu_rmtree - remove a directory tree made by tu_mkdtemp(). */
void tu_rmtree(const char *dir);

/* tu_write - write text to dir/name (dir may be NULL: name is a path);
 * returns the heap path. */
char *tu_write(const char *dir, const char *name, const char *text);

/*
 * tu_run - run argv[0] with argv (NULL-terminated), no shell
 *
 * Out:  out  heap string with standard output (NULL not to capture);
 *       err  heap string with standard error (NULL not to capture).
 * Returns the exit status, or 128+signal.
 */
int tu_run(char *const argv[], char **out, char **err);

/* tu_have_program - whether a program is on PATH (or an absolute path exists). */
int tu_have_program(const char *name);

/* tu_require_program - fail the test, naming the Debian package, when a
 * program is missing: an oracle test never passes without its oracle. */
void tu_require_program(const char *name, const char *package);

/* tu_source_path - TLSP_SOURCE_DIR/rel on the heap. */
char *tu_source_path(const char *rel);

/* tu_chomp - strip one trailing newline in place; returns s. */
char *tu_chomp(char *s);

#endif
