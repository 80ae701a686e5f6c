# Sourced by bench.sh and compare.sh: the data set sizes, their clusters
# and the server's environment.
#   . bench/onboarding/env.sh SIZE     (SIZE: 2k, 100k or 1m)
# Each size keeps its own cluster in .data/benchpg-SIZE, so both can be
# kept; the other sizes' clusters are stopped, to keep the machine quiet.
case "${1:-}" in
2k) orgs=2000 members=20000 events=200000 big=500 ;;        # a smoke run
100k) orgs=100000 members=1000000 events=10000000 big=5000 ;; # about 10 members per organization
1m) orgs=1000000 members=3000000 events=11000000 big=5000 ;;  # 2 to 4 members per organization
*) echo "size: 2k, 100k or 1m (got '${1:-}')" >&2; exit 2 ;;
esac
size=$1
datadir=.data/benchpg-$size
for other in .data/benchpg-*; do
  [ -d "$other" ] && [ "$other" != "$datadir" ] && scripts/pg-cluster stop "$other"
done
DATABASE_URL=$(scripts/pg-cluster start "$PWD/$datadir" onramp_bench)
# Shared buffers as a production server of this machine's size would have
# them (4 GB of its 24), not the development cluster's 256 MB: with those,
# backends spent their time writing out dirty pages to read others in,
# the more so the more distinct rows a phase touches (event batches'
# counters, 100 000 members' checklists), which measured the cache, not
# the code.
if [ "$(psql "$DATABASE_URL" -Atc 'SHOW shared_buffers')" != 4GB ]; then
  psql "$DATABASE_URL" -qc "ALTER SYSTEM SET shared_buffers = '4GB'"
  scripts/pg-cluster stop "$PWD/$datadir"
  DATABASE_URL=$(scripts/pg-cluster start "$PWD/$datadir" onramp_bench)
fi
export DATABASE_URL
mkdir -p .data
[ -s .data/bench-jwt-seed ] || head -c 32 /dev/urandom | base64 >.data/bench-jwt-seed
JWT_PRIVATE_KEY=$(cat .data/bench-jwt-seed)
export JWT_PRIVATE_KEY HTTP_ADDR=127.0.0.1:18080 PUBLIC_URL=http://127.0.0.1:18080
export PLANS_FILE=cmd/onramp/testdata/plans.yaml LOG_LEVEL=warn

# serve BIN LOG starts BIN on 127.0.0.1:18080 (its pid in $server) and
# waits until it answers.
serve() {
  "$1" serve 2>>"$2" &
  server=$!
  for _ in $(seq 1 100); do curl -sf http://127.0.0.1:18080/healthz >/dev/null && return; sleep 0.1; done
  echo "the server did not answer: see $2" >&2
  return 1
}
stop_server() {
  [ -z "${server:-}" ] || { kill -TERM "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; server=; }
}
