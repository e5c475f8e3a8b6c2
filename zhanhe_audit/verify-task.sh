#!/bin/sh
# verify-task.sh ARCHIVE TASK_ID
#
# An implementation of draw protocol v1's selection that needs no Python: POSIX sh,
# printf, sha256sum, sort and awk. For one task of an archived quarter, it recomputes
# every ticket from the seed, ranks each grade's entities by (ticket, uscc), marks
# ranks 1..quota selected (quota from draw/summary.csv), and compares ticket, rank and
# selected flag with draw/tickets.csv. It prints MATCH or the first mismatch.
#
# It takes the eligible entities and the quotas from the archive's own files; that
# they follow from the registers and percentages is what 'make verify' checks.
#
# Example, from inside an archive: sh verify-task.sh . demo-2026Q4-T03
# (the same script is zhanhe_audit/verify-task.sh in the code)
set -eu
LC_ALL=C
export LC_ALL

if [ $# -ne 2 ]; then
  echo "usage: $0 ARCHIVE TASK_ID   (e.g. $0 outputs/2027Q1 2027Q1-T01)" >&2
  exit 2
fi
archive=$1
task=$2
for file in draw/draw.json draw/tickets.csv draw/summary.csv; do
  [ -f "$archive/$file" ] || { echo "missing $archive/$file" >&2; exit 2; }
done

# The seed: the line '  "seed": "…",' of draw.json, JSON escapes \" and \\ undone.
seed=$(sed -n 's/^  "seed": "\(.*\)",$/\1/p' "$archive/draw/draw.json" | sed 's/\\"/"/g; s/\\\\/\\/g')
[ -n "$seed" ] || { echo "no seed in $archive/draw/draw.json" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

# The archived rows of the task: grade,uscc,ticket,rank,selected
awk -F, -v t="$task" 'NR > 1 && $1 == t {print $2","$3","$4","$5","$6}' "$archive/draw/tickets.csv" > "$work/archived"
[ -s "$work/archived" ] || { echo "task $task has no rows in $archive/draw/tickets.csv" >&2; exit 2; }

# Recompute every ticket: sha256 of seed LF task LF uscc, no final LF.
rows=0
while IFS=, read -r grade uscc rest; do
  ticket=$(printf '%s\n%s\n%s' "$seed" "$task" "$uscc" | sha256sum | cut -d' ' -f1)
  printf '%s,%s,%s\n' "$grade" "$ticket" "$uscc"
  rows=$((rows + 1))
done < "$work/archived" > "$work/tickets"

# Rank within each grade by (ticket, uscc); select ranks 1..quota.
awk -F, -v t="$task" 'NR > 1 && $1 == t {print $2","$6}' "$archive/draw/summary.csv" > "$work/quota"
sort -t, -k1,1 -k2,2 -k3,3 "$work/tickets" | awk -F, '
  FNR == NR { quota[$1] = $2; next }
  { rank[$1]++; print $1","$3","$2","rank[$1]","(rank[$1] <= quota[$1] ? "true" : "false") }
' "$work/quota" - > "$work/recomputed"

# Compare, row by row, in the same order.
sort -t, -k1,1 -k4,4n "$work/archived" > "$work/a"
sort -t, -k1,1 -k4,4n "$work/recomputed" > "$work/b"
if cmp -s "$work/a" "$work/b"; then
  echo "MATCH: $rows tickets, ranks and selected flags of $task recomputed from the seed"
  exit 0
fi
awk -F, 'FNR == NR { a[FNR] = $0; n = FNR; next }
  a[FNR] != $0 { print "MISMATCH in " FILENAME ": archived " a[FNR] "  recomputed " $0; exit }
  END { if (FNR != n) print "MISMATCH: " n " archived rows, " FNR " recomputed" }' "$work/a" "$work/b" \
  | sed "s|$work/b|$task|" | head -1
exit 1
