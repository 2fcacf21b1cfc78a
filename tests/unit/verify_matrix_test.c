/*
 * verify_matrix_test.c - the certificate matrix: Postfix 3.7.11's verdict on
 * purpose-made certificates at the levels that look at them (spec 1.5, 3,
 * 4.2, 4.3, 5.4)
 *
 * A private PKI is generated when the test runs (tests/pki/mkpki): a root,
 * an intermediate, and leaves with one name property or validity defect
 * each, plus a root and intermediate nobody trusts. Each row names a chain,
 * the next hop, the MX host, the policy-table entry that applies (and a
 * main.cf setting when the row is about one), and what Postfix does: the
 * trust word, deliver or defer with the DSN and reason, and the
 * verification error it reports with the line it logs. Expected values are
 * written from the spec section the row names. The policy is resolved the
 * way "tlspolicy verify" resolves it (configuration directory, service
 * view, policy table) and judged by tlsp_verify() at a fixed time.
 * Fingerprints are computed from the generated certificates with OpenSSL.
 *
 * Every row's word and verification line was also observed with Postfix
 * 3.7.11's posttls-finger (-w against "openssl s_server" in a network
 * namespace with only loopback, the names and digests each row's policy
 * yields given as match arguments, -L untrusted for the encrypt rows):
 * all agreed (deliver or defer read from the word as spec 6.3 maps it).
 * That check was made by hand; it is not part of this test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <tlspolicy/cf.h>
#include <tlspolicy/chain.h>
#include <tlspolicy/policy.h>
#include <tlspolicy/verify.h>

#include "testutil.h"

/* The PKI: CAs and leaves as mkpki reads them (ca NAME|ISSUER|SUBJECT|START|END,
 * leaf NAME|ISSUER|SUBJECT|SAN|START|END|EKU). */
static const char pki_spec[] =
    "ca   root      | self      | /O=Matrix Test/CN=Matrix Root CA         | - | -\n"
    "ca   inter     | root      | /O=Matrix Test/CN=Matrix Intermediate CA | - | -\n"
    "ca   otherroot | self      | /O=Elsewhere/CN=Other Root CA            | - | -\n"
    "ca   otherint  | otherroot | /O=Elsewhere/CN=Other Intermediate CA    | - | -\n"
    "leaf exact     | inter | /CN=mail.example.test    | DNS:mail.example.test | - | - | -\n"
    "leaf wild      | inter | /CN=wildcard certificate | DNS:*.example.test    | - | - | -\n"
    "leaf partial   | inter | /CN=partial wildcard     | DNS:mx*.example.test  | - | - | -\n"
    "leaf cnonly    | inter | /CN=mail.example.test    | -                     | - | - | -\n"
    "leaf cnignored | inter | /CN=mail.example.test    | DNS:other.example.net | - | - | -\n"
    "leaf email     | inter | /CN=mail.example.test | email:postmaster@example.test | - | - | -\n"
    "leaf upper     | inter | /CN=upper case           | DNS:MAIL.Example.TEST | - | - | -\n"
    "leaf dot       | inter | /CN=trailing dot         | DNS:mail.example.test. | - | - | -\n"
    "leaf alabel    | inter | /CN=a-label | DNS:xn--bcher-kva.example.test | - | - | -\n"
    "leaf ipsan     | inter | /CN=ip address           | IP:127.0.0.1          | - | - | -\n"
    "leaf dnsip     | inter | /CN=dns name 127.0.0.1   | DNS:127.0.0.1         | - | - | -\n"
    "leaf expired   | inter | /CN=mail.example.test    | DNS:mail.example.test "
    "| 20200101000000Z | 20210101000000Z | -\n"
    "leaf notyet    | inter | /CN=mail.example.test    | DNS:mail.example.test "
    "| 20300101000000Z | 20350101000000Z | -\n"
    "leaf selfsig   | self  | /CN=mail.example.test    | DNS:mail.example.test | - | - | -\n"
    "leaf stranger  | otherint | /CN=mail.example.test | DNS:mail.example.test | - | - | -\n"
    "leaf client    | inter | /CN=mail.example.test    | DNS:mail.example.test | - | - | "
    "clientAuth\n";

/* Verification time: 2026-06-01 00:00:00 UTC, inside every leaf's default
 * validity (2025-2035), after "expired" ended, before "notyet" begins. */
#define AT_TEXT "2026-06-01T00:00:00Z"

#define NOT_VERIFIED "Server certificate not verified"
#define INTER_DN "/O=Matrix Test/CN=Matrix Intermediate CA"
#define ROOT_DN "/O=Matrix Test/CN=Matrix Root CA"
#define OTHER_ROOT_DN "/O=Elsewhere/CN=Other Root CA"
#define U_BUCHER "b\xc3\xbc"       /* "bü" */
#define U_BUCHER_UPPER "B\xc3\x9c" /* "BÜ" */

enum outcome { DELIVER, DEFER };

struct row {
    const char *chain;    /* file in the PKI directory */
    const char *dest;     /* next hop (also the policy-table key) */
    const char *mx_host;  /* server host name; NULL for [host] next hops */
    const char *entry;    /* policy-table value; @CERT:x@, @PKEY:x@, @cert:x@ are digests */
    const char *setting;  /* extra main.cf assignment, or NULL */
    enum tlsp_word word;  /* the summary line's word */
    enum outcome outcome; /* DEFER means 4.7.5 Server certificate not verified */
    int err; /* X509_V_ERR_* number (num=N) the verify callback keeps (spec 4.3); 0 for none */
    int err_depth;
    const char *line; /* its line (see L_*), or NULL; logged only at the levels that
                         force "untrusted" logging on (spec 4.1), not at encrypt */
    const char *spec; /* the rule it follows */
    const char *what;
};

/* Verification lines (spec 4.3), as "PURPOSE|TEXT": PURPOSE is the prefix
 * before "certificate verification failed for", TEXT follows "NAMADDR: ". */
#define L_NAME "server |num=62:hostname mismatch"
#define L_IP "server |num=64:IP address mismatch"
#define L_EXPIRED "server |certificate has expired"
#define L_NOTYET "server |certificate not yet valid"
#define L_SELF "|self-signed certificate"
#define L_PURPOSE "|not designated for use as a server certificate"
#define L_DANE "server |num=65:no matching DANE TLSA records"
#define L_ISSUER(dn) "|untrusted issuer " dn

#define V TLSP_WORD_VERIFIED
#define T TLSP_WORD_TRUSTED
#define U TLSP_WORD_UNTRUSTED
#define MX "mail.example.test"
#define D "example.test"

static const struct row rows[] = {
    /* ---- names at verify and secure (spec 3.2 - 3.4) ---- */
    {"exact.chain.pem", D, MX, "verify", NULL, V, DELIVER, 0, 0, NULL,
     "3.2 hostname, 3.3 exact names", "exact DNS SAN = MX host"},
    {"exact.chain.pem", D, MX, "secure", NULL, V, DELIVER, 0, 0, NULL,
     "3.2 secure default nexthop, dot-nexthop; 3.3 sub-domain references",
     "exact SAN under .nexthop"},
    {"exact.chain.pem", "example.org", MX, "verify", NULL, V, DELIVER, 0, 0, NULL,
     "3.4 verify trusts the MX answer", "MX host of another domain at verify"},
    {"exact.chain.pem", "example.org", MX, "secure", NULL, U, DEFER, 62, 0, L_NAME,
     "3.4 secure never uses the MX host; 4.2 Untrusted on name mismatch (3.6-3.10.3)",
     "MX host of another domain at secure"},
    {"exact.chain.pem", "example.org", MX, "secure match=hostname", NULL, V, DELIVER, 0, 0, NULL,
     "3.4 hostname in a secure match list", "secure match=hostname"},
    {"exact.chain.pem", "example.org", MX, "secure match=nexthop:" MX, NULL, V, DELIVER, 0, 0, NULL,
     "3.2 reference names are alternatives; match= splits on ':'", "second of two names matches"},
    {"exact.chain.pem", D, MX, "secure match=" D, NULL, U, DEFER, 62, 0, L_NAME,
     "3.3 exact names: full-string equality", "parent domain is not the name"},
    {"exact.chain.pem", D, MX, "secure match=.mail.example.test", NULL, U, DEFER, 62, 0, L_NAME,
     "3.3 example.com itself does not match .example.com", "suffix of the name itself"},
    {"exact.chain.pem", D, MX, "verify", "smtp_tls_verify_cert_match = nexthop, dot-nexthop", V,
     DELIVER, 0, 0, NULL, "3.2 main.cf match list splits on comma and space",
     "verify with smtp_tls_verify_cert_match"},
    {"exact.chain.pem", D, MX, "verify", "smtp_tls_verify_cert_match = nexthop", U, DEFER, 62, 0,
     L_NAME, "3.2 nexthop is the domain before MX resolution", "verify match nexthop only"},

    /* ---- wildcards (spec 3.3) ---- */
    {"wild.chain.pem", D, MX, "verify", NULL, V, DELIVER, 0, 0, NULL,
     "3.3 * matches exactly one label", "*.example.test, one label below"},
    {"wild.chain.pem", D, "a.mail.example.test", "verify", NULL, U, DEFER, 62, 0, L_NAME,
     "3.3 * never spans two labels (tls_wildcard_matches_multiple_labels is dead)",
     "*.example.test, two labels below"},
    {"wild.chain.pem", D, MX, "secure match=" D, NULL, U, DEFER, 62, 0, L_NAME,
     "3.3 * matches one non-empty label, not the parent", "*.example.test vs example.test"},
    {"wild.chain.pem", D, MX, "secure", NULL, V, DELIVER, 0, 0, NULL,
     "3.3 sub-domain reference matches *.example.test as text", "*.example.test vs .example.test"},
    {"wild.chain.pem", D, MX, "secure match=.test", NULL, V, DELIVER, 0, 0, NULL,
     "3.3 sub-domain reference .test matches *.example.test", "*.example.test vs .test"},
    {"partial.chain.pem", D, "mx1.example.test", "verify", NULL, U, DEFER, 62, 0, L_NAME,
     "3.3 NO_PARTIAL_WILDCARDS: mx*.example.test is no wildcard", "partial-label wildcard"},
    {"partial.chain.pem", D, "mx1.example.test", "secure", NULL, V, DELIVER, 0, 0, NULL,
     "3.3 .example.test matches mx*.example.test as a literal suffix",
     "partial-label wildcard vs dot-nexthop"},

    /* ---- which certificate names count (spec 3.3) ---- */
    {"cnonly.chain.pem", D, MX, "verify", NULL, V, DELIVER, 0, 0, NULL,
     "3.3 CN is used when there is no DNS SAN", "CN only"},
    {"cnignored.chain.pem", D, MX, "verify", NULL, U, DEFER, 62, 0, L_NAME,
     "3.3 with a DNS SAN the CN is ignored", "CN differs from the DNS SAN"},
    {"cnignored.chain.pem", D, MX, "verify match=other.example.net", NULL, V, DELIVER, 0, 0, NULL,
     "3.3 DNS SANs are the names", "the DNS SAN of the CN-ignored certificate"},
    {"email.chain.pem", D, MX, "verify", NULL, V, DELIVER, 0, 0, NULL,
     "3.3 an e-mail SAN is no DNS SAN: the CN counts", "e-mail-only SAN"},
    {"upper.chain.pem", D, MX, "verify", NULL, V, DELIVER, 0, 0, NULL, "3.3 ASCII case-insensitive",
     "upper-case SAN"},
    {"dot.chain.pem", D, MX, "verify", NULL, U, DEFER, 62, 0, L_NAME,
     "3.3 no trailing-dot normalisation", "SAN with trailing dot vs name without"},
    {"dot.chain.pem", D, MX, "verify match=mail.example.test.", NULL, V, DELIVER, 0, 0, NULL,
     "3.3 each spelling matches itself", "SAN with trailing dot vs the same spelling"},
    {"alabel.chain.pem", D, MX, "secure match=" U_BUCHER "cher.example.test", NULL, V, DELIVER, 0,
     0, NULL, "3.2 U-labels become A-labels (UTS-46)", "A-label SAN vs U-label reference"},
    {"alabel.chain.pem", D, MX, "secure match=" U_BUCHER_UPPER "CHER.example.test", NULL, V,
     DELIVER, 0, 0, NULL, "3.2 case variants of U-labels map to the same A-label",
     "A-label SAN vs upper-case U-label reference"},
    {"alabel.chain.pem", D, MX, "secure match=xn--bcher-kva.example.test", NULL, V, DELIVER, 0, 0,
     NULL, "3.3 exact names", "A-label SAN vs A-label reference"},
    {"alabel.chain.pem", D, MX, "secure match=bucher.example.test", NULL, U, DEFER, 62, 0, L_NAME,
     "3.3 exact names", "A-label SAN vs a different ASCII name"},

    /* ---- IP literals (spec 3.3) ---- */
    {"ipsan.chain.pem", "[127.0.0.1]", NULL, "verify", NULL, V, DELIVER, 0, 0, NULL,
     "3.3 IP reference checks iPAddress SANs", "IP SAN at verify, [127.0.0.1]"},
    {"ipsan.chain.pem", "[127.0.0.1]", NULL, "secure", NULL, U, DEFER, 62, 0, L_NAME,
     "3.3 secure default adds .127.0.0.1, which nothing matches", "IP SAN at secure"},
    {"dnsip.chain.pem", "[127.0.0.1]", NULL, "verify", NULL, U, DEFER, 64, 0, L_IP,
     "3.3 a DNS SAN 127.0.0.1 is no IP SAN", "DNS SAN \"127.0.0.1\" at verify"},

    /* ---- validity (spec 1.5, 4.3) ---- */
    {"expired.chain.pem", D, MX, "verify", NULL, U, DEFER, 10, 0, L_EXPIRED,
     "4.3 expired leaf, right name: certificate has expired", "expired, right name"},
    {"expired.chain.pem", D, "other.example.test", "verify", NULL, U, DEFER, 62, 0, L_NAME,
     "4.3 name checks are reported before validity at depth 0", "expired, wrong name"},
    {"expired.chain.pem", D, MX, "encrypt", NULL, U, DELIVER, 10, 0, L_EXPIRED,
     "1.5 encrypt checks nothing; 4.2 the word only", "expired at encrypt"},
    {"expired.chain.pem", D, MX, "fingerprint match=@CERT:expired@", NULL, V, DELIVER, 0, 0, NULL,
     "1.5 fingerprint ignores expiry", "expired, pinned"},
    {"notyet.chain.pem", D, MX, "verify", NULL, U, DEFER, 9, 0, L_NOTYET,
     "4.3 certificate not yet valid", "not yet valid"},
    {"notyet.chain.pem", D, MX, "secure", NULL, U, DEFER, 9, 0, L_NOTYET,
     "4.3 certificate not yet valid", "not yet valid at secure"},

    /* ---- trust (spec 1.5, 4.3) ---- */
    {"selfsig.chain.pem", D, MX, "verify", NULL, U, DEFER, 18, 0, L_SELF,
     "4.3 DEPTH_ZERO_SELF_SIGNED_CERT", "self-signed leaf"},
    {"selfsig.chain.pem", D, MX, "encrypt", NULL, U, DELIVER, 18, 0, L_SELF,
     "1.5 encrypt; 4.2 Untrusted", "self-signed at encrypt"},
    {"selfsig.chain.pem", D, MX, "fingerprint match=@PKEY:selfsig@", NULL, V, DELIVER, 0, 0, NULL,
     "1.5 fingerprint: CAs ignored", "self-signed, public key pinned"},
    {"exact.leaf-only.pem", D, MX, "verify", NULL, U, DEFER, 20, 0, L_ISSUER(INTER_DN),
     "4.3 leaf only, issuer unknown: untrusted issuer", "intermediate missing"},
    {"exact.leaf-only.pem", D, "other.example.test", "verify", NULL, U, DEFER, 20, 0,
     L_ISSUER(INTER_DN), "4.3 leaf only: untrusted issuer even with a wrong name",
     "intermediate missing, wrong name"},
    {"exact.leaf-only.pem", D, MX, "encrypt", NULL, U, DELIVER, 20, 0, L_ISSUER(INTER_DN),
     "1.5 encrypt; 4.2 Untrusted", "intermediate missing at encrypt"},
    {"stranger.chain.pem", D, MX, "verify", NULL, U, DEFER, 20, 1, L_ISSUER(OTHER_ROOT_DN),
     "4.3 root unknown, right name: untrusted issuer at depth 1", "unrelated root"},
    {"stranger.chain.pem", D, "other.example.test", "secure match=other.example.test", NULL, U,
     DEFER, 62, 0, L_NAME, "4.3 depth 0 hostname mismatch beats depth 1 untrusted issuer",
     "unrelated root, wrong name"},
    {"stranger.chain.pem", D, MX, "encrypt", NULL, U, DELIVER, 20, 1, L_ISSUER(OTHER_ROOT_DN),
     "1.5 encrypt; 4.2 Untrusted", "unrelated root at encrypt"},
    {"stranger.chain.pem", D, MX, "fingerprint match=@CERT:stranger@", NULL, V, DELIVER, 0, 0, NULL,
     "1.5 fingerprint: CAs ignored", "unrelated root, pinned"},
    {"exact.chain.pem", D, MX, "verify", "smtp_tls_CAfile =", U, DEFER, 20, 1, L_ISSUER(ROOT_DN),
     "1.5 no CAfile or CApath: nothing trusted", "no CA configured at verify"},
    {"exact.chain.pem", D, MX, "encrypt", "smtp_tls_CAfile =", U, DELIVER, 20, 1, L_ISSUER(ROOT_DN),
     "1.5 no CAfile or CApath: nothing trusted (word only)", "no CA configured at encrypt"},
    {"exact.chain.pem", D, MX, "encrypt", NULL, T, DELIVER, 0, 0, NULL,
     "4.2 Trusted at encrypt when the chain verifies", "good chain at encrypt"},
    {"client.chain.pem", D, MX, "verify", NULL, U, DEFER, 26, 0, L_PURPOSE, "4.3 INVALID_PURPOSE",
     "clientAuth-only EKU"},
    {"client.chain.pem", D, MX, "encrypt", NULL, U, DELIVER, 26, 0, L_PURPOSE,
     "1.5 encrypt; 4.2 Untrusted", "clientAuth-only EKU at encrypt"},

    /* ---- fingerprints (spec 1.5, 5.4) ---- */
    {"exact.chain.pem", D, MX, "fingerprint match=@CERT:exact@", NULL, V, DELIVER, 0, 0, NULL,
     "1.5 leaf certificate digest", "certificate sha256"},
    {"exact.chain.pem", D, MX, "fingerprint match=@PKEY:exact@", NULL, V, DELIVER, 0, 0, NULL,
     "1.5 leaf public-key digest", "public key sha256"},
    {"exact.chain.pem", D, MX, "fingerprint match=@cert:exact@", NULL, V, DELIVER, 0, 0, NULL,
     "5.4 colons optional, either case", "certificate sha256, lower case, no colons"},
    {"exact.chain.pem", D, MX, "fingerprint match=@CERT:inter@", NULL, U, DEFER, 65, 0, L_DANE,
     "1.5 only the leaf can match", "the intermediate's digest"},
    {"exact.chain.pem", D, MX, "fingerprint match=@CERT:wild@", NULL, U, DEFER, 65, 0, L_DANE,
     "1.5 digest of another certificate", "wrong fingerprint"},
    {"exact.chain.pem", D, MX, "fingerprint match=@CERT:wild@|@CERT:exact@", NULL, V, DELIVER, 0, 0,
     NULL, "5.4 match= separated by |", "second of two fingerprints"},
    {"wild.chain.pem", D, "a.b.example.test", "fingerprint match=@CERT:wild@", NULL, V, DELIVER, 0,
     0, NULL, "1.5 fingerprint ignores names", "pinned, name would not match"},
};

struct matrix {
    char *pki; /* generated PKI */
    char *dir; /* configuration directory */
    long long at;
};

static int
setup(void **state)
{
    struct matrix *m = calloc(1, sizeof(*m));
    char *spec, *mkpki;
    char *out = NULL, *err = NULL;
    struct tm tm;
    int rc;

    assert_non_null(m);
    tu_require_program("openssl", "openssl");
    m->pki = tu_mkdtemp("matrix-pki");
    m->dir = tu_mkdtemp("matrix-cf");
    spec = tu_write(m->pki, "pki.spec", pki_spec);
    mkpki = tu_source_path("tests/pki/mkpki");
    {
        char *argv[] = {(char *)"bash", mkpki, m->pki, spec, NULL};

        rc = tu_run(argv, &out, &err);
    }
    if (rc != 0)
        fail_msg("mkpki failed (%d): %s%s", rc, out, err);
    free(out);
    free(err);
    free(spec);
    free(mkpki);
    memset(&tm, 0, sizeof(tm));
    assert_non_null(strptime(AT_TEXT, "%Y-%m-%dT%H:%M:%SZ", &tm));
    m->at = (long long)timegm(&tm);
    *state = m;
    return 0;
}

static int
teardown(void **state)
{
    struct matrix *m = *state;

    tu_rmtree(m->pki);
    tu_rmtree(m->dir);
    free(m->pki);
    free(m->dir);
    free(m);
    return 0;
}

/* digest - sha256 of certificate NAME.pem (pkey: of its SubjectPublicKeyInfo, as
 * Postfix's tls_pkey_fprint()), upper-case hex with colons, or lower case without. */
static char *
digest(const char *pki, const char *name, bool pkey, bool plain)
{
    unsigned char md[EVP_MAX_MD_SIZE], *der = NULL;
    unsigned int n = 0;
    int len;
    char *path, *hex, *o;
    FILE *fp;
    X509 *x;

    assert_true(asprintf(&path, "%s/%s.pem", pki, name) > 0);
    fp = fopen(path, "r");
    if (fp == NULL)
        fail_msg("open %s", path);
    x = PEM_read_X509(fp, NULL, NULL, NULL);
    fclose(fp);
    if (x == NULL)
        fail_msg("%s: not a PEM certificate", path);
    len = pkey ? i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der) : i2d_X509(x, &der);
    assert_true(len > 0);
    assert_true(EVP_Digest(der, (size_t)len, md, &n, EVP_sha256(), NULL));
    assert_int_equal(n, 32);
    OPENSSL_free(der);
    X509_free(x);
    free(path);
    hex = o = malloc(n * 3 + 1);
    assert_non_null(hex);
    for (unsigned int i = 0; i < n; i++)
        o += snprintf(o, 4, plain ? "%02x" : (i ? ":%02X" : "%02X"), md[i]);
    return hex;
}

/* expand - the entry with @CERT:x@, @PKEY:x@ and @cert:x@ replaced by digests. */
static char *
expand(const char *pki, const char *entry)
{
    char *out = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&out, &len);
    const char *p = entry;

    assert_non_null(fp);
    while (*p) {
        const char *at = strchr(p, '@'), *end, *colon;
        char kind[8], name[64], *hex;

        if (at == NULL) {
            fputs(p, fp);
            break;
        }
        fwrite(p, 1, (size_t)(at - p), fp);
        colon = strchr(at, ':');
        end = colon ? strchr(colon, '@') : NULL;
        assert_non_null(end);
        assert_true((size_t)(colon - at - 1) < sizeof(kind) &&
                    (size_t)(end - colon - 1) < sizeof(name));
        snprintf(kind, sizeof(kind), "%.*s", (int)(colon - at - 1), at + 1);
        snprintf(name, sizeof(name), "%.*s", (int)(end - colon - 1), colon + 1);
        hex = digest(pki, name, strcmp(kind, "PKEY") == 0, strcmp(kind, "cert") == 0);
        fputs(hex, fp);
        free(hex);
        p = end + 1;
    }
    fclose(fp);
    return out;
}

struct got {
    enum tlsp_status st;
    enum tlsp_level level;
    enum tlsp_word word;
    bool deliver;
    char dsn[16];
    char reason[128];
    int err, err_depth;
    char line[512]; /* the verification line logged, or "" */
    char namaddr[256];
    char problem[512]; /* set-up failure, or "" */
};

static void
judge(const struct matrix *m, const struct row *r, struct got *g)
{
    struct tlsp_cf *cf = NULL, *view = NULL;
    struct tlsp_policy pol;
    struct tlsp_policy_request req;
    struct tlsp_verify_request vreq;
    struct tlsp_verify_result res;
    struct tlsp_chain *chain = NULL;
    struct tlsp_diag diag;
    char *entry, *table, *main_cf, *p, *chain_path;
    size_t i;

    memset(g, 0, sizeof(*g));
    memset(&pol, 0, sizeof(pol));
    memset(&res, 0, sizeof(res));
    tlsp_diag_init(&diag);
    entry = expand(m->pki, r->entry);
    assert_true(asprintf(&table, "%s %s\n", r->dest, entry) > 0);
    p = tu_write(m->dir, "tls_policy", table);
    free(p);
    assert_true(asprintf(&main_cf,
                         "compatibility_level = 3.6\n"
                         "smtp_tls_CAfile = %s/root.pem\n"
                         "smtp_tls_policy_maps = texthash:%s/tls_policy\n"
                         "smtp_tls_loglevel = 1\n",
                         m->pki, m->dir) > 0);
    p = tu_write(m->dir, "main.cf", main_cf);
    free(p);
    assert_true(asprintf(&chain_path, "%s/%s", m->pki, r->chain) > 0);

    if ((g->st = tlsp_cf_load(m->dir, NULL, &cf, &diag)) != TLSP_OK ||
        (r->setting && (g->st = tlsp_cf_override(cf, r->setting, &diag)) != TLSP_OK) ||
        (g->st = tlsp_cf_service_view(cf, "smtp", &view, &diag)) != TLSP_OK) {
        snprintf(g->problem, sizeof(g->problem), "configuration: status %d", (int)g->st);
        goto out;
    }
    memset(&req, 0, sizeof(req));
    req.dest = r->dest;
    req.service = "smtp";
    req.host = r->mx_host;
    if ((g->st = tlsp_policy_resolve(view, &req, &pol, &diag)) != TLSP_OK) {
        snprintf(g->problem, sizeof(g->problem), "policy: status %d", (int)g->st);
        goto out;
    }
    g->level = pol.level;
    if ((g->st = tlsp_chain_load(chain_path, &chain, &diag)) != TLSP_OK) {
        snprintf(g->problem, sizeof(g->problem), "chain %s: status %d", chain_path, (int)g->st);
        goto out;
    }
    memset(&vreq, 0, sizeof(vreq));
    vreq.cf = view;
    vreq.pol = &pol;
    vreq.chain = chain;
    vreq.at = m->at;
    if ((g->st = tlsp_verify(&vreq, &res, &diag)) != TLSP_OK) {
        snprintf(g->problem, sizeof(g->problem), "tlsp_verify: status %d", (int)g->st);
        goto out;
    }
    g->word = res.word;
    g->deliver = res.deliver;
    snprintf(g->dsn, sizeof(g->dsn), "%s", res.dsn ? res.dsn : "");
    snprintf(g->reason, sizeof(g->reason), "%s", res.reason ? res.reason : "");
    g->err = res.reported.code;
    g->err_depth = res.reported.depth;
    snprintf(g->namaddr, sizeof(g->namaddr), "%s", res.namaddr ? res.namaddr : "");
    for (i = 0; i < res.n_log; i++)
        if (strstr(res.log[i], "certificate verification failed for ")) {
            if (g->line[0])
                snprintf(g->problem, sizeof(g->problem), "two verification lines: %.200s / %.200s",
                         g->line, res.log[i]);
            else
                snprintf(g->line, sizeof(g->line), "%s", res.log[i]);
        }
out:
    tlsp_verify_fini(&res);
    tlsp_policy_fini(&pol);
    tlsp_chain_free(chain);
    tlsp_cf_free(view);
    tlsp_cf_free(cf);
    tlsp_diag_fini(&diag);
    free(entry);
    free(table);
    free(main_cf);
    free(chain_path);
}

static enum tlsp_level
entry_level(const char *entry)
{
    char word[32];

    snprintf(word, sizeof(word), "%.*s", (int)strcspn(entry, " "), entry);
    return tlsp_level_lookup(word);
}

/* expected_line - the row's verification line for this server (spec 4.3). */
static void
expected_line(const struct row *r, char *buf, size_t size)
{
    const char *bar;
    char host[256], namaddr[300];
    const char *addr = "ADDR";

    buf[0] = 0;
    if (r->line == NULL || !tlsp_level_must_match(entry_level(r->entry)))
        return;
    if (r->mx_host) {
        snprintf(host, sizeof(host), "%s", r->mx_host);
    } else {
        /* [host] or [host]:port: the bracketed name; tlspolicy shows an IP
         * literal as its own address, anything else as ADDR. */
        snprintf(host, sizeof(host), "%.*s", (int)strcspn(r->dest + 1, "]"), r->dest + 1);
        if (strspn(host, "0123456789.") == strlen(host))
            addr = host;
    }
    snprintf(namaddr, sizeof(namaddr), "%.120s[%.120s]:25", host, addr);
    bar = strchr(r->line, '|');
    assert_non_null(bar);
    snprintf(buf, size, "%.*scertificate verification failed for %s: %s", (int)(bar - r->line),
             r->line, namaddr, bar + 1);
}

static void
test_matrix(void **state)
{
    const struct matrix *m = *state;
    size_t i, failed = 0, n = sizeof(rows) / sizeof(rows[0]);

    for (i = 0; i < n; i++) {
        const struct row *r = &rows[i];
        struct got g;
        char want_line[700];
        const char *want_dsn = r->outcome == DEFER ? "4.7.5" : "";
        const char *want_reason = r->outcome == DEFER ? NOT_VERIFIED : "";
        bool ok;

        judge(m, r, &g);
        expected_line(r, want_line, sizeof(want_line));
        ok = g.problem[0] == 0 && g.level == entry_level(r->entry) && g.word == r->word &&
             g.deliver == (r->outcome == DELIVER) && strcmp(g.dsn, want_dsn) == 0 &&
             strcmp(g.reason, want_reason) == 0 && g.err == r->err &&
             (r->err == 0 || g.err_depth == r->err_depth) && strcmp(g.line, want_line) == 0;
        if (ok)
            continue;
        failed++;
        print_error("row %zu FAILED (spec %s): %s\n"
                    "  chain %s, next hop %s, MX host %s, entry \"%s\"%s%s\n"
                    "  want: level %s, %s, %s%s%s%s, error %d at depth %d\n"
                    "        line \"%s\"\n"
                    "  got:  level %s, %s, %s%s%s%s, error %d at depth %d%s%s\n"
                    "        line \"%s\"\n",
                    i, r->spec, r->what, r->chain, r->dest, r->mx_host ? r->mx_host : "-", r->entry,
                    r->setting ? ", main.cf " : "", r->setting ? r->setting : "",
                    tlsp_level_name(entry_level(r->entry)), tlsp_word_name(r->word),
                    r->outcome == DELIVER ? "deliver" : "defer", want_dsn[0] ? " " : "", want_dsn,
                    want_reason[0] ? " " : "", r->err, r->err_depth, want_line,
                    tlsp_level_name(g.level), tlsp_word_name(g.word),
                    g.deliver ? "deliver" : "defer", g.dsn[0] ? " " : "", g.dsn,
                    g.reason[0] ? " " : "", g.err, g.err_depth, g.problem[0] ? ", problem: " : "",
                    g.problem, g.line);
    }
    if (failed)
        fail_msg("%zu of %zu matrix rows disagree with the spec", failed, n);
}

/* Every class the matrix must cover appears in it (negative first: a
 * missing class fails). */
static void
test_matrix_coverage(void **state)
{
    static const char *const chains[] = {
        "exact.chain.pem",     "wild.chain.pem",    "partial.chain.pem",   "cnonly.chain.pem",
        "cnignored.chain.pem", "email.chain.pem",   "upper.chain.pem",     "dot.chain.pem",
        "alabel.chain.pem",    "ipsan.chain.pem",   "dnsip.chain.pem",     "expired.chain.pem",
        "notyet.chain.pem",    "selfsig.chain.pem", "exact.leaf-only.pem", "stranger.chain.pem",
        "client.chain.pem",
    };
    static const char *const levels[] = {"encrypt", "fingerprint", "verify", "secure"};
    size_t i, j, n = sizeof(rows) / sizeof(rows[0]);

    (void)state;
    for (i = 0; i < sizeof(chains) / sizeof(chains[0]); i++) {
        bool seen = false;

        for (j = 0; j < n && !seen; j++)
            seen = strcmp(rows[j].chain, chains[i]) == 0;
        if (!seen)
            fail_msg("no matrix row for %s", chains[i]);
    }
    for (i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
        bool seen = false;

        for (j = 0; j < n && !seen; j++)
            seen = entry_level(rows[j].entry) == tlsp_level_lookup(levels[i]);
        if (!seen)
            fail_msg("no matrix row at level %s", levels[i]);
    }
    for (j = 0; j < n; j++) {
        assert_non_null(rows[j].spec);
        assert_true(rows[j].spec[0] >= '1' && rows[j].spec[0] <= '6');
        /* spec 4.2: encrypt always delivers; the other levels deliver Verified only */
        assert_true((rows[j].err == 0) == (rows[j].line == NULL));
        if (entry_level(rows[j].entry) == TLSP_LEVEL_ENCRYPT) {
            assert_int_equal(rows[j].outcome, DELIVER);
            assert_true((rows[j].word == T) == (rows[j].err == 0));
        } else {
            assert_true((rows[j].outcome == DEFER) == (rows[j].word == U));
            assert_true((rows[j].word == V) == (rows[j].err == 0));
        }
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matrix_coverage),
        cmocka_unit_test(test_matrix),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
