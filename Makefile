# Shortcuts; the scripts are the real entry points (see README).
.PHONY: run shell test
run:
	scripts/run.sh
shell:
	scripts/run.sh shell
test:
	scripts/test.sh
