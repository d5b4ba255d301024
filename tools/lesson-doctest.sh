#!/bin/sh
# tools/lesson-doctest.sh [--regen] [--timeout SEC] PROGRAM FILE...
#
# Runs the ```console blocks of markdown FILEs and compares what each
# command prints with the lines the block shows under it
# (docs/lesson-doctest.md has the syntax). POSIX sh and awk only.
#
#   PROGRAM        the asynclab to test; `asynclab` in a command means it
#   --regen        rewrite each block's expected lines with what the
#                  program prints now (masked lines kept where they still
#                  match), for a writer to review with `git diff`
#   --timeout SEC  per-command limit (default 60); a command that takes
#                  longer fails
#
# Each block runs in a fresh temporary directory, with a directory holding
# an `asynclab` link to PROGRAM first on PATH, ASYNCLAB_ROOT set to the
# repository root, and the course progress in a temporary file.
#
# Prints one "ok" or "FAIL" line per block (a FAIL with a unified diff),
# then "lesson-doctest: B blocks run, C compared, N commands, M lines
# masked, F failed". Exit status: 0 all passed, 1 a block failed (or, with
# --regen, a file could not be brought up to date), 2 bad usage.

usage() {
    echo "usage: tools/lesson-doctest.sh [--regen] [--timeout SEC] PROGRAM FILE..." >&2
    exit 2
}

regen=0
limit=60
while [ $# -gt 0 ]; do
    case $1 in
    --regen) regen=1; shift ;;
    --timeout)
        [ $# -ge 2 ] || usage
        case $2 in ''|*[!0-9]*) usage ;; esac
        limit=$2; shift 2 ;;
    --) shift; break ;;
    -*) usage ;;
    *) break ;;
    esac
done
[ $# -ge 2 ] || usage

prog=$1
shift
case $prog in /*) ;; *) prog=$PWD/$prog ;; esac
[ -x "$prog" ] || { echo "lesson-doctest: $prog is not an executable program" >&2; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd) || exit 2

tmp=$(mktemp -d "${TMPDIR:-/tmp}/lesson-doctest.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM
mkdir "$tmp/bin" "$tmp/run"
ln -s "$prog" "$tmp/bin/asynclab"

# ---- the parser: one markdown file -> a plan ----------------------------------
# Plan lines (fields separated by single spaces):
#   B block start_line                     a console block opens
#   C block cmd cmd_line cmd_end exp_end exit masked n_expected
#   X line message...                      a syntax error
# and, per command k, the files ck.cmd (the shell text), ck.exp (expected
# lines) and ck.lines (the file line of each expected line).
cat >"$tmp/parse.awk" <<'EOF'
function finish_cmd(   i) {
    if (cur == "") return
    printf "C %d %d %d %d %d %d %d %d\n", blk, cur, cline, cend, NR - 1,
        cexit, cmask, cexp > plan
    close(dir "/c" cur ".cmd"); close(dir "/c" cur ".exp")
    close(dir "/c" cur ".lines")
    cur = ""
}
function start_cmd(text) {
    finish_cmd()
    ncmd++
    cur = ncmd; cline = NR; cexp = 0; cmask = 0; cexit = 0
    printf "" > (dir "/c" cur ".exp")
    printf "" > (dir "/c" cur ".lines")
    add_cmd_line(text)
}
function add_cmd_line(text) {
    print text > (dir "/c" cur ".cmd")
    cend = NR
    cont = (text ~ /\\$/)
    if (!cont && match(text, /(^|[ \t])#[ \t]*exit[ \t]+[0-9]+[ \t]*$/)) {
        s = substr(text, RSTART, RLENGTH)
        gsub(/[^0-9]/, "", s)
        cexit = s + 0
    }
}
BEGIN { fence = ""; console = 0; blk = 0; ncmd = 0; cur = ""; cont = 0 }
{
    line = $0
    if (fence == "") {
        if (match(line, /^ ? ? ?(```+|~~~+)/)) {
            ind = 0
            while (substr(line, ind + 1, 1) == " ") ind++
            rest = substr(line, ind + 1)
            c = substr(rest, 1, 1)
            n = 0
            while (substr(rest, n + 1, 1) == c) n++
            info = substr(rest, n + 1)
            gsub(/^[ \t]+|[ \t]+$/, "", info)
            fence = substr(rest, 1, n)
            console = (info == "console")
            if (console) {
                blk++
                printf "B %d %d\n", blk, NR > plan
                bstart = NR
            }
        }
        next
    }
    # inside a fence: does this line close it?
    t = line
    sub(/^ ? ? ?/, "", t)
    sub(/[ \t]+$/, "", t)
    if (index(t, fence) == 1 && t ~ /^(```+|~~~+)$/ && substr(t, 1, 1) == substr(fence, 1, 1)) {
        if (console) {
            if (cont) printf "X %d the command at line %d ends in a backslash, then the block ends\n", NR, cline > plan
            finish_cmd()
            cont = 0
        }
        fence = ""; console = 0
        next
    }
    if (!console) next
    # strip the fence's own indentation
    for (k = 0; k < ind && substr(line, 1, 1) == " "; k++) line = substr(line, 2)
    if (cont) { add_cmd_line(line); next }
    if (substr(line, 1, 2) == "$ ") { start_cmd(substr(line, 3)); next }
    if (cur == "") {
        printf "X %d output before the first \"$ \" command of the block\n", NR > plan
        next
    }
    print line > (dir "/c" cur ".exp")
    print NR > (dir "/c" cur ".lines")
    cexp++
    if (line == "..." || index(line, "[..]") > 0) cmask++
}
END {
    if (fence != "" && console) {
        finish_cmd()
        printf "X %d the console block opened here is never closed\n", bstart > plan
    }
}
EOF

# ---- the comparison: expected lines against what was printed ------------------
# An alignment of least cost: an expected line equal to (or, with [..],
# matching) a printed line costs 0, a "..." line takes any number of
# printed lines at no cost, and every expected line left unmatched and
# every printed line left over cost 1. Cost 0 is a pass. Writes, for the
# diff, the expected text with each matched line replaced by the printed
# one (so masks never show as differences), and, for --regen, the printed
# text with the masks kept where they matched. Prints "ok" or
# "differs LINE" (the file line of the first difference).
cat >"$tmp/compare.awk" <<'EOF'
function lm(e, o,   k, P, pos, i, x, tail) {
    if (index(e, "[..]") == 0) return e == o
    k = split(e, P, /\[\.\.\]/)
    if (substr(o, 1, length(P[1])) != P[1]) return 0
    pos = length(P[1]) + 1
    for (i = 2; i < k; i++) {
        x = index(substr(o, pos), P[i])
        if (x == 0) return 0
        pos += x - 1 + length(P[i])
    }
    tail = length(o) - length(P[k]) + 1
    return tail >= pos && substr(o, tail) == P[k]
}
FILENAME == ARGV[1] { n++; E[n] = $0; next }
FILENAME == ARGV[2] { nl++; L[nl] = $0; next }
{ m++; O[m] = $0 }
END {
    for (j = m + 1; j >= 1; j--) C[n + 1, j] = m - j + 1
    for (i = n; i >= 1; i--) {
        for (j = m + 1; j >= 1; j--) {
            if (E[i] == "...") {
                best = C[i + 1, j]; ch = "end"
                if (j <= m && C[i, j + 1] < best) { best = C[i, j + 1]; ch = "take" }
            } else {
                best = C[i + 1, j] + 1; ch = "lost"
                if (j <= m) {
                    if (C[i, j + 1] + 1 < best) { best = C[i, j + 1] + 1; ch = "extra" }
                    if (C[i + 1, j + 1] <= best && lm(E[i], O[j])) { best = C[i + 1, j + 1]; ch = "match" }
                }
            }
            C[i, j] = best; CH[i, j] = ch
        }
    }
    first = ""
    printf "" > resolved
    printf "" > regen
    i = 1; j = 1
    while (i <= n || j <= m) {
        if (i > n) {
            if (first == "") first = endline
            print O[j] > regen
            j++
            continue
        }
        ch = CH[i, j]
        if (ch == "match") {
            print O[j] > resolved
            print (index(E[i], "[..]") ? E[i] : O[j]) > regen
            i++; j++
        } else if (ch == "take") {
            print O[j] > resolved
            j++
        } else if (ch == "end") {
            print "..." > regen
            i++
        } else if (ch == "lost") {
            if (first == "") first = L[i]
            print E[i] > resolved
            i++
        } else {
            if (first == "") first = L[i]
            print O[j] > regen
            j++
        }
    }
    if (C[1, 1] == 0) print "ok"; else print "differs " first
}
EOF

# ---- --regen: put the new expected lines into a copy of the file --------------
# The plan's C lines say which lines each command's expected output
# occupies (cmd_end + 1 .. exp_end); rg<k> files hold the new text.
cat >"$tmp/rewrite.awk" <<'EOF'
FILENAME == ARGV[1] {
    if ($1 == "C") { at[$5] = $3; skipto[$5] = $6 }
    next
}
{
    if (FNR <= skip) next
    print
    if (FNR in at) {
        f = dir "/rg" at[FNR]
        while ((getline l < f) > 0) print l
        close(f)
        skip = skipto[FNR]
    }
}
EOF

# ---- run ---------------------------------------------------------------------

export PATH="$tmp/bin:$PATH"
export ASYNCLAB_ROOT="$root"
export ASYNCLAB_PROGRESS="$tmp/progress"
export TERM=dumb
# Settings that change what the program prints or how it runs.
unset ASYNCLAB_TRACE_CLOCK ASYNCLAB_TASK_CACHE ASYNCLAB_LIB NO_COLOR COLUMNS LINES

blocks=0 compared=0 commands=0 masked=0 failed=0 unfixed=0
nfile=0

# The verdict on the block just run; a FAIL's details are in $tmp/why.
report_block() {
    [ -n "$bfile" ] || return 0
    [ "$bcompared" -eq 1 ] && compared=$((compared + 1))
    if [ "$bfail" -eq 0 ]; then
        printf 'ok   %s:%s (%s command%s)\n' "$bfile" "$bline" "$bcmds" "$( [ "$bcmds" -eq 1 ] || echo s)"
    else
        failed=$((failed + 1))
        printf 'FAIL %s:%s\n' "$bfile" "$bline"
        sed 's/^/     /' "$tmp/why"
    fi
    bfile=""
}

for file in "$@"; do
    nfile=$((nfile + 1))
    case $file in /*) shown=${file#"$root"/} ;; *) shown=$file ;; esac
    d=$tmp/p$nfile
    mkdir "$d"
    : >"$d/plan"
    if ! [ -f "$file" ]; then
        echo "FAIL $shown: no such file"
        failed=$((failed + 1))
        continue
    fi
    awk -v dir="$d" -v plan="$d/plan" -f "$tmp/parse.awk" "$file"
    bfile=""
    while read -r kind a b c e x s mk ne; do
        case $kind in
        X)
            report_block
            printf 'FAIL %s:%s: %s\n' "$shown" "$a" "$(printf '%s ' "$b" "$c" "$e" "$x" "$s" "$mk" "$ne" | sed 's/ *$//')"
            failed=$((failed + 1))
            ;;
        B)
            report_block
            blocks=$((blocks + 1))
            bfile=$shown bline=$b bfail=0 bcmds=0 bcompared=0
            : >"$tmp/why"
            bdir=$tmp/run/$nfile-$a
            mkdir "$bdir"
            ;;
        C)
            # a=block b=cmd c=cmd_line e=cmd_end x=exp_end s=exit mk=masked ne=n_expected
            commands=$((commands + 1))
            bcmds=$((bcmds + 1))
            masked=$((masked + mk))
            [ "$ne" -gt 0 ] && bcompared=1
            out=$d/o$b
            (cd "$bdir" && exec timeout -k 5 "$limit" sh -c "$(cat "$d/c$b.cmd")") \
                >"$out" 2>&1 </dev/null
            rc=$?
            verdict=$(awk -v resolved="$d/r$b" -v regen="$d/rg$b" -v endline="$((x + 1))" \
                -f "$tmp/compare.awk" "$d/c$b.exp" "$d/c$b.lines" "$out")
            cmdtext=$(head -n 1 "$d/c$b.cmd")
            if [ "$rc" -eq 124 ] && [ "$s" -ne 124 ]; then
                bfail=1
                printf 'line %s: $ %s: timed out after %s s\n' "$c" "$cmdtext" "$limit" >>"$tmp/why"
                # --regen keeps what the block says for a command that hung
                cp "$d/c$b.exp" "$d/rg$b"
                [ "$regen" -eq 1 ] && unfixed=$((unfixed + 1))
            elif [ "$rc" -ne "$s" ]; then
                bfail=1
                printf 'line %s: $ %s: exit status %s, expected %s\n' "$c" "$cmdtext" "$rc" "$s" >>"$tmp/why"
                cp "$d/c$b.exp" "$d/rg$b"
                [ "$regen" -eq 1 ] && unfixed=$((unfixed + 1))
            fi
            if [ "$verdict" != ok ]; then
                bfail=1
                printf 'line %s: $ %s: the output differs from line %s\n' "$c" "$cmdtext" "${verdict#differs }" >>"$tmp/why"
                diff -u --label "$shown:$((e + 1)) (expected)" --label "printed" \
                    "$d/r$b" "$out" >>"$tmp/why"
            fi
            ;;
        esac
    done <"$d/plan"
    report_block
    if [ "$regen" -eq 1 ] && grep -q '^C ' "$d/plan"; then
        awk -v dir="$d" -f "$tmp/rewrite.awk" "$d/plan" "$file" >"$d/new"
        if cmp -s "$d/new" "$file"; then
            echo "regen: $shown unchanged"
        else
            cat "$d/new" >"$file" && echo "regen: $shown rewritten"
        fi
    fi
done

echo "lesson-doctest: $blocks blocks run, $compared compared, $commands commands, $masked lines masked, $failed failed"
if [ "$regen" -eq 1 ]; then
    [ "$unfixed" -eq 0 ] || {
        echo "regen: $unfixed command(s) hung or ended with another exit status than the block says: their lines are kept; fix the command or its '# exit N' by hand" >&2
        exit 1
    }
    exit 0
fi
[ "$failed" -eq 0 ]
