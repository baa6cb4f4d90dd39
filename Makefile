# Everyday tasks. Each runs in the .venv made by scripts/setup.sh.
PY := .venv/bin/python

.PHONY: setup serve deploy stop test lint ingest eval bench bench-cluster bench-llm backup
setup:            ## install exactly the pinned packages into .venv
	./scripts/setup.sh
serve: setup      ## run the server in the foreground (builds the index first if none exists)
	$(PY) -m mygallery serve
deploy:           ## install + start in the background, as operators do
	./scripts/deploy_intranet.sh --daemon
stop:
	./scripts/deploy_intranet.sh --stop
test:             ## the whole suite (installs chromium for the browser tests when run as root)
	./scripts/test.sh -q
lint: setup
	.venv/bin/ruff check .
ingest: setup
	$(PY) -m mygallery ingest
eval: setup
	$(PY) -m mygallery eval
bench: setup      ## benchmarks (not tests): results in bench/results/
	$(PY) bench/bench_retrieval.py
	$(PY) bench/bench_server.py
bench-cluster: setup  ## N instances behind nginx on one Redis (needs wrk, nginx, redis-server)
	$(PY) bench/bench_cluster.py
bench-llm:        ## needs scripts/setup.sh --llm
	$(PY) bench/bench_llm.py
backup:           ## snapshot of index + sessions + configuration (secrets blanked) into data/backups/
	$(PY) -m mygallery backup --keep 7
