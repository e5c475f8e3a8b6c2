#!/bin/sh
# verify-task.sh ARCHIVE TASK_ID
#
# An implementation of draw protocol v1's selection that needs no Python: POSIX sh,
# printf, sha256sum, sort, awk and xargs. For one task of an archived quarter, it
# recomputes every ticket from the seed, ranks each grade's entities by (ticket, uscc),
# marks ranks 1..quota selected (quota from draw/summary.csv), and compares ticket, rank
# and selected flag with draw/tickets.csv. It prints MATCH or the first mismatch.
#
# It takes the eligible entities and the quotas from the archive's own files; that
# they follow from the registers and percentages is what 'make verify' checks.
#
# Example, from inside an archive: sh verify-task.sh . demo-2026Q4-T03
# (the same script is zhanhe_audit/verify-task.sh in the code)
#
# How the tickets are computed in batch (one process pipeline for the whole task, not
# one per ticket): awk writes the message of row K of the task, the bytes of
#     printf '%s\n%s\n%s' "$SEED" "$TASK" "$USCC"
# into the file msg/K (K = 1, 2, 3 ..., so no two rows share a file) and prints K;
# xargs hands those names, a few thousand at a time, to sha256sum, which prints
# 'DIGEST  K' lines, and removes the files it has hashed; awk joins each digest back to
# row K by that name. The seed and the task id reach awk through the environment
# (ENVIRON), never through 'awk -v', which would undo backslash escapes in them.
# Creating the small files is most of the time: the temporary folder is made in
# $TMPDIR when it is set, else in /dev/shm (memory) when that exists with room, else
# in /tmp.
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
ZH_SEED=$seed
ZH_TASK=$task
export ZH_SEED ZH_TASK

tmp=${TMPDIR:-}
if [ -z "$tmp" ] && [ -d /dev/shm ] && [ -w /dev/shm ] \
   && df -Pk /dev/shm 2>/dev/null | awk 'NR == 2 && $4 >= 262144 { ok = 1 } END { exit !ok }'; then
  tmp=/dev/shm
fi
work=$(TMPDIR=${tmp:-/tmp} mktemp -d)
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The archived rows of the task: grade,uscc,ticket,rank,selected
awk -F, 'NR > 1 && $1 == ENVIRON["ZH_TASK"] {print $2","$3","$4","$5","$6}' "$archive/draw/tickets.csv" > "$work/archived"
[ -s "$work/archived" ] || { echo "task $task has no rows in $archive/draw/tickets.csv" >&2; exit 2; }

# Recompute every ticket: sha256 of seed LF task LF uscc, no final LF. Row K's message
# goes to msg/K; its digest comes back as the line 'DIGEST  K' of sha256sum, after
# which msg/K is removed (so that at most some ten thousand files exist at a time).
mkdir "$work/msg"
if ! (cd "$work/msg" && awk -F, '
      BEGIN { seed = ENVIRON["ZH_SEED"]; task = ENVIRON["ZH_TASK"] }
      { name = NR ""; printf "%s\n%s\n%s", seed, task, $2 > name; close(name); print name }
    ' ../archived | xargs -n 2048 sh -c 'sha256sum "$@" && rm -f "$@"' sh > ../digests); then
  echo "could not hash the messages of $task in $work/msg" >&2
  exit 2
fi

# Join the digests back to the rows by file name: grade,ticket,uscc
awk -F, '
  FILENAME == ARGV[1] { split($0, f, " "); digest[f[2]] = f[1]; next }
  !((FNR "") in digest) { print "no digest for row " FNR " (" $0 ")" | "cat 1>&2"; exit 2 }
  { print $1","digest[FNR ""]","$2 }
' "$work/digests" "$work/archived" > "$work/tickets" || exit 2
rows=$(awk 'END { print NR }' "$work/tickets")

# Rank within each grade by (ticket, uscc); select ranks 1..quota.
awk -F, 'NR > 1 && $1 == ENVIRON["ZH_TASK"] {print $2","$6}' "$archive/draw/summary.csv" > "$work/quota"
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
  a[FNR] != $0 { print "MISMATCH in " ENVIRON["ZH_TASK"] ": archived " a[FNR] "  recomputed " $0; exit }
  END { if (FNR != n) print "MISMATCH: " n " archived rows, " FNR " recomputed" }' "$work/a" "$work/b" \
  | head -1
exit 1
