/*
 * fuzz_texttable.c - the text-table parsers of the map module
 *
 * Input: a text table. When the first byte is below 8 it selects the table
 * kind and the second byte the open flags (bit 0 TLSP_MAP_FOLD_FIX, bit 1
 * TLSP_MAP_UTF8); otherwise the whole input is a texthash: file opened as
 * smtp(8) opens smtp_tls_policy_maps (so examples/founding-case/tls_policy
 * is a seed as it is). File-based kinds are read from a memfd through
 * /proc/self/fd, so nothing touches the disk. After opening, a few fixed
 * keys and the first word of some lines are looked up.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <tlspolicy/map.h>

enum kind { K_TEXTHASH, K_REGEXP, K_PCRE, K_INLINE, K_REGEXP_INLINE, K_PCRE_INLINE, K_STATIC, K_N };

static const char *const type_of[K_N] = {"texthash", "regexp", "pcre",  "inline",
                                         "regexp",   "pcre",   "static"};

static void
lookups(struct tlsp_map *m, const char *text, size_t len)
{
    static const char *const fixed[] = {
        "example.com", "EXAMPLE.COM", ".example.com",     "",
        "a",           "\xff\xfe",    "\xc3\x84.example", "[mx.example]:25"};
    char key[17];
    size_t i, pos = 0, n_lines = 0;
    const char *value;

    for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
        struct tlsp_diag d;

        tlsp_diag_init(&d);
        (void)tlsp_map_lookup(m, fixed[i], &value, NULL, &d);
        tlsp_diag_fini(&d);
    }
    /* the first word of the first lines, so that entries are found */
    while (pos < len && n_lines < 8) {
        size_t start = pos, k = 0;
        struct tlsp_map_hit hit;

        while (pos < len && text[pos] != '\n' && text[pos] != ' ' && text[pos] != '\t' &&
               k < sizeof(key) - 1 && text[pos] != 0)
            key[k++] = text[pos++];
        key[k] = 0;
        (void)tlsp_map_lookup(m, key, &value, &hit, NULL);
        if (k > 0 && (key[0] == '/' || key[0] == '{'))
            (void)tlsp_map_lookup(m, key + 1, &value, &hit, NULL);
        while (pos < len && text[pos] != '\n')
            pos++;
        pos++;
        n_lines++;
        (void)start;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    enum kind kind = K_TEXTHASH;
    unsigned flags = TLSP_MAP_FOLD_FIX;
    struct tlsp_map *m = NULL;
    struct tlsp_diag d;
    char *spec = NULL, *text;
    int fd = -1;

    if (size >= 2 && data[0] < K_N) {
        kind = (enum kind)data[0];
        flags = data[1] & (TLSP_MAP_FOLD_FIX | TLSP_MAP_UTF8);
        data += 2;
        size -= 2;
    }
    if ((text = malloc(size + 1)) == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = 0;
    if (kind == K_TEXTHASH || kind == K_REGEXP || kind == K_PCRE) {
        if ((fd = memfd_create("fuzz_texttable", MFD_CLOEXEC)) < 0 ||
            write(fd, data, size) != (ssize_t)size ||
            asprintf(&spec, "%s:/proc/self/fd/%d", type_of[kind], fd) < 0)
            goto out;
    } else if (kind == K_INLINE || kind == K_STATIC) {
        if (asprintf(&spec, "%s:%s", type_of[kind], text) < 0)
            goto out;
    } else {
        if (asprintf(&spec, "%s:{%s}", type_of[kind], text) < 0)
            goto out;
    }
    tlsp_diag_init(&d);
    if (tlsp_map_open(spec, flags, &m, &d) == TLSP_OK) {
        size_t i;

        for (i = 0; i < d.n_msgs; i++)
            free(tlsp_diag_format(&d.msgs[i]));
        (void)tlsp_map_is_available(m, NULL);
        lookups(m, text, size);
        tlsp_map_free(m);
    }
    tlsp_diag_fini(&d);
out:
    if (fd >= 0)
        close(fd);
    free(spec);
    free(text);
    return 0;
}
