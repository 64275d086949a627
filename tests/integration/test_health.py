"""Health, readiness and Prometheus metrics."""

import math
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


# --------------------------------------------------------------------------
# A small, strict-ish parser for the Prometheus text exposition format 0.0.4
# --------------------------------------------------------------------------

METRIC_NAME_RE = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LABEL_NAME_RE = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
TYPES = ("counter", "gauge", "histogram", "summary", "untyped")


class PromParseError(ValueError):
    pass


class Family:
    def __init__(self, name):
        self.name = name
        self.type = None
        self.help = None
        self.samples = []  # (sample name, labels dict, value)

    def __repr__(self):
        return "Family(%s, %s, %d samples)" % (self.name, self.type, len(self.samples))


def _parse_value(text, lineno):
    if text in ("+Inf", "Inf"):
        return math.inf
    if text == "-Inf":
        return -math.inf
    if text == "NaN":
        return math.nan
    try:
        return float(text)
    except ValueError:
        raise PromParseError("line %d: bad value %r" % (lineno, text))


def _parse_labels(text, pos, lineno):
    """text[pos] == '{'; returns (labels, pos after '}')."""
    labels = {}
    pos += 1
    while True:
        if pos >= len(text):
            raise PromParseError("line %d: unterminated label set" % lineno)
        if text[pos] == "}":
            return labels, pos + 1
        m = LABEL_NAME_RE.match(text, pos)
        if not m:
            raise PromParseError("line %d: bad label name at %r" % (lineno, text[pos:]))
        name = m.group(0)
        pos = m.end()
        if text[pos:pos + 2] != '="':
            raise PromParseError("line %d: expected =\" after label %s" % (lineno, name))
        pos += 2
        value = []
        while True:
            if pos >= len(text):
                raise PromParseError("line %d: unterminated label value" % lineno)
            c = text[pos]
            if c == "\\":
                nxt = text[pos + 1:pos + 2]
                if nxt == "n":
                    value.append("\n")
                elif nxt in ("\\", '"'):
                    value.append(nxt)
                else:
                    raise PromParseError("line %d: bad escape \\%s" % (lineno, nxt))
                pos += 2
            elif c == '"':
                pos += 1
                break
            else:
                value.append(c)
                pos += 1
        if name in labels:
            raise PromParseError("line %d: duplicate label %s" % (lineno, name))
        labels[name] = "".join(value)
        if text[pos:pos + 1] == ",":
            pos += 1
        elif text[pos:pos + 1] != "}":
            raise PromParseError("line %d: expected , or } in label set" % lineno)


def _family_of(sample_name, fam):
    if fam is None:
        return False
    if sample_name == fam.name:
        return fam.type != "histogram"
    if fam.type == "histogram":
        return sample_name in (fam.name + "_bucket", fam.name + "_sum", fam.name + "_count")
    if fam.type == "summary":
        return sample_name in (fam.name + "_sum", fam.name + "_count")
    return False


def parse_prometheus(text):
    """Returns {family name: Family}.  Raises PromParseError on malformed input."""
    families = {}
    current = None
    closed = set()  # families whose sample block has ended
    if text and not text.endswith("\n"):
        raise PromParseError("exposition must end with a newline")
    for lineno, line in enumerate(text.split("\n"), 1):
        if line.strip() == "":
            continue
        if line.startswith("#"):
            parts = line.split(None, 3)
            if len(parts) >= 2 and parts[1] in ("HELP", "TYPE"):
                if len(parts) < 3 or not METRIC_NAME_RE.fullmatch(parts[2]):
                    raise PromParseError("line %d: bad %s line %r" % (lineno, parts[1], line))
                name = parts[2]
                if name in closed:
                    raise PromParseError("line %d: family %s appears twice" % (lineno, name))
                fam = families.get(name)
                if fam is None:
                    fam = families[name] = Family(name)
                if current is not None and current is not fam:
                    closed.add(current.name)
                if parts[1] == "TYPE":
                    if fam.type is not None:
                        raise PromParseError("line %d: second TYPE for %s" % (lineno, name))
                    if fam.samples:
                        raise PromParseError("line %d: TYPE after samples for %s" % (lineno, name))
                    typ = parts[3].strip() if len(parts) > 3 else ""
                    if typ not in TYPES:
                        raise PromParseError("line %d: unknown type %r" % (lineno, typ))
                    fam.type = typ
                else:
                    if fam.help is not None:
                        raise PromParseError("line %d: second HELP for %s" % (lineno, name))
                    fam.help = parts[3] if len(parts) > 3 else ""
                current = fam
            continue  # other comments are allowed
        m = METRIC_NAME_RE.match(line)
        if not m:
            raise PromParseError("line %d: bad sample line %r" % (lineno, line))
        sname = m.group(0)
        pos = m.end()
        labels = {}
        if line[pos:pos + 1] == "{":
            labels, pos = _parse_labels(line, pos, lineno)
        rest = line[pos:]
        if not rest.startswith(" "):
            raise PromParseError("line %d: expected space before value in %r" % (lineno, line))
        fields = rest.split()
        if len(fields) not in (1, 2):
            raise PromParseError("line %d: trailing garbage in %r" % (lineno, line))
        value = _parse_value(fields[0], lineno)
        if len(fields) == 2 and not re.fullmatch(r"-?\d+", fields[1]):
            raise PromParseError("line %d: bad timestamp %r" % (lineno, fields[1]))
        if not _family_of(sname, current):
            # An untyped family without metadata.
            if sname in families or sname in closed:
                raise PromParseError("line %d: sample %s outside its family block" % (lineno, sname))
            if current is not None:
                closed.add(current.name)
            current = families[sname] = Family(sname)
            current.type = "untyped"
        current.samples.append((sname, labels, value))
    for fam in families.values():
        if fam.type is None:
            fam.type = "untyped"
        if fam.type == "counter":
            for s in fam.samples:
                if not (s[2] >= 0):
                    raise PromParseError("counter %s has negative/NaN value %r" % (fam.name, s))
        if fam.type == "histogram":
            check_histogram(fam)
    return families


def check_histogram(fam):
    """Buckets cumulative, last le=+Inf, +Inf == _count, _sum present (per label set)."""
    series = {}
    for sname, labels, value in fam.samples:
        key = tuple(sorted((k, v) for k, v in labels.items() if k != "le"))
        s = series.setdefault(key, {"buckets": [], "sum": None, "count": None})
        if sname.endswith("_bucket"):
            if "le" not in labels:
                raise PromParseError("%s bucket without le: %r" % (fam.name, labels))
            s["buckets"].append((_parse_value(labels["le"], 0), labels["le"], value))
        elif sname.endswith("_sum"):
            s["sum"] = value
        elif sname.endswith("_count"):
            s["count"] = value
    for key, s in series.items():
        where = "%s%r" % (fam.name, dict(key))
        if not s["buckets"]:
            raise PromParseError("%s has no buckets" % where)
        if s["count"] is None or s["sum"] is None:
            raise PromParseError("%s lacks _sum or _count" % where)
        les = [b[0] for b in s["buckets"]]
        if les != sorted(les) or len(set(les)) != len(les):
            raise PromParseError("%s buckets not in increasing le order: %r" % (where, les))
        if s["buckets"][-1][1] != "+Inf":
            raise PromParseError("%s last bucket is le=%r, not +Inf" % (where, s["buckets"][-1][1]))
        counts = [b[2] for b in s["buckets"]]
        for a, b in zip(counts, counts[1:]):
            if b < a:
                raise PromParseError("%s buckets not cumulative: %r" % (where, counts))
        if counts[-1] != s["count"]:
            raise PromParseError("%s +Inf bucket %r != _count %r" % (where, counts[-1], s["count"]))
    fam.series = series


class PromParserSelfTest(unittest.TestCase):
    """Guards the parser itself, so a metrics failure is the server's fault."""

    GOOD = (
        '# HELP a_total Things.\n# TYPE a_total counter\n'
        'a_total{route="/x/{id}",method="GET",status="200"} 3\n'
        '# TYPE h histogram\n'
        'h_bucket{route="r",le="0.1"} 1\nh_bucket{route="r",le="+Inf"} 2\n'
        'h_sum{route="r"} 0.3\nh_count{route="r"} 2\n'
        'g 1.5e3\n'
    )

    def test_good(self):
        fams = parse_prometheus(self.GOOD)
        self.assertEqual(fams["a_total"].type, "counter")
        self.assertEqual(fams["a_total"].samples[0][1]["route"], "/x/{id}")
        self.assertEqual(fams["h"].type, "histogram")
        self.assertEqual(fams["g"].samples[0][2], 1500.0)

    def test_bad(self):
        bad = [
            self.GOOD.replace('h_bucket{route="r",le="+Inf"} 2', 'h_bucket{route="r",le="+Inf"} 3'),
            self.GOOD.replace('le="+Inf"} 2\n', 'le="5"} 2\n'),
            self.GOOD.replace('le="0.1"} 1', 'le="0.1"} 9'),
            self.GOOD.replace("a_total{", "a_total {"),
            self.GOOD.replace('status="200"} 3', 'status="200} 3'),
            self.GOOD + "a_total 4\n",
            self.GOOD.rstrip("\n"),
            self.GOOD + "# TYPE z flubber\n",
        ]
        for text in bad:
            with self.assertRaises(PromParseError, msg=text):
                parse_prometheus(text)


# --------------------------------------------------------------------------

class HealthTest(harness.PaddockTestCase):

    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server()

    def test_healthz(self):
        r = self.server.get("/healthz")
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.headers.get("content-type", "").startswith("application/json"), r.headers)
        self.assertEqual(r.body, {"status": "ok"})
        self.assertTrue(r.headers.get("x-request-id"), r.headers)

    def test_readyz(self):
        r = self.server.get("/readyz")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body.get("status"), "ready", r.body)
        self.assertIs(type(r.body.get("schema_version")), int, r.body)
        self.assertGreaterEqual(r.body["schema_version"], 1)

    def test_request_ids_unique(self):
        ids = {self.server.get("/healthz").headers.get("x-request-id") for _ in range(5)}
        self.assertEqual(len(ids), 5, ids)

    def fetch_metrics(self):
        r = self.server.get("/metrics")
        self.assertEqual(r.status, 200, r)
        ctype = r.headers.get("content-type", "")
        params = [p.strip().lower() for p in ctype.split(";")]
        self.assertEqual(params[0], "text/plain", ctype)
        self.assertIn("version=0.0.4", params, ctype)
        self.assertIsInstance(r.body, str)
        try:
            return parse_prometheus(r.body)
        except PromParseError as e:
            self.fail("metrics do not parse: %s\n%s" % (e, r.body))

    def test_metrics(self):
        srv = self.server
        # Generate traffic on a few routes first.
        user = harness.new_user(srv, "met")
        dev, _ = harness.register_device(srv, user.token)
        for _ in range(3):
            self.assertEqual(srv.delete("/v1/devices/dev_doesnotexist", token=user.token).status, 404)
        self.assertEqual(srv.delete("/v1/devices/" + dev["id"], token=user.token).status, 204)
        self.assertEqual(srv.get("/healthz").status, 200)
        self.assertEqual(srv.get("/no/such/route/xyz").status, 404)

        # Request metrics may be recorded just after the response is written:
        # allow a short, bounded settling time.
        harness.eventually(lambda: self.check_metrics(self.fetch_metrics()))

    def check_metrics(self, fams):
        expected = {
            "paddock_http_requests_total": "counter",
            "paddock_http_request_duration_seconds": "histogram",
            "paddock_http_open_connections": "gauge",
            "paddock_http_in_flight_requests": "gauge",
            "paddock_storage_commit_batch_size": "histogram",
            "paddock_storage_commits_total": "counter",
            "paddock_storage_batch_reruns_total": "counter",
        }
        for name, typ in expected.items():
            self.assertIn(name, fams, "family %s missing; have %s" % (name, sorted(fams)))
            self.assertEqual(fams[name].type, typ, name)

        reqs = fams["paddock_http_requests_total"].samples
        for _, labels, _ in reqs:
            self.assertEqual(set(labels), {"route", "method", "status"}, labels)
            self.assertNotIn("dev_", labels["route"], "concrete id leaked into route label")
            self.assertNotIn("/no/such/route", labels["route"], "raw path used as route label")

        def count(route, method, status):
            return sum(v for _, l, v in reqs
                       if l["route"] == route and l["method"] == method and l["status"] == status)

        self.assertGreaterEqual(count("/v1/devices/{id}", "DELETE", "404"), 3, reqs)
        self.assertGreaterEqual(count("/v1/devices/{id}", "DELETE", "204"), 1, reqs)
        self.assertGreaterEqual(count("/v1/devices", "POST", "201"), 1, reqs)
        self.assertGreaterEqual(count("/v1/users", "POST", "201"), 1, reqs)
        self.assertGreaterEqual(count("/v1/sessions", "POST", "201"), 1, reqs)
        self.assertGreaterEqual(count("/healthz", "GET", "200"), 1, reqs)
        self.assertGreaterEqual(count("unmatched", "GET", "404"), 1, reqs)

        dur = fams["paddock_http_request_duration_seconds"]
        routes = {dict(k).get("route") for k in dur.series}
        self.assertIn("/v1/devices/{id}", routes)
        self.assertIn("/healthz", routes)
        for key, s in dur.series.items():
            self.assertEqual(set(dict(key)), {"route"}, key)
        for key, s in dur.series.items():
            if dict(key)["route"] == "/v1/devices/{id}":
                self.assertGreaterEqual(s["count"], 4)
                self.assertGreaterEqual(s["sum"], 0)

        for g in ("paddock_http_open_connections", "paddock_http_in_flight_requests"):
            samples = fams[g].samples
            self.assertTrue(samples, g)
            for _, _, v in samples:
                self.assertGreaterEqual(v, 0, g)
                self.assertEqual(v, int(v), g)

        commits = sum(v for _, _, v in fams["paddock_storage_commits_total"].samples)
        self.assertGreaterEqual(commits, 1, "writes happened but no commits counted")
        batch = fams["paddock_storage_commit_batch_size"]
        self.assertGreaterEqual(sum(s["count"] for s in batch.series.values()), 1)
        reruns = sum(v for _, _, v in fams["paddock_storage_batch_reruns_total"].samples)
        if harness.on_postgres():
            self.assertGreaterEqual(reruns, 0)  # only after a lost race with another node
        else:
            # The first 404 above rolled its job back after a batch that kept everything: that
            # batch ran without a savepoint per job, so SQLite's writer ran it again.
            self.assertGreaterEqual(reruns, 1)

    def test_metrics_counter_monotonic(self):
        def healthz_count(fams):
            return sum(v for _, l, v in fams["paddock_http_requests_total"].samples
                       if l.get("route") == "/healthz" and l.get("status") == "200")
        before = healthz_count(self.fetch_metrics())
        for _ in range(4):
            self.server.get("/healthz")
        harness.eventually(lambda: self.assertEqual(
            healthz_count(self.fetch_metrics()) - before, 4))


if __name__ == "__main__":
    unittest.main()
