#!/bin/bash
# tests/deps.sh PROGRAM - the include direction of the whole tree against
# the table in README.md (between <!-- include-rules begin --> and end):
# each folder may include headers from the folders on its line, and its
# own. A lessons/ entry may also name one header (workstealing/ws.h).
# Headers without a folder ("exercise.h", next to the file) are local.
# Last line: "deps: N passed, M failed".
cd "$(dirname "$0")/.." || exit 1
passed=0
failed=0

rules=$(sed -n '/<!-- include-rules begin -->/,/<!-- include-rules end -->/p' README.md |
        grep -E '^[a-z_]+ +->')
if [ -z "$rules" ]; then
    echo "deps: README.md has no include-rules table"
    echo "deps: 0 passed, 1 failed"
    exit 1
fi

allowed_for() { # folder -> its allowed list, or nothing
    echo "$rules" | awk -v f="$1" '$1 == f { for (i = 3; i <= NF; i++) print $i }'
}

check_folder() { # folder
    local folder=$1 allow bad=0 file inc top
    if ! echo "$rules" | awk '{print $1}' | grep -qx "$folder"; then
        echo "FAIL $folder: no line in README.md's include rules"
        failed=$((failed + 1))
        return
    fi
    allow=$(allowed_for "$folder")
    while IFS=: read -r file inc; do
        top=${inc%%/*}
        [ "$top" = "$inc" ] && continue # local header, no folder
        [ "$top" = "$folder" ] && continue
        if echo "$allow" | grep -qx -e "$top" -e "$inc"; then
            continue
        fi
        echo "FAIL $file includes $inc: $folder may include only: $(echo $allow)"
        bad=1
    done < <(grep -rHo '^#include "[^"]*"' --include='*.c' --include='*.h' "$folder" |
             sed 's/#include "\(.*\)"/\1/')
    if [ $bad = 0 ]; then
        echo "ok   $folder"
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
    fi
}

for folder in $(echo "$rules" | awk '{print $1}'); do
    [ -d "$folder" ] || { echo "FAIL $folder: in the table, not in the tree"; failed=$((failed + 1)); continue; }
    check_folder "$folder"
done
# Every source folder of the library and the program is in the table.
# (MODULES may go on over lines ending in a backslash: every one is read.)
modules=$(awk '/^MODULES *=/ { on = 1; sub(/^MODULES *= */, "") }
               on { cont = sub(/\\$/, ""); printf "%s ", $0; if (!cont) exit }' Makefile)
[ -n "$modules" ] || { echo "FAIL no MODULES line in the Makefile"; failed=$((failed + 1)); }
for folder in $modules cli; do
    if ! echo "$rules" | awk '{print $1}' | grep -qx "$folder"; then
        echo "FAIL $folder: a module of the Makefile with no include rule"
        failed=$((failed + 1))
    fi
done

# The checker itself can fail: a fake include of an executor from core/.
probe=$(mktemp -d)
mkdir -p "$probe/core"
echo '#include "workstealing/ws.h"' >"$probe/core/x.c"
if (cd "$probe" && grep -rHo '^#include "[^"]*"' core | grep -q workstealing) &&
   ! allowed_for core | grep -qx workstealing; then
    echo "ok   a core/ file including workstealing/ would be refused"
    passed=$((passed + 1))
else
    echo "FAIL the rule for core/ would let it include workstealing/"
    failed=$((failed + 1))
fi
rm -rf "$probe"

echo "deps: $passed passed, $failed failed"
[ $failed -eq 0 ]
