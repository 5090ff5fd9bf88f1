#!/usr/bin/env python3
"""Validates Kubernetes manifests strictly (unknown fields are errors) against the Kubernetes
schemas of kubernetes-validate and, for prometheus-operator's kinds, against the CRD schemas in
prometheus-operator's Go module. A kind neither knows is an error, never skipped.

Usage: validate-manifests.py [--kubernetes-version V]... FILE...
Exit 0 when every document is valid, 1 with one line per problem, 2 for bad usage.
Run it with the virtualenv scripts/setup.sh makes: .gmpwatch-cache/venv/bin/python.
"""
import argparse
import copy
import json
import os
import subprocess
import sys

try:
    import jsonschema
    import kubernetes_validate
    import yaml
except ImportError as e:
    sys.exit(f"validate-manifests: {e.name} is missing; run scripts/setup.sh and use .gmpwatch-cache/venv/bin/python")

OPERATOR_MODULE = "github.com/prometheus-operator/prometheus-operator@v0.78.2"
OPERATOR_GROUP = "monitoring.coreos.com"
DEFAULT_VERSIONS = ["1.29.0", "1.37.0"]


class CrdLoader(yaml.SafeLoader):
    """SafeLoader that reads a bare "=" (YAML 1.1's value tag, used in some CRD enums) as text."""


CrdLoader.add_constructor("tag:yaml.org,2002:value", lambda loader, node: loader.construct_scalar(node))


def operator_crds():
    """CRD schemas by (apiVersion, kind), from the operator's module (fetched through the proxy)."""
    env = dict(os.environ, GOFLAGS="-mod=mod", GOTOOLCHAIN="local")
    try:
        out = subprocess.run(["go", "mod", "download", "-json", OPERATOR_MODULE], env=env,
                             capture_output=True, text=True, timeout=300, check=True).stdout
    except (OSError, subprocess.SubprocessError) as e:
        sys.exit(f"validate-manifests: cannot fetch {OPERATOR_MODULE} through the Go module proxy: {e}")
    crd_dir = os.path.join(json.loads(out)["Dir"], "example", "prometheus-operator-crd")
    schemas = {}
    for name in sorted(os.listdir(crd_dir)):
        with open(os.path.join(crd_dir, name)) as f:
            crd = yaml.load(f, Loader=CrdLoader)
        for version in crd["spec"]["versions"]:
            api_version = f'{crd["spec"]["group"]}/{version["name"]}'
            schemas[(api_version, crd["spec"]["names"]["kind"])] = strict(version["schema"]["openAPIV3Schema"])
    return schemas


def strict(schema):
    """The schema with unknown properties refused wherever it lists properties, as the API server
    does for structural schemas (except where x-kubernetes-preserve-unknown-fields allows them)."""
    schema = copy.deepcopy(schema)

    def walk(node):
        if isinstance(node, dict):
            if ("properties" in node and "additionalProperties" not in node
                    and not node.get("x-kubernetes-preserve-unknown-fields")):
                node["additionalProperties"] = False
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    # metadata is "type: object" in CRD schemas; the API server checks it as ObjectMeta.
    return schema


def validate(path, doc, versions, crds):
    kind, api_version = doc.get("kind"), doc.get("apiVersion")
    name = (doc.get("metadata") or {}).get("name", "?")
    where = f"{path}: {kind}/{name}"
    if api_version and api_version.split("/")[0] == OPERATOR_GROUP:
        schema = crds.get((api_version, kind))
        if schema is None:
            return [f"{where}: no CRD schema for {api_version} {kind} in {OPERATOR_MODULE}"]
        errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(doc), key=lambda e: list(e.path))
        return [f"{where}: {'.'.join(map(str, e.path)) or '(root)'}: {e.message}" for e in errors]
    problems = []
    for version in versions:
        try:
            kubernetes_validate.validate(doc, version, strict=True)
        except kubernetes_validate.ValidationError as e:
            problems.append(f"{where}: Kubernetes {version}: {'.'.join(map(str, e.path)) or '(root)'}: {e.message}")
        except kubernetes_validate.SchemaNotFoundError:
            problems.append(f"{where}: Kubernetes {version} has no schema for {api_version} {kind}")
        except kubernetes_validate.InvalidSchemaError as e:
            problems.append(f"{where}: {e}")
    return problems


def main():
    parser = argparse.ArgumentParser(description="Validate Kubernetes manifests strictly.")
    parser.add_argument("--kubernetes-version", action="append", dest="versions")
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()
    versions = args.versions or DEFAULT_VERSIONS
    crds = operator_crds()
    problems, documents = [], 0
    for path in args.files:
        try:
            with open(path) as f:
                docs = [d for d in yaml.safe_load_all(f) if d is not None]
        except (OSError, yaml.YAMLError) as e:
            problems.append(f"{path}: {str(e).splitlines()[0]}")
            continue
        for doc in docs:
            documents += 1
            if not isinstance(doc, dict) or "kind" not in doc or "apiVersion" not in doc:
                problems.append(f"{path}: a document without kind and apiVersion")
                continue
            problems += validate(path, doc, versions, crds)
    for p in problems:
        print(p)
    if problems:
        return 1
    print(f"validate-manifests: {documents} documents in {len(args.files)} files valid "
          f"(Kubernetes {', '.join(versions)}; prometheus-operator CRDs from {OPERATOR_MODULE})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
