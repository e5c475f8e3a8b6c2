#!/bin/sh
# verify-task.sh ARCHIVE TASK_ID
#
# An implementation of draw protocol v1's selection that needs no Python: POSIX sh,
# sha256sum, sort, awk, sed, xargs, mkfifo, mktemp, df and cmp. For one task of an
# archived quarter, it recomputes every ticket from the seed, ranks each grade's
# entities by (ticket, uscc), marks ranks 1..quota selected (quota from
# draw/summary.csv), and compares ticket, rank and selected flag with draw/tickets.csv.
# It prints MATCH or the first mismatch.
#
# It takes the eligible entities and the quotas from the archive's own files; that
# they follow from the registers and percentages is what 'make verify' checks.
#
# Example, from inside an archive: sh verify-task.sh . demo-2026Q4-T03
# (the same script is zhanhe_audit/verify-task.sh in the code)
#
# The tickets are computed in batch, by a few processes for the whole task (not a
# pipeline per ticket): awk writes the message of row K of the task, the bytes of
#     printf '%s\n%s\n%s' "$SEED" "$TASK" "$USCC"
# into the file msg/K (K = 1, 2, 3 ..., so no two rows share a file) and prints its
# name; xargs hands the names, 2048 at a time, to sha256sum, whose 'DIGEST  msg/K'
# lines awk then joins back to row K by that name. The seed and the task id reach awk
# through the environment (ENVIRON), never through 'awk -v', which would undo
# backslash escapes in them. Creating the small files takes most of the time, so the
# temporary folder is made in $TMPDIR when that is set, else in /dev/shm (memory)
# when it exists with 256 MB free, else in /tmp; in /dev/shm each file is removed
# once hashed, so that only some ten thousand of them exist at a time.
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
case $work in /*) ;; *) work=$PWD/$work ;; esac
pids=
stop() {  # on INT or TERM: stop the hashing processes, then exit (the EXIT trap cleans up)
  # shellcheck disable=SC2086  # $pids: a list of process ids, split on purpose
  [ -z "$pids" ] || kill $pids 2>/dev/null || :
  wait
  exit "$1"
}
trap 'rm -rf "$work"' EXIT
trap 'stop 130' INT
trap 'stop 143' TERM

# The archived rows of the task: grade,uscc,ticket,rank,selected; and the quota of each grade.
awk -F, 'NR > 1 && $1 == ENVIRON["ZH_TASK"] {print $2","$3","$4","$5","$6}' "$archive/draw/tickets.csv" > "$work/archived"
[ -s "$work/archived" ] || { echo "task $task has no rows in $archive/draw/tickets.csv" >&2; exit 2; }
awk -F, 'NR > 1 && $1 == ENVIRON["ZH_TASK"] {print $2","$6}' "$archive/draw/summary.csv" > "$work/quota"
cd "$work"

# Recompute every ticket: sha256 of seed LF task LF uscc, no final LF. Row K's message
# goes to msg/K, its name to the fifo 'names', from which xargs feeds sha256sum. The
# two run in the background, so that INT and TERM stop them at once (see stop).
hash_cmd='sha256sum "$@"'
case $work in /dev/shm/*) hash_cmd='sha256sum "$@" && rm -f "$@"' ;; esac
mkdir msg
mkfifo names
awk -F, '
  BEGIN { seed = ENVIRON["ZH_SEED"]; task = ENVIRON["ZH_TASK"] }
  { name = "msg/" NR; printf "%s\n%s\n%s", seed, task, $2 > name; close(name); print name }
' archived > names &
pids=$!
xargs -n 2048 sh -c "$hash_cmd" sh < names > digests 2> hash-errors &
pids="$pids $!"
failed=
for pid in $pids; do wait "$pid" || failed=1; done
pids=
if [ -n "$failed" ]; then
  echo "could not hash the messages of $task:" >&2
  head -5 hash-errors >&2
  exit 2
fi

# Join the digests back to the rows by file name: grade,ticket,uscc
awk -F, '
  FILENAME == ARGV[1] { split($0, f, " "); digest[f[2]] = f[1]; next }
  !(("msg/" FNR) in digest) { print "no digest for row " FNR " (" $0 ")" | "cat 1>&2"; exit 2 }
  { print $1","digest["msg/" FNR]","$2 }
' digests archived > tickets || exit 2
rows=$(awk 'END { print NR }' tickets)

# Rank within each grade by (ticket, uscc); select ranks 1..quota.
sort -t, -k1,1 -k2,2 -k3,3 tickets | awk -F, '
  FNR == NR { quota[$1] = $2; next }
  { rank[$1]++; print $1","$3","$2","rank[$1]","(rank[$1] <= quota[$1] ? "true" : "false") }
' quota - > recomputed

# Compare, row by row, in the same order.
sort -t, -k1,1 -k4,4n archived > a
sort -t, -k1,1 -k4,4n recomputed > b
if cmp -s a b; then
  echo "MATCH: $rows tickets, ranks and selected flags of $task recomputed from the seed"
  exit 0
fi
awk -F, 'FNR == NR { a[FNR] = $0; n = FNR; next }
  a[FNR] != $0 { print "MISMATCH in " ENVIRON["ZH_TASK"] ": archived " a[FNR] "  recomputed " $0; exit }
  END { if (FNR != n) print "MISMATCH: " n " archived rows, " FNR " recomputed" }' a b \
  | head -1
exit 1
