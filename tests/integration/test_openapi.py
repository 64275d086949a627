"""docs/api/openapi.yaml must describe exactly the routes the server serves.

Runs `$PADDOCK_BIN routes` (default: build/release/paddock, relative to the repo root), which prints one
route per line as `METHOD /path/{param}`, and compares that set of (METHOD, path) with the operations in
docs/api/openapi.yaml. On a mismatch the failure message lists what is missing on each side.

A few structural checks of the document itself (valid 3.1, every $ref resolves, every path parameter is
declared, authenticated operations document 401) run without the binary.

Run: cd /work/main && /usr/bin/python3 -m unittest -v tests/integration/test_openapi.py
Needs only the standard library and PyYAML (Debian: python3-yaml).
"""

import os
import re
import subprocess
import unittest
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = REPO_ROOT / "docs" / "api" / "openapi.yaml"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
ROUTE_LINE = re.compile(r"^([A-Z]+)\s+(/\S*)$")
PATH_PARAM = re.compile(r"\{([^}/]+)\}")


def paddock_bin():
    value = os.environ.get("PADDOCK_BIN", "build/release/paddock")
    path = Path(value)
    if not path.is_absolute():
        path = REPO_ROOT / path
    return path


def load_spec():
    with open(SPEC_PATH, encoding="utf-8") as f:
        return yaml.safe_load(f)


def spec_operations(spec):
    ops = set()
    for path, item in (spec.get("paths") or {}).items():
        for method in HTTP_METHODS:
            if method in (item or {}):
                ops.add((method.upper(), path))
    return ops


def router_operations():
    binary = paddock_bin()
    if not binary.exists():
        raise AssertionError(
            f"{binary} does not exist; build it first (make build) or set PADDOCK_BIN"
        )
    proc = subprocess.run(
        [str(binary), "routes"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    if proc.returncode != 0:
        raise AssertionError(
            f"`{binary} routes` exited {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
        )
    ops = set()
    bad = []
    for line in proc.stdout.splitlines():
        line = line.strip()
        if not line:
            continue
        m = ROUTE_LINE.match(line)
        if not m:
            bad.append(line)
            continue
        ops.add((m.group(1), m.group(2)))
    if bad:
        raise AssertionError(
            "`paddock routes` printed lines that are not `METHOD /path`:\n  " + "\n  ".join(bad)
        )
    if not ops:
        raise AssertionError("`paddock routes` printed no routes")
    return ops


def format_ops(ops):
    return "\n".join(f"  {method} {path}" for method, path in sorted(ops, key=lambda o: (o[1], o[0])))


def resolve_ref(spec, ref):
    if not ref.startswith("#/"):
        raise KeyError(f"only local refs are supported: {ref}")
    node = spec
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        node = node[part]
    return node


def walk_refs(node, trail="#"):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield trail, value
            else:
                yield from walk_refs(value, f"{trail}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from walk_refs(value, f"{trail}/{i}")


class OpenApiMatchesRouter(unittest.TestCase):
    def test_router_and_openapi_have_the_same_operations(self):
        spec_ops = spec_operations(load_spec())
        router_ops = router_operations()
        only_router = router_ops - spec_ops
        only_spec = spec_ops - router_ops
        if only_router or only_spec:
            msg = ["the router and docs/api/openapi.yaml disagree"]
            if only_router:
                msg.append("served by the router but missing from openapi.yaml:\n" + format_ops(only_router))
            if only_spec:
                msg.append("in openapi.yaml but not served by the router:\n" + format_ops(only_spec))
            self.fail("\n".join(msg))


class OpenApiDocument(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.spec = load_spec()

    def operations(self):
        for path, item in self.spec["paths"].items():
            for method in HTTP_METHODS:
                if method in item:
                    yield path, method, item, item[method]

    def resolve(self, node):
        while isinstance(node, dict) and "$ref" in node:
            node = resolve_ref(self.spec, node["$ref"])
        return node

    def test_is_openapi_3_1(self):
        self.assertRegex(str(self.spec.get("openapi")), r"^3\.1\.\d+$")
        self.assertIn("paths", self.spec)
        self.assertIn("bearerAuth", self.spec["components"]["securitySchemes"])

    def test_every_ref_resolves(self):
        broken = []
        for trail, ref in walk_refs(self.spec):
            try:
                resolve_ref(self.spec, ref)
            except (KeyError, TypeError, IndexError):
                broken.append(f"{trail}: {ref}")
        self.assertEqual(broken, [], "unresolvable $ref:\n  " + "\n  ".join(broken))

    def test_operation_ids_are_unique(self):
        seen = {}
        for path, method, _, op in self.operations():
            op_id = op.get("operationId")
            self.assertTrue(op_id, f"{method.upper()} {path} has no operationId")
            self.assertNotIn(op_id, seen, f"operationId {op_id} used twice")
            seen[op_id] = (method, path)

    def test_path_parameters_are_declared(self):
        problems = []
        for path, method, item, op in self.operations():
            declared = set()
            for param in list(item.get("parameters", [])) + list(op.get("parameters", [])):
                param = self.resolve(param)
                if param.get("in") == "path":
                    declared.add(param["name"])
                    if not param.get("required"):
                        problems.append(f"{method.upper()} {path}: path parameter {param['name']} not required")
            expected = set(PATH_PARAM.findall(path))
            if declared != expected:
                problems.append(f"{method.upper()} {path}: declares {sorted(declared)}, path has {sorted(expected)}")
        self.assertEqual(problems, [], "\n".join(problems))

    def test_errors_use_problem_json(self):
        problem_ref = "#/components/schemas/Problem"
        problems = []
        for path, method, _, op in self.operations():
            for status, response in op["responses"].items():
                if not str(status).startswith(("4", "5")):
                    continue
                content = self.resolve(response).get("content", {})
                schema = content.get("application/problem+json", {}).get("schema", {})
                if schema.get("$ref") != problem_ref:
                    problems.append(f"{method.upper()} {path} {status}")
        self.assertEqual(problems, [], "error responses without application/problem+json Problem:\n  " + "\n  ".join(problems))

    def test_authenticated_operations_document_401(self):
        problems = []
        for path, method, _, op in self.operations():
            security = op.get("security", self.spec.get("security", []))
            if any("bearerAuth" in req for req in security):
                if "401" not in op["responses"]:
                    problems.append(f"{method.upper()} {path}")
        self.assertEqual(problems, [], "bearer operations without a 401 response:\n  " + "\n  ".join(problems))

    def test_request_bodies_document_415_and_422(self):
        problems = []
        for path, method, _, op in self.operations():
            if "requestBody" in op:
                for status in ("400", "413", "415", "422"):
                    if status not in op["responses"]:
                        problems.append(f"{method.upper()} {path} lacks {status}")
        self.assertEqual(problems, [], "\n".join(problems))

    def test_problem_schema(self):
        problem = self.spec["components"]["schemas"]["Problem"]
        self.assertEqual(
            set(problem["required"]), {"type", "title", "status", "detail", "code", "request_id"}
        )
        self.assertIn("field", problem["properties"])
        self.assertNotIn("field", problem["required"])


if __name__ == "__main__":
    unittest.main()
