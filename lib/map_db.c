/*
 * map_db.c - compiled tables: hash: and btree: (Berkeley DB 5.3, FILE.db),
 *            lmdb: (FILE.lmdb), cdb: (FILE.cdb, tinycdb)
 *
 * Postfix sources the behaviour comes from: util/dict_db.c,
 * util/dict_lmdb.c, util/dict_cdb.c (open texts, the "database X is older
 * than source file Y" warning, the TRY1NULL/TRY0NULL key probing: a key
 * is tried with a trailing NUL, then without, and the first form that
 * hits is the only one tried from then on). postmap(1) writes keys and
 * values with one trailing NUL for hash, btree and lmdb, without for cdb.
 *
 * tlspolicy's own addition: the text source beside the compiled file is
 * parsed as postmap would parse it and compared entry by entry, so a
 * forgotten "postmap" run is noticed even when timestamps say otherwise;
 * the source also gives tlsp_map_hit its file and line.
 */
#include <db.h>
#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cdb.h>

#include "map_impl.h"
#include "util/str.h"
#include "util/utf8.h"

enum db_kind { KIND_BDB, KIND_LMDB, KIND_CDB };

struct db_table {
    enum db_kind kind;
    char *db_path;
    DB *db;
    MDB_env *env;
    MDB_dbi dbi;
    int fd;
    struct cdb cdb;
    bool cdb_ok;
    bool try1null; /* DICT_FLAG_TRY1NULL */
    bool try0null; /* DICT_FLAG_TRY0NULL */
    bool have_src; /* src holds the parsed source, for hits */
    char *src_path;
    struct tlsp_strmap src;    /* key as stored -> struct tlsp_text_entry */
    struct tlsp_buf hit_key;   /* key reported in a hit without source */
    struct tlsp_buf probe_buf; /* lmdb value copied out of its snapshot */
};

/* Result of one raw probe. */
#define PROBE_FOUND 1
#define PROBE_MISSING 0
#define PROBE_ERROR (-1)

static void
bdb_quiet(const DB_ENV *env, const char *prefix, const char *msg)
{
    /* the library never prints; Berkeley DB's own chatter is dropped */
    (void)env;
    (void)prefix;
    (void)msg;
}

/* Look up len bytes at key. On PROBE_ERROR, *why is a static or
 * library-owned error text. */
static int
probe(struct db_table *t, const char *key, size_t len, const char **val, size_t *vlen,
      const char **why)
{
    int rc;

    switch (t->kind) {
    case KIND_BDB: {
        DBT k, v;

        memset(&k, 0, sizeof(k));
        memset(&v, 0, sizeof(v));
        k.data = (void *)key;
        k.size = (u_int32_t)len;
        rc = t->db->get(t->db, NULL, &k, &v, 0);
        if (rc == DB_NOTFOUND)
            return PROBE_MISSING;
        if (rc != 0) {
            *why = rc > 0 ? strerror(rc) : db_strerror(rc);
            return PROBE_ERROR;
        }
        *val = v.data;
        *vlen = v.size;
        return PROBE_FOUND;
    }
    case KIND_LMDB: {
        MDB_txn *txn;
        MDB_val k, v;

        if ((rc = mdb_txn_begin(t->env, NULL, MDB_RDONLY, &txn)) != 0) {
            *why = mdb_strerror(rc);
            return PROBE_ERROR;
        }
        k.mv_data = (void *)key;
        k.mv_size = len;
        rc = mdb_get(txn, t->dbi, &k, &v);
        if (rc == 0) {
            /* copy before the snapshot goes away */
            tlsp_buf_reset(&t->probe_buf);
            if (tlsp_buf_append(&t->probe_buf, v.mv_data, v.mv_size) != TLSP_OK) {
                mdb_txn_abort(txn);
                *why = strerror(ENOMEM);
                return PROBE_ERROR;
            }
            *val = tlsp_buf_str(&t->probe_buf);
            *vlen = v.mv_size;
        }
        mdb_txn_abort(txn);
        if (rc == MDB_NOTFOUND)
            return PROBE_MISSING;
        if (rc != 0) {
            *why = mdb_strerror(rc);
            return PROBE_ERROR;
        }
        return PROBE_FOUND;
    }
    case KIND_CDB:
        if (len > 0xffffffffu)
            return PROBE_MISSING;
        rc = cdb_find(&t->cdb, key, (unsigned)len);
        if (rc == 0)
            return PROBE_MISSING;
        if (rc < 0 ||
            (*val = cdb_get(&t->cdb, cdb_datalen(&t->cdb), cdb_datapos(&t->cdb))) == NULL) {
            *why = strerror(errno ? errno : EPROTO);
            return PROBE_ERROR;
        }
        *vlen = cdb_datalen(&t->cdb);
        return PROBE_FOUND;
    }
    return PROBE_MISSING;
}

/* One entry per call; returns 1 with an entry, 0 at the end, -1 on error. */
struct db_iter {
    struct db_table *t;
    DBC *cursor;
    MDB_txn *txn;
    MDB_cursor *mc;
    unsigned cpos;
};

static int
iter_next(struct db_iter *it, const char **k, size_t *klen, const char **v, size_t *vlen)
{
    struct db_table *t = it->t;
    int rc;

    switch (t->kind) {
    case KIND_BDB: {
        DBT dk, dv;

        if (it->cursor == NULL && t->db->cursor(t->db, NULL, &it->cursor, 0) != 0)
            return -1;
        memset(&dk, 0, sizeof(dk));
        memset(&dv, 0, sizeof(dv));
        rc = it->cursor->get(it->cursor, &dk, &dv, DB_NEXT);
        if (rc == DB_NOTFOUND)
            return 0;
        if (rc != 0)
            return -1;
        *k = dk.data;
        *klen = dk.size;
        *v = dv.data;
        *vlen = dv.size;
        return 1;
    }
    case KIND_LMDB: {
        MDB_val mk, mv;

        if (it->txn == NULL) {
            if (mdb_txn_begin(t->env, NULL, MDB_RDONLY, &it->txn) != 0)
                return -1;
            if (mdb_cursor_open(it->txn, t->dbi, &it->mc) != 0)
                return -1;
        }
        rc = mdb_cursor_get(it->mc, &mk, &mv, MDB_NEXT);
        if (rc == MDB_NOTFOUND)
            return 0;
        if (rc != 0)
            return -1;
        *k = mk.mv_data;
        *klen = mk.mv_size;
        *v = mv.mv_data;
        *vlen = mv.mv_size;
        return 1;
    }
    case KIND_CDB:
        if (it->cpos == 0)
            cdb_seqinit(&it->cpos, &t->cdb);
        rc = cdb_seqnext(&it->cpos, &t->cdb);
        if (rc <= 0)
            return rc < 0 ? -1 : 0;
        *k = cdb_get(&t->cdb, cdb_keylen(&t->cdb), cdb_keypos(&t->cdb));
        *v = cdb_get(&t->cdb, cdb_datalen(&t->cdb), cdb_datapos(&t->cdb));
        if (*k == NULL || *v == NULL)
            return -1;
        *klen = cdb_keylen(&t->cdb);
        *vlen = cdb_datalen(&t->cdb);
        return 1;
    }
    return 0;
}

static void
iter_end(struct db_iter *it)
{
    if (it->cursor)
        it->cursor->close(it->cursor);
    if (it->mc)
        mdb_cursor_close(it->mc);
    if (it->txn)
        mdb_txn_abort(it->txn);
}

/* Heap C string of n bytes at p, cut at the first NUL (Postfix's SCOPY). */
static char *
scopy(const char *p, size_t n)
{
    const char *nul = memchr(p, 0, n);

    return tlsp_strndup(p, nul ? (size_t)(nul - p) : n);
}

/* ---- comparison with the text source ----------------------------------- */

struct diff {
    unsigned n;     /* differences */
    char *shown[3]; /* the first few, described */
    unsigned n_shown;
};

static void
diff_fini(struct diff *d)
{
    unsigned i;

    for (i = 0; i < d->n_shown; i++)
        free(d->shown[i]);
    memset(d, 0, sizeof(*d));
}

static enum tlsp_status
diff_add(struct diff *d, const char *key, const char *what)
{
    struct tlsp_buf b;

    d->n++;
    if (d->n_shown >= 3)
        return TLSP_OK;
    tlsp_buf_init(&b, 512);
    if (tlsp_buf_printf(&b, "\"%.200s\" (%s)", key, what) != TLSP_OK) {
        tlsp_buf_fini(&b);
        return TLSP_NOMEM;
    }
    if ((d->shown[d->n_shown] = tlsp_buf_steal(&b)) == NULL)
        return TLSP_NOMEM;
    d->n_shown++;
    return TLSP_OK;
}

/* Entries of the source parsed one way, checked against the compiled file. */
struct side {
    struct tlsp_strmap map;
    struct tlsp_strmap seen; /* keys found in the compiled file */
    struct diff diff;
};

static enum tlsp_status
compare_entry(struct side *s, const char *key, const char *value)
{
    const struct tlsp_text_entry *e = tlsp_strmap_get(&s->map, key);
    enum tlsp_status st;

    if (e == NULL)
        return diff_add(&s->diff, key, "only in the compiled file");
    if ((st = tlsp_strmap_put(&s->seen, key, (void *)e, NULL)) != TLSP_OK)
        return st;
    if (strcmp(e->value, value) != 0)
        return diff_add(&s->diff, key, "different value");
    return TLSP_OK;
}

/* Source entries the compiled file lacks, lowest line numbers first. */
static enum tlsp_status
missing_entries(struct side *s)
{
    const struct tlsp_text_entry *first[3] = {NULL, NULL, NULL};
    unsigned n_missing = 0, i, j;
    enum tlsp_status st;

    for (i = 0; i < s->map.cap; i++) {
        const struct tlsp_text_entry *e = s->map.slots[i].val;

        if (s->map.slots[i].key == NULL || tlsp_strmap_get(&s->seen, s->map.slots[i].key))
            continue;
        n_missing++;
        for (j = 0; j < 3; j++) {
            if (first[j] == NULL || e->line < first[j]->line) {
                unsigned k;

                for (k = 2; k > j; k--)
                    first[k] = first[k - 1];
                first[j] = e;
                break;
            }
        }
    }
    for (j = 0; j < 3 && first[j]; j++)
        if ((st = diff_add(&s->diff, first[j]->raw_key, "not in the compiled file")) != TLSP_OK)
            return st;
    s->diff.n += n_missing - j;
    return TLSP_OK;
}

static void
side_fini(struct side *s)
{
    tlsp_strmap_fini(&s->map, tlsp_text_entry_free);
    tlsp_strmap_fini(&s->seen, NULL);
    diff_fini(&s->diff);
}

/*
 * compare_source - parse the text source as postmap would (once folding
 * keys, postmap's default, once as with "postmap -f") and note when the
 * compiled file holds something else. Keeps the better-matching parse in
 * t->src for hit reporting.
 */
static enum tlsp_status
compare_source(struct tlsp_map *m, struct db_table *t, struct tlsp_diag *diag)
{
    struct side sides[2];
    struct stat st_src;
    struct db_iter it;
    char *data = NULL;
    size_t len, i;
    enum tlsp_status st;
    unsigned mode = (m->flags & TLSP_MAP_UTF8) ? TLSP_TEXT_UTF8 : 0;
    int rc = 0, best;
    unsigned n_upper = 0;
    char *upper_example = NULL;
    struct tlsp_buf folded;

    if (stat(m->name, &st_src) != 0 || !S_ISREG(st_src.st_mode))
        return TLSP_OK; /* no source beside the compiled file */
    st = tlsp_read_file(m->name, TLSP_MAP_TEXT_LIMIT, &data, &len);
    if (st == TLSP_LIMIT)
        return tlsp_map_msg(m, diag, TLSP_SEV_NOTE, m->name, 0,
                            "%s: source of %s not compared with it: larger than %zu MiB", m->name,
                            t->db_path, TLSP_MAP_TEXT_LIMIT >> 20);
    if (st == TLSP_IO)
        return TLSP_OK;
    if (st != TLSP_OK)
        return st;
    memset(sides, 0, sizeof(sides));
    memset(&it, 0, sizeof(it));
    for (i = 0; i < 2; i++) {
        tlsp_strmap_init(&sides[i].map);
        tlsp_strmap_init(&sides[i].seen);
    }
    st = tlsp_map_text_parse(m, m->name, data, len, mode | TLSP_TEXT_FOLD | TLSP_TEXT_DUP_FIRST,
                             &sides[0].map, NULL, NULL);
    if (st == TLSP_OK)
        st = tlsp_map_text_parse(m, m->name, data, len, mode | TLSP_TEXT_DUP_FIRST, &sides[1].map,
                                 NULL, NULL);
    free(data);
    data = NULL;
    if (st == TLSP_LIMIT) {
        st = TLSP_OK;
        goto out;
    }
    if (st != TLSP_OK)
        goto out;

    it.t = t;
    tlsp_buf_init(&folded, TLSP_MAP_LINE_LIMIT);
    for (;;) {
        const char *k, *v;
        size_t klen, vlen;
        char *key, *value;

        if ((rc = iter_next(&it, &k, &klen, &v, &vlen)) <= 0)
            break;
        key = scopy(k, klen);
        value = scopy(v, vlen);
        if (key == NULL || value == NULL) {
            free(key);
            free(value);
            st = TLSP_NOMEM;
            break;
        }
        for (i = 0; i < 2 && st == TLSP_OK; i++)
            st = compare_entry(&sides[i], key, value);
        /* a key that folding changes can never match a folded query */
        if (st == TLSP_OK && (m->flags & TLSP_MAP_FOLD_FIX) &&
            tlsp_utf8_casefold(key, (m->flags & TLSP_MAP_UTF8) != 0, &folded) == TLSP_OK &&
            strcmp(tlsp_buf_str(&folded), key) != 0 && n_upper++ == 0 &&
            (upper_example = tlsp_strdup(key)) == NULL)
            st = TLSP_NOMEM;
        free(key);
        free(value);
        if (st != TLSP_OK)
            break;
    }
    tlsp_buf_fini(&folded);
    if (st != TLSP_OK)
        goto out;
    if (n_upper > 0 &&
        (st = tlsp_map_msg(m, diag, TLSP_SEV_NOTE, NULL, 0,
                           "%s holds %u key%s with upper-case letters (e.g. \"%.200s\"), built "
                           "with \"postmap -f\"?; smtp(8) looks up lower-cased keys, so %s "
                           "never match%s",
                           t->db_path, n_upper, n_upper == 1 ? "" : "s",
                           upper_example ? upper_example : "", n_upper == 1 ? "it" : "they",
                           n_upper == 1 ? "es" : "")) != TLSP_OK)
        goto out;
    if (rc < 0) {
        st = tlsp_map_msg(m, diag, TLSP_SEV_NOTE, NULL, 0,
                          "%s: could not read all entries to compare them with %s", t->db_path,
                          m->name);
        goto out;
    }
    for (i = 0; i < 2; i++)
        if ((st = missing_entries(&sides[i])) != TLSP_OK)
            goto out;
    best = sides[1].diff.n < sides[0].diff.n ? 1 : 0;
    if (sides[best].diff.n > 0) {
        struct tlsp_buf b;

        tlsp_buf_init(&b, TLSP_BUF_TEXT_LIMIT);
        st = tlsp_buf_printf(&b, "%s does not match its source file %s: %u difference%s (",
                             t->db_path, m->name, sides[best].diff.n,
                             sides[best].diff.n == 1 ? "" : "s");
        for (i = 0; st == TLSP_OK && i < sides[best].diff.n_shown; i++)
            st = tlsp_buf_printf(&b, "%s%s", i ? ", " : "", sides[best].diff.shown[i]);
        if (st == TLSP_OK && sides[best].diff.n > sides[best].diff.n_shown)
            st = tlsp_buf_puts(&b, ", ...");
        if (st == TLSP_OK)
            st = tlsp_buf_printf(&b, "); Postfix uses the compiled file: run \"postmap %s:%s\"",
                                 m->type, m->name);
        if (st == TLSP_OK)
            st = tlsp_map_msg(m, diag, TLSP_SEV_NOTE, m->name, 0, "%s", tlsp_buf_str(&b));
        tlsp_buf_fini(&b);
        if (st != TLSP_OK)
            goto out;
    }
    /* keep the parse that matches best, for tlsp_map_hit */
    t->src = sides[best].map;
    tlsp_strmap_init(&sides[best].map);
    t->have_src = true;
    if ((t->src_path = tlsp_strdup(m->name)) == NULL)
        st = TLSP_NOMEM;
out:
    free(upper_example);
    iter_end(&it);
    for (i = 0; i < 2; i++)
        side_fini(&sides[i]);
    return st;
}

/* ---- the table ---------------------------------------------------------- */

static void
db_close(struct tlsp_map *m)
{
    struct db_table *t = m->impl;

    if (t == NULL)
        return;
    if (t->db)
        t->db->close(t->db, 0);
    if (t->env)
        mdb_env_close(t->env);
    if (t->cdb_ok)
        cdb_free(&t->cdb);
    if (t->fd >= 0)
        close(t->fd);
    tlsp_strmap_fini(&t->src, tlsp_text_entry_free);
    free(t->src_path);
    free(t->db_path);
    tlsp_buf_fini(&t->hit_key);
    tlsp_buf_fini(&t->probe_buf);
    free(t);
    m->impl = NULL;
}

static enum tlsp_status
db_lookup(struct tlsp_map *m, const char *key, const char **value, struct tlsp_map_hit *hit,
          struct tlsp_diag *diag)
{
    struct db_table *t = m->impl;
    const char *val = NULL, *why = NULL;
    size_t vlen = 0, klen = strlen(key);
    int rc = PROBE_MISSING;
    const struct tlsp_text_entry *e;
    char *copy;

    if (t->try1null) {
        rc = probe(t, key, klen + 1, &val, &vlen, &why);
        if (rc == PROBE_FOUND)
            t->try0null = false;
    }
    if (rc == PROBE_MISSING && t->try0null) {
        rc = probe(t, key, klen, &val, &vlen, &why);
        if (rc == PROBE_FOUND)
            t->try1null = false;
    }
    if (rc == PROBE_ERROR) {
        /* Postfix: msg_fatal(), the process exits */
        if (t->kind == KIND_LMDB)
            return tlsp_map_msg(m, diag, TLSP_SEV_FATAL, NULL, 0, "error reading %s:%s: %s",
                                m->type, m->dict_name, why) == TLSP_OK
                       ? TLSP_RETRY
                       : TLSP_NOMEM;
        return tlsp_map_msg(m, diag, TLSP_SEV_FATAL, NULL, 0, "error reading %s: %s", t->db_path,
                            why) == TLSP_OK
                   ? TLSP_RETRY
                   : TLSP_NOMEM;
    }
    if (rc == PROBE_MISSING)
        return TLSP_NOTFOUND;
    if ((copy = scopy(val, vlen)) == NULL)
        return TLSP_NOMEM;
    tlsp_buf_reset(&m->val_buf);
    if (tlsp_buf_puts(&m->val_buf, copy) != TLSP_OK) {
        free(copy);
        return TLSP_NOMEM;
    }
    free(copy);
    *value = tlsp_buf_str(&m->val_buf);
    if (hit) {
        e = t->have_src ? tlsp_strmap_get(&t->src, key) : NULL;
        if (e != NULL && strcmp(e->value, *value) == 0) {
            hit->key = e->raw_key;
            hit->file = t->src_path;
            hit->line = e->line;
        } else {
            tlsp_buf_reset(&t->hit_key);
            if (tlsp_buf_puts(&t->hit_key, key) != TLSP_OK)
                return TLSP_NOMEM;
            hit->key = tlsp_buf_str(&t->hit_key);
            hit->file = NULL;
            hit->line = 0;
        }
    }
    return TLSP_OK;
}

static const struct tlsp_map_backend db_backend = {db_lookup, db_close};

/* "database X is older than source file Y", under Postfix's conditions. */
static enum tlsp_status
check_age(struct tlsp_map *m, struct db_table *t, time_t db_mtime, struct tlsp_diag *diag)
{
    struct stat st;

    if (stat(m->name, &st) == 0 && st.st_mtime > db_mtime && st.st_mtime < time(NULL) - 100)
        return tlsp_map_msg(m, diag, TLSP_SEV_WARNING, NULL, 0,
                            "database %s is older than source file %s", t->db_path, m->name);
    return TLSP_OK;
}

static enum tlsp_status
new_table(struct tlsp_map *m, enum db_kind kind, const char *suffix, struct db_table **out)
{
    struct db_table *t = calloc(1, sizeof(*t));
    struct tlsp_buf b;

    *out = NULL;
    if (t == NULL)
        return TLSP_NOMEM;
    t->kind = kind;
    t->fd = -1;
    t->try1null = t->try0null = true;
    tlsp_strmap_init(&t->src);
    tlsp_buf_init(&t->hit_key, TLSP_MAP_LINE_LIMIT);
    tlsp_buf_init(&t->probe_buf, TLSP_MAP_LINE_LIMIT);
    tlsp_buf_init(&b, TLSP_BUF_TEXT_LIMIT);
    if (tlsp_buf_printf(&b, "%s%s", m->name, suffix) != TLSP_OK ||
        (t->db_path = tlsp_buf_steal(&b)) == NULL) {
        tlsp_buf_fini(&b);
        free(t);
        return TLSP_NOMEM;
    }
    m->impl = t;
    m->be = &db_backend;
    *out = t;
    return TLSP_OK;
}

/* Drop a half-opened table and turn m into a surrogate or fatal table. */
static void
discard(struct tlsp_map *m)
{
    db_close(m);
    m->be = NULL;
}

static enum tlsp_status
finish_open(struct tlsp_map *m, struct db_table *t, time_t mtime, struct tlsp_diag *diag)
{
    enum tlsp_status st;

    if ((st = check_age(m, t, mtime, diag)) != TLSP_OK)
        return st;
    return compare_source(m, t, diag);
}

enum tlsp_status
tlsp_map_open_db(struct tlsp_map *m, struct tlsp_diag *diag)
{
    struct db_table *t;
    enum tlsp_status st;
    struct stat sb;
    int rc, fd;

    if ((st = new_table(m, KIND_BDB, ".db", &t)) != TLSP_OK)
        return st;
    free(m->dict_name);
    if ((m->dict_name = tlsp_strdup(t->db_path)) == NULL)
        return TLSP_NOMEM;
    if ((rc = db_create(&t->db, NULL, 0)) != 0) {
        t->db = NULL;
        return TLSP_NOMEM;
    }
    t->db->set_errcall(t->db, bdb_quiet);
    rc = t->db->open(t->db, NULL, t->db_path, NULL,
                     strcmp(m->type, "btree") == 0 ? DB_BTREE : DB_HASH, DB_RDONLY, 0644);
    if (rc != 0) {
        char *why = tlsp_strdup(rc > 0 ? strerror(rc) : db_strerror(rc));

        if (why == NULL)
            return TLSP_NOMEM;
        discard(m);
        st = tlsp_map_surrogate(m, diag, "open database %s.db: %s", m->name, why);
        free(why);
        return st;
    }
    if (t->db->fd(t->db, &fd) != 0 || fstat(fd, &sb) != 0)
        sb.st_mtime = 0;
    return finish_open(m, t, sb.st_mtime, diag);
}

enum tlsp_status
tlsp_map_open_lmdb(struct tlsp_map *m, struct tlsp_diag *diag)
{
    struct db_table *t;
    enum tlsp_status st;
    struct stat sb;
    MDB_txn *txn;
    int rc;

    if ((st = new_table(m, KIND_LMDB, ".lmdb", &t)) != TLSP_OK)
        return st;
    if ((rc = mdb_env_create(&t->env)) != 0) {
        t->env = NULL;
        return TLSP_NOMEM;
    }
    rc = mdb_env_open(t->env, t->db_path, MDB_NOSUBDIR | MDB_RDONLY | MDB_NOLOCK, 0644);
    if (rc == 0 && (rc = mdb_txn_begin(t->env, NULL, MDB_RDONLY, &txn)) == 0) {
        if ((rc = mdb_dbi_open(txn, NULL, 0, &t->dbi)) == 0)
            rc = mdb_txn_commit(txn);
        else
            mdb_txn_abort(txn);
    }
    if (rc != 0) {
        char *why = tlsp_strdup(mdb_strerror(rc));

        if (why == NULL)
            return TLSP_NOMEM;
        discard(m);
        st = tlsp_map_surrogate(m, diag, "open database %s.lmdb: %s", m->name, why);
        free(why);
        return st;
    }
    if (stat(t->db_path, &sb) != 0)
        sb.st_mtime = 0;
    return finish_open(m, t, sb.st_mtime, diag);
}

enum tlsp_status
tlsp_map_open_cdb(struct tlsp_map *m, struct tlsp_diag *diag)
{
    struct db_table *t;
    enum tlsp_status st;
    struct stat sb;
    int saved;

    if ((st = new_table(m, KIND_CDB, ".cdb", &t)) != TLSP_OK)
        return st;
    free(m->dict_name);
    if ((m->dict_name = tlsp_strdup(t->db_path)) == NULL)
        return TLSP_NOMEM;
    if ((t->fd = open(t->db_path, O_RDONLY | O_CLOEXEC)) < 0) {
        saved = errno;
        discard(m);
        return tlsp_map_surrogate(m, diag, "open database %s.cdb: %s", m->name, strerror(saved));
    }
    if (fstat(t->fd, &sb) != 0)
        sb.st_mtime = 0;
    errno = 0;
    if (cdb_init(&t->cdb, t->fd) < 0) {
        saved = errno ? errno : EPROTO;
        discard(m);
        /* Postfix: msg_fatal() in dict_cdbq_open() */
        return tlsp_map_fatal(m, diag, "dict_cdbq_open: unable to init %s.cdb: %s", m->name,
                              strerror(saved));
    }
    t->cdb_ok = true;
    return finish_open(m, t, sb.st_mtime, diag);
}
