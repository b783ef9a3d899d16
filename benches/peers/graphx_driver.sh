#!/bin/sh
# GraphX peer for `ember bench --peers graphx` (protocol: peer.py): runs graphx.scala in
# `spark-shell --master local[2]` from the pip package pyspark (Java 17). The runner's commands
# on stdin are passed to the script through a FIFO, since spark-shell's own stdin is its REPL.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
EMBER_PEER_UNDIRECTED=0 EMBER_PEER_WEIGHTED=0 EMBER_PEER_ITERATIONS=20
while [ $# -gt 0 ]; do
  case "$1" in
    --edges) EMBER_PEER_EDGES=$2; shift ;;
    --undirected) EMBER_PEER_UNDIRECTED=1 ;;
    --weighted) EMBER_PEER_WEIGHTED=1 ;;
    --source) EMBER_PEER_SOURCE=$2; shift ;;
    --iterations) EMBER_PEER_ITERATIONS=$2; shift ;;
    --delta) shift ;;  # GraphX has no weighted SSSP
    *) echo "graphx_driver.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
spark_home=$(python3 -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))') || {
  echo "graphx_driver.sh: pyspark is not installed (pip install pyspark)" >&2; exit 3; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkfifo "$dir/in"
EMBER_PEER_IN="$dir/in"
export EMBER_PEER_EDGES EMBER_PEER_UNDIRECTED EMBER_PEER_WEIGHTED EMBER_PEER_SOURCE EMBER_PEER_ITERATIONS EMBER_PEER_IN
"$spark_home/bin/spark-shell" --master 'local[2]' --driver-memory "${EMBER_GRAPHX_MEMORY:-16g}" \
  --conf spark.ui.enabled=false --conf spark.sql.shuffle.partitions=2 -i "$here/graphx.scala" </dev/null &
spark=$!
cat > "$dir/in"
wait $spark
