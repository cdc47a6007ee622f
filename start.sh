#!/usr/bin/env bash
# Start the dashboard on the embedded DuckDB store, loading the demo data the first time.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/ensure_env.sh run
DB="${LEADERSHIP_INSIGHT_DB:-data/leadership_insight.duckdb}"
if [ ! -f "$DB" ]; then
    echo "First start: writing and loading the demo data into $DB"
    .venv/bin/python -m analytics --db "$DB" demo
fi
export LEADERSHIP_INSIGHT_DB="$DB"
exec .venv/bin/python -m streamlit run app.py --server.address "${ADDRESS:-localhost}" "$@"
