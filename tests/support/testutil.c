/*
 * testutil.c - helpers shared by the cmocka tests
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <poll.h>

#include <cmocka.h>

#include "testutil.h"

char *
tu_mkdtemp(const char *tag)
{
    const char *tmp = getenv("TMPDIR");
    char *path;

    if (tmp == NULL || *tmp == 0)
        tmp = "/tmp";
    if (asprintf(&path, "%s/tlsp-%s-XXXXXX", tmp, tag) < 0)
        fail_msg("out of memory");
    if (mkdtemp(path) == NULL)
        fail_msg("mkdtemp %s: %s", path, strerror(errno));
    return path;
}

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void
tu_rmtree(const char *dir)
{
    if (dir)
        nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

char *
tu_write(const char *dir, const char *name, const char *text)
{
    char *path;
    FILE *fp;

    if (dir) {
        if (asprintf(&path, "%s/%s", dir, name) < 0)
            fail_msg("out of memory");
    } else {
        path = strdup(name);
    }
    if ((fp = fopen(path, "w")) == NULL)
        fail_msg("open %s: %s", path, strerror(errno));
    fputs(text, fp);
    if (fclose(fp) != 0)
        fail_msg("write %s: %s", path, strerror(errno));
    return path;
}

static void
append(char **buf, size_t *len, const char *p, size_t n)
{
    char *nb = realloc(*buf, *len + n + 1);

    if (nb == NULL)
        fail_msg("out of memory");
    memcpy(nb + *len, p, n);
    *len += n;
    nb[*len] = 0;
    *buf = nb;
}

int
tu_run(char *const argv[], char **out, char **err)
{
    int po[2], pe[2];
    pid_t pid;
    int status;
    char *ob = NULL, *eb = NULL;
    size_t ol = 0, el = 0;
    struct pollfd fds[2];
    int open_fds = 2;

    if (pipe(po) < 0 || pipe(pe) < 0)
        fail_msg("pipe: %s", strerror(errno));
    if ((pid = fork()) < 0)
        fail_msg("fork: %s", strerror(errno));
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDONLY);

        dup2(devnull, 0);
        dup2(po[1], 1);
        dup2(pe[1], 2);
        close(po[0]);
        close(pe[0]);
        execvp(argv[0], argv);
        fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(po[1]);
    close(pe[1]);
    append(&ob, &ol, "", 0);
    append(&eb, &el, "", 0);
    fds[0].fd = po[0];
    fds[1].fd = pe[0];
    fds[0].events = fds[1].events = POLLIN;
    while (open_fds > 0) {
        int i;

        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            fail_msg("poll: %s", strerror(errno));
        }
        for (i = 0; i < 2; i++) {
            char chunk[8192];
            ssize_t n;

            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            n = read(fds[i].fd, chunk, sizeof(chunk));
            if (n <= 0) {
                close(fds[i].fd);
                fds[i].fd = -1;
                open_fds--;
            } else if (i == 0) {
                append(&ob, &ol, chunk, (size_t)n);
            } else {
                append(&eb, &el, chunk, (size_t)n);
            }
        }
    }
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            fail_msg("waitpid: %s", strerror(errno));
    if (out)
        *out = ob;
    else
        free(ob);
    if (err)
        *err = eb;
    else
        free(eb);
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return 128 + WTERMSIG(status);
}

int
tu_have_program(const char *name)
{
    const char *path;
    char *copy, *dir, *save = NULL;
    int found = 0;

    if (strchr(name, '/'))
        return access(name, X_OK) == 0;
    path = getenv("PATH");
    if (path == NULL)
        path = "/usr/bin:/bin";
    copy = strdup(path);
    for (dir = strtok_r(copy, ":", &save); dir && !found; dir = strtok_r(NULL, ":", &save)) {
        char *p;

        if (asprintf(&p, "%s/%s", dir, name) < 0)
            fail_msg("out of memory");
        found = access(p, X_OK) == 0;
        free(p);
    }
    free(copy);
    if (!found) {
        /* postconf and postmap live in /usr/sbin, often not on a user's PATH */
        char *p;

        if (asprintf(&p, "/usr/sbin/%s", name) < 0)
            fail_msg("out of memory");
        found = access(p, X_OK) == 0;
        free(p);
    }
    return found;
}

void
tu_require_program(const char *name, const char *package)
{
    if (!tu_have_program(name))
        fail_msg("%s not found: this test compares with it; install the Debian package %s "
                 "(scripts/install-deps does)",
                 name, package);
}

char *
tu_source_path(const char *rel)
{
    char *p;

    if (asprintf(&p, "%s/%s", TLSP_SOURCE_DIR, rel) < 0)
        fail_msg("out of memory");
    return p;
}

char *
tu_chomp(char *s)
{
    size_t n = strlen(s);

    if (n && s[n - 1] == '\n')
        s[n - 1] = 0;
    return s;
}
