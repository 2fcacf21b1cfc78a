# shellcheck shell=bash
# common.sh - shared by the tlspolicy check lab tests (sourced, not run).
# expect NAME OUTPUT STRING: OUTPUT has a line containing STRING (fixed string).
# expect_eol NAME OUTPUT STRING: a line ends with STRING.
# expect_not NAME OUTPUT STRING: it has none.
# expect_order NAME OUTPUT FIRST SECOND: the first line with FIRST comes before
#   the first line with SECOND.
# expect_exit NAME GOT WANT.
fails=0
ok() { echo "ok: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
expect() {
    if grep -qF -- "$3" <<<"$2"; then ok "$1: $3"
    else fail "$1: no line with '$3' in:"; printf '%s\n' "$2" | sed 's/^/    /'; fi
}
expect_eol() {
    if grep -F -- "$3" <<<"$2" | awk -v s="$3" 'substr($0, length($0) - length(s) + 1) == s {f = 1} END {exit !f}'
    then ok "$1: ...$3"
    else fail "$1: no line ending with '$3' in:"; printf '%s\n' "$2" | sed 's/^/    /'; fi
}
expect_not() {
    if grep -qF -- "$3" <<<"$2"; then fail "$1: unexpected '$3'"; else ok "$1: no '$3'"; fi
}
line_of() { grep -nF -- "$2" <<<"$1" | head -n 1 | cut -d: -f1; }
expect_order() {
    local a b
    a=$(line_of "$2" "$3")
    b=$(line_of "$2" "$4")
    if [ -n "$a" ] && [ -n "$b" ] && [ "$a" -lt "$b" ]; then ok "$1: '$3' before '$4'"
    else fail "$1: '$3' (line ${a:-none}) not before '$4' (line ${b:-none})"; fi
}
expect_exit() {
    if [ "$2" = "$3" ]; then ok "$1: exit $2"; else fail "$1: exit $2, want $3"; fi
}
finish() {
    if [ "$fails" -eq 0 ]; then echo "$1: all checks passed"; exit 0; fi
    echo "$1: $fails check(s) failed"
    exit 1
}
