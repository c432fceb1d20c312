"""The hsct_registry package against a real registryd, beside regctl.

    REGISTRYD=... REGCTL=... REGISTRY_PY_STUBS=... PACKAGE_TEST_WORK=DIR \
    PYTHONPATH=clients/python python3 tests/python_package_test.py

Run by tests/python_client_test.sh. Starts a registryd with a fresh
database in DIR, adds a center C01 and a submitter token with regctl, and
sets REGISTRY_SERVER and REGISTRY_TOKEN_FILE for the client to find them.
The steps of PackageTest run in order and build on each other: every
record kind is imported from a file and read back equal to what regctl
exports; amend and retract; an EDSS written `3,5` refused with its line
and column and nothing written; the CSV rules compared with regctl's on
the same files; patient status; report outcomes, km and cif as rows equal
to regctl's CSV; DataFrames where pandas is installed (skipped otherwise);
the command line. InstallTest checks the package as an analyst gets it:
from PYTHONPATH, as `python3 -m hsct_registry`, installed with pip.
"""

from __future__ import annotations

import datetime
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import time
import unittest

import hsct_registry
from hsct_registry import Client, InputError, RegistryError
from hsct_registry.csv_input import read_input
from hsct_registry.kinds import KINDS, kind_named

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = os.environ.get("PACKAGE_TEST_WORK", "")
REGISTRYD = os.environ.get("REGISTRYD", "")
REGCTL = os.environ.get("REGCTL", "")
STEP_TIMEOUT = 30
SERVER: subprocess.Popen | None = None

# Every kind, for an SSc (S1), an MS (M1), an SLE (L1) and an NMOSD (N1)
# patient, in import order. Values are given in full where the server would
# fill a default, so what is exported is exactly what was imported.
KIND_FILES = {
    "patients": """patient_id,sex,birth_year,disease,diagnosis_date
S1,F,1975,SSC,2016-04-01
M1,M,1988,RRMS,2012-09-15
L1,F,1990,SLE,2014-02-01
N1,F,1982,NMOSD,2015-06-01
""",
    "transplants": """patient_id,transplant_date,type,regimen
S1,2019-03-01,autologous,CY-ATG
M1,2018-05-01,autologous,BEAM-ATG
L1,2019-06-01,autologous,CY-ATG
N1,2018-09-01,autologous,CY-ATG
""",
    "visits": """patient_id,visit_date,edss
M1,2018-04-20,3.0
M1,2018-11-01,2.5
M1,2019-11-01,2.5
N1,2018-08-20,4.0
N1,2019-09-01,3.5
""",
    "relapses": """patient_id,onset_date,phenotype
M1,2017-06-01,
N1,2017-11-01,myelitis
""",
    "mri": """patient_id,scan_date,new_t2,enlarging_t2,gd_enhancing,brain_volume_change_pct
M1,2018-11-10,0,0,0,
M1,2019-11-10,0,0,0,-0.25
""",
    "treatments": """patient_id,drug,start_date,end_date,class,dose,dose_unit,protocol
S1,cyclophosphamide,2019-02-20,2019-02-23,immunosuppressant,2000,mg/m2,yes
S1,prednisolone,2019-06-01,,corticosteroid,7.5,mg/day,no
M1,ocrelizumab,2016-01-10,2017-12-01,dmt,,,no
""",
    "deaths": """patient_id,death_date,cause,cause_code
S1,2022-01-10,"sepsis, after pneumonia",infection
""",
    "adverse_events": """patient_id,onset_date,category,grade,resolution_date,description
S1,2019-03-20,viral_reactivation,2,2019-04-02,CMV reactivation
S1,2019-06-01,infection,3,,
""",
    "engraftment": """patient_id,transplant_date,neutrophil_date,platelet_date
S1,2019-03-01,2019-03-12,2019-03-15
M1,2018-05-01,2018-05-11,
""",
    "disease_status": """patient_id,status_date,status
S1,2020-03-01,improved
S1,2021-03-01,remission
""",
    "ssc_assessments": """patient_id,assessment_date,mrss,fvc_pct,dlco_pct,lvef_pct,haq_di,patient_global,physician_global
S1,2019-01-15,28,78.5,61,60,1.25,6,5
S1,2020-03-01,14,80,63.5,,0.625,,
""",
    "organ_failures": """patient_id,event_date,organ,kind,persistent
S1,2021-06-01,kidney,scleroderma renal crisis,yes
S1,2021-07-01,heart,LVEF < 30 %,no
""",
    "sle_assessments": """patient_id,assessment_date,sledai_descriptors,pga,prednisolone_mg_day
L1,2019-05-01,arthritis|rash,1.5,10
L1,2020-06-01,,0.5,5
""",
    "lab_results": """patient_id,sample_date,test,result,value,unit,assay,titre
N1,2018-06-01,aqp4_igg,positive,,,cell-based,1:100
N1,2019-09-01,aqp4_igg,negative,,,cell-based,
L1,2019-05-01,anti_dsdna,positive,35.5,IU/mL,,
""",
    "consents": """patient_id,consent_date,form_version,scopes,withdrawal_date
N1,2017-01-10,v3,registry|research,
L1,2018-02-01,v3,registry|transfer_outside_eea,2022-03-01
""",
}


def work_file(name: str, text: str | bytes) -> str:
    """A file of the scratch directory, written as given."""
    path = os.path.join(WORK, name)
    with open(path, "wb") as f:
        f.write(text.encode() if isinstance(text, str) else text)
    return path


def run(*command: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """A command, bounded, with its output captured as text."""
    return subprocess.run(command, capture_output=True, text=True, timeout=STEP_TIMEOUT,
                          env=env if env is not None else os.environ.copy())


def regctl(*args: str) -> subprocess.CompletedProcess:
    """regctl with the same server and token (from the environment)."""
    return run(REGCTL, *args)


def client_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """The package's command line, as an analyst runs it."""
    return run(sys.executable, "-m", "hsct_registry", *args, env=env)


def regctl_csv(*args: str) -> str:
    """regctl's CSV output of a command that must succeed."""
    done = regctl(*args)
    if done.returncode != 0:
        raise AssertionError(f"regctl {' '.join(args)}: exit {done.returncode}\n{done.stderr}")
    return done.stdout


def locations(stderr: str, path: str) -> list[str]:
    """The `FILE:LINE: column` part of each problem printed for a file."""
    found = []
    for line in stderr.splitlines():
        if line.startswith(path + ":"):
            found.append(": ".join(line[len(path) + 1:].split(": ")[:2]))
    return found


def setUpModule() -> None:
    """A registryd of its own, a center and a submitter token."""
    global SERVER
    for name in ("REGISTRYD", "REGCTL", "REGISTRY_PY_STUBS", "PACKAGE_TEST_WORK"):
        if not os.environ.get(name):
            raise RuntimeError(f"{name} is not set (see the docstring)")
    log_path = os.path.join(WORK, "registryd.log")
    with open(log_path, "wb") as log:
        SERVER = subprocess.Popen([REGISTRYD, "--db", os.path.join(WORK, "r.db"),
                                   "--listen", "127.0.0.1:0"], stderr=log)
    port = None
    for _ in range(200):
        with open(log_path, encoding="utf-8", errors="replace") as log:
            found = re.search(r"listening on 127\.0\.0\.1:(\d+)", log.read())
        if found or SERVER.poll() is not None:
            port = found.group(1) if found else None
            break
        time.sleep(0.1)
    if port is None:
        raise RuntimeError(f"registryd did not start: {open(log_path).read()}")
    os.environ["REGISTRY_SERVER"] = f"127.0.0.1:{port}"
    os.environ["REGISTRY_TOKEN_FILE"] = os.path.join(WORK, "r.db.admin-token")
    regctl_csv("admin", "center", "add", "C01", "--name", "Center one")
    token = regctl_csv("admin", "token", "issue", "--role", "submitter",
                       "--center", "C01", "--label", "python-package-test")
    os.environ["REGISTRY_TOKEN_FILE"] = work_file("submitter.token", token)


def tearDownModule() -> None:
    if SERVER is not None:
        SERVER.terminate()
        try:
            SERVER.wait(10)
        except subprocess.TimeoutExpired:
            SERVER.kill()
            SERVER.wait()


class InstallTest(unittest.TestCase):
    """The package as an analyst gets it."""

    def test_importable_from_the_source_tree(self) -> None:
        self.assertEqual(os.path.dirname(hsct_registry.__file__),
                         os.path.join(ROOT, "clients", "python", "hsct_registry"))

    def test_module_command_lists_regctls_kinds(self) -> None:
        ours = client_cli("kinds")
        self.assertEqual((ours.returncode, ours.stderr), (0, ""))
        theirs = regctl("submit", "import", "--help")
        pattern = re.compile(r"^  [a-z_]+: .*$", re.M)
        self.assertEqual(pattern.findall(ours.stdout), pattern.findall(theirs.stdout))
        self.assertEqual(len(pattern.findall(ours.stdout)), len(KINDS))

    def test_pip_install_and_console_script(self) -> None:
        missing = [name for name in ("pip", "setuptools")
                   if importlib.util.find_spec(name) is None]
        if missing:
            self.skipTest(f"{' and '.join(missing)} not installed (python3-pip, "
                          "python3-setuptools)")
        # From a copy: the build writes into its source directory.
        source = os.path.join(WORK, "package-source")
        shutil.copytree(os.path.join(ROOT, "clients", "python"), source,
                        ignore=shutil.ignore_patterns("_stubs", "__pycache__"))
        site = os.path.join(WORK, "site")
        done = run(sys.executable, "-m", "pip", "install", "--quiet",
                   "--no-build-isolation", "--no-deps", "--no-index",
                   "--target", site, source)
        self.assertEqual(done.returncode, 0, done.stderr)
        env = dict(os.environ, PYTHONPATH=site)
        done = run(os.path.join(site, "bin", "hsct-registry"), "kinds", env=env)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("  lab_results: ", done.stdout)
        done = run(sys.executable, "-c", "import hsct_registry; print(hsct_registry.__file__)",
                   env=env)
        self.assertTrue(done.stdout.startswith(site), done.stdout)


class PackageTest(unittest.TestCase):
    """One server, one center: the steps build on each other."""

    client: Client

    @classmethod
    def setUpClass(cls) -> None:
        cls.client = Client.connect()  # REGISTRY_SERVER and REGISTRY_TOKEN_FILE

    @classmethod
    def tearDownClass(cls) -> None:
        cls.client.close()

    def assert_export_is_regctls(self, kind: str) -> hsct_registry.Rows:
        """The library's export of a kind, checked to be regctl's CSV."""
        rows = self.client.export(kind)
        self.assertEqual(rows.to_csv(), regctl_csv("submit", "export", kind, "--format", "csv"),
                         f"export {kind}: the library's rows as CSV differ from regctl's")
        return rows

    def test_01_connect_from_environment(self) -> None:
        self.assertEqual(self.client.settings.server, os.environ["REGISTRY_SERVER"])
        with open(os.environ["REGISTRY_TOKEN_FILE"], encoding="utf-8") as f:
            self.assertEqual(self.client.settings.token, f.read().strip())
        self.assertEqual(len(self.client.export("patients")), 0, "a fresh database")

    def test_02_every_kind_imported_and_exported(self) -> None:
        self.assertEqual(sorted(KIND_FILES), sorted(k.name for k in KINDS),
                         "the test covers every kind of the client")
        for kind in (k.name for k in KINDS):
            with self.subTest(kind=kind):
                path = work_file(f"{kind}.csv", KIND_FILES[kind])
                expected = read_input(kind_named(kind), path).rows
                result = self.client.import_records(kind, path)
                self.assertEqual((result.received, result.accepted, result.unchanged),
                                 (len(expected), len(expected), 0), result.summary())
                rows = self.assert_export_is_regctls(kind)
                self.assertEqual(rows.columns, kind_named(kind).names)
                key = lambda values: tuple("" if v is None else str(v)  # noqa: E731
                                           for v in values.values())
                self.assertEqual(sorted(map(key, rows)),
                                 sorted(key(r.values) for r in expected),
                                 f"{kind}: exported values differ from the imported ones")

    def test_03_exported_rows_import_back_unchanged(self) -> None:
        for kind in ("treatments", "lab_results", "ssc_assessments"):
            with self.subTest(kind=kind):
                rows = self.client.export(kind)
                result = self.client.import_records(kind, rows)
                self.assertEqual((result.accepted, result.unchanged), (0, len(rows)))
        visit = {"patient_id": "M1", "visit_date": datetime.date(2020, 5, 1), "edss": 2.5}
        result = self.client.import_records("visits", [visit])
        self.assertEqual(result.accepted, 1, "a row of typed values is imported")
        self.assertIn({"patient_id": "M1", "visit_date": datetime.date(2020, 5, 1),
                       "edss": 2.5}, self.client.export("visits"))

    def test_04_amend_and_retract(self) -> None:
        amended = self.client.amend("visits", work_file("amend-visits.csv", (
            "patient_id,visit_date,edss\nM1,2018-11-01,3.0\n")), reason="EDSS re-read")
        self.assertEqual((amended.received, amended.accepted), (1, 1), amended.summary())
        rows = self.assert_export_is_regctls("visits")
        self.assertIn("M1,2018-11-01,3.0", rows.to_csv().splitlines())
        self.assertNotIn("M1,2018-11-01,2.5", rows.to_csv().splitlines())

        retracted = self.client.retract("visits", [{"patient_id": "M1",
                                                     "visit_date": "2020-05-01"}],
                                        reason="entered twice")
        self.assertEqual(retracted.accepted, 1, retracted.summary())
        visits = self.assert_export_is_regctls("visits")
        self.assertFalse([r for r in visits if r["visit_date"] == datetime.date(2020, 5, 1)])

        self.client.amend("adverse_events", [{
            "patient_id": "S1", "onset_date": "2019-06-01", "category": "infection",
            "grade": "3", "description": "pneumonia"}], reason="description added")
        events = self.assert_export_is_regctls("adverse_events")
        self.assertIn("S1,2019-06-01,infection,3,,pneumonia", events.to_csv().splitlines())
        # A retraction reads the key columns only: the others are ignored.
        path = work_file("retract-labs.csv", "patient_id,sample_date,test,result\n"
                         "L1,2019-05-01,anti_dsdna,not-a-result\n")
        self.assertEqual(self.client.retract("lab_results", path, "wrong patient").accepted, 1)
        labs = self.assert_export_is_regctls("lab_results")
        self.assertEqual([r["test"] for r in labs], ["aqp4_igg", "aqp4_igg"])

        history = regctl("patient", "history", "M1", "--format", "csv")
        self.assertEqual(history.returncode, 0, history.stderr)
        self.assertIn("EDSS re-read", history.stdout)
        self.assertIn("entered twice", history.stdout)

        with self.assertRaises(RegistryError) as refused:
            self.client.amend("visits", [{"patient_id": "M1", "visit_date": "2001-01-01",
                                          "edss": "2.0"}], reason="no such visit")
        self.assertEqual(refused.exception.code, "INVALID_ARGUMENT")
        self.assertEqual([p.line for p in refused.exception.problems], [2])
        self.assertIn("no current record with this key to amend",
                      refused.exception.problems[0].message)
        with self.assertRaises(ValueError):
            self.client.retract("visits", [], reason=" ")

    def test_05_edss_decimal_comma_refused(self) -> None:
        before = self.client.export("visits")
        path = work_file("comma-visits.csv", 'patient_id,visit_date,edss\n'
                         'M1,2020-07-01,3.0\nM1,2020-08-01,"3,5"\n')
        with self.assertRaises(InputError) as refused:
            self.client.import_records("visits", path)
        problems = refused.exception.problems
        self.assertEqual([(p.line, p.column) for p in problems], [(3, "edss")])
        self.assertIn("'3,5' is not a number", problems[0].message)
        self.assertIn("decimal point (3.5)", problems[0].message)
        self.assertEqual(self.client.export("visits"), before, "nothing was written")

        done = client_cli("import", "visits", path)
        self.assertEqual(done.returncode, 1, done.stderr)
        self.assertIn(f"{path}:3: edss: '3,5' is not a number: use a decimal point (3.5)",
                      done.stderr)
        self.assertIn("nothing was sent", done.stderr)
        self.assertEqual(done.stdout, "")
        self.assertEqual(self.client.export("visits"), before, "nothing was written")
        # Read as written with decimal commas, it is 3.5: checked by the
        # server in a dry run, still nothing written.
        dry = self.client.import_records("visits", path, decimal_comma=True, dry_run=True)
        self.assertEqual((dry.dry_run, dry.accepted, dry.problem_count), (True, 2, 0))
        self.assertEqual(self.client.export("visits"), before, "a dry run writes nothing")

    def test_06_csv_rules_as_regctl(self) -> None:
        files = {
            "bom-crlf": b"\xef\xbb\xbfpatient_id,visit_date,edss\r\nN1,2020-01-10,3.5\r\n",
            "extra-field": "patient_id,visit_date,edss\nN1,2020-02-10,3.5\n"
                           "N1,2020-03-10,3.5,x\nN1,2020-04-10\n",
            "near-miss": "patient_id,visit_dat,edss\nN1,2020-02-10,3.5\n",
            "latin1": b"patient_id,visit_date,edss\nN\xe91,2020-02-10,3.5\n",
            "decimal-comma": 'patient_id,visit_date,edss\nN1,2020-02-10,"3,5"\n',
            "spaces": "patient_id,visit_date,edss\nN1,2020-02-10, 3.5\nN1 ,2020-03-10,3.5\n",
        }
        for name, text in files.items():
            with self.subTest(file=name):
                path = work_file(f"{name}.csv", text)
                ours = client_cli("import", "visits", path, "--dry-run")
                theirs = regctl("submit", "import", "visits", path, "--dry-run")
                self.assertEqual(ours.returncode, theirs.returncode,
                                 f"exit status: ours {ours.stderr}\nregctl {theirs.stderr}")
                self.assertEqual(locations(ours.stderr, path), locations(theirs.stderr, path),
                                 f"problems: ours\n{ours.stderr}\nregctl\n{theirs.stderr}")
        self.assertIn("did you mean visit_date?", client_cli(
            "import", "visits", os.path.join(WORK, "near-miss.csv")).stderr)
        extra = client_cli("import", "visits", os.path.join(WORK, "extra-field.csv"))
        self.assertIn(":3: row: expected 3 values as in the header, found 4", extra.stderr)
        self.assertIn(":4: row: expected 3 values as in the header, found 2", extra.stderr)
        self.assertIn(":2: patient_id: byte 2 (0xE9) is not UTF-8 text", client_cli(
            "import", "visits", os.path.join(WORK, "latin1.csv")).stderr)

    def test_07_server_problems_by_line(self) -> None:
        path = work_file("server-bad.csv", "patient_id,onset_date,category,grade\n"
                         "M1,2018-06-01,infection,2\nM1,2018-07-01,acute_gvhd,II\n"
                         "X9,2018-08-01,infection,2\n")
        before = self.client.export("adverse_events")
        with self.assertRaises(RegistryError) as refused:
            self.client.import_records("adverse_events", path)
        error = refused.exception
        self.assertEqual(error.code, "INVALID_ARGUMENT")
        self.assertEqual(sorted({p.line for p in error.problems}), [3, 4])
        self.assertEqual(error.problem_count, len(error.violations))
        self.assertEqual(self.client.export("adverse_events"), before)

    def test_08_patient_status(self) -> None:
        status = self.client.patient_status("S1")
        self.assertEqual((status.patient_id, status.disease, status.neda3_evaluable,
                          status.not_evaluable_reason, status.transplant_date),
                         ("S1", "SSC", False, "not MS", datetime.date(2019, 3, 1)))
        self.assertIn({"date": datetime.date(2022, 1, 10), "day": 1046, "what": "death"},
                      status.timeline)
        printed = regctl("patient", "status", "S1")
        drop = ("NEDA-3 evaluable: ", "EDA date: ", "Data as recorded at ")
        self.assertEqual([line for line in status.lines if not line.startswith(drop)],
                         [line for line in printed.stdout.splitlines()
                          if not line.startswith(drop)])
        by_registry = self.client.patient_status(registry_id=status.registry_id)
        self.assertEqual(by_registry.timeline, status.timeline)
        with self.assertRaises(RegistryError) as missing:
            self.client.patient_status("X9")
        self.assertEqual(missing.exception.code, "NOT_FOUND")

    def test_09_reports_as_regctl(self) -> None:
        cases = [
            (self.client.outcomes, (), ("report", "outcomes")),
            (self.client.outcomes, ({"infection_min_grade": "2"},),
             ("report", "outcomes", "--infection-min-grade", "2")),
            (lambda: self.client.km("os"), (), ("report", "km", "--endpoint", "os")),
            (lambda: self.client.km("ri", by="disease", conf_type="log-log"), (),
             ("report", "km", "--endpoint", "ri", "--by", "disease", "--conf-type", "log-log")),
            (lambda: self.client.km("os", times=[365, 730, 100]), (),
             ("report", "km", "--endpoint", "os", "--times", "365,730,100")),
            (lambda: self.client.cif("infection"), (), ("report", "cif", "--endpoint", "infection")),
            (lambda: self.client.cif("ri", by="disease"), (),
             ("report", "cif", "--endpoint", "ri", "--by", "disease")),
        ]
        for method, args, command in cases:
            with self.subTest(command=" ".join(command)):
                rows = method(*args)
                expected = regctl_csv(*command, "--format", "csv")
                self.assertEqual(",".join(rows.columns), expected.splitlines()[0])
                self.assertEqual(rows.to_csv(), expected)
                self.assertGreater(len(rows), 0, "the report has rows")
                self.assertTrue(rows.definition.startswith("hsct-outcomes/"), rows.definition)
        outcomes = {r["patient_id"]: r for r in self.client.outcomes()}
        self.assertEqual(sorted(outcomes), ["L1", "M1", "N1", "S1"])
        self.assertEqual((outcomes["S1"]["death_cause"], outcomes["S1"]["neutrophil_day"],
                          outcomes["M1"]["neda3_evaluable"], outcomes["S1"]["arr_pre"]),
                         ("infection", 11, 1, 0.0))
        self.assertIsNone(outcomes["L1"]["neda4"], "not evaluable: empty, not 0")
        self.assertIsInstance(outcomes["M1"]["transplant_date"], datetime.date)
        os_rows = self.client.km("os")
        self.assertEqual(sum(r["n_event"] for r in os_rows), 1, "S1's death")
        with self.assertRaises(ValueError):
            self.client.km("overall")

    def test_10_dataframes(self) -> None:
        rows = self.client.outcomes()
        if importlib.util.find_spec("pandas") is None:
            with self.assertRaises(hsct_registry.PandasMissing) as missing:
                rows.to_dataframe()
            self.assertIn("pandas", str(missing.exception))
            self.skipTest("pandas is not installed")
        frame = self.client.outcomes_frame()
        self.assertEqual(list(frame.columns), list(rows.columns))
        self.assertEqual(len(frame), len(rows))
        self.assertEqual(str(frame["transplant_date"].dtype), "datetime64[ns]")
        self.assertEqual(str(frame["remission_days"].dtype), "Int64")
        self.assertEqual(str(frame["arr_post"].dtype), "float64")
        s1 = frame.set_index("patient_id").loc["S1"]
        self.assertEqual(s1["death_cause"], "infection")
        km = self.client.km_frame("os")
        self.assertEqual(list(km.columns), list(self.client.km("os").columns))
        self.assertEqual(int(km["n_event"].sum()), 1)
        visits = self.client.export_frame("visits")
        self.assertEqual(str(visits["edss"].dtype), "float64")
        self.assertEqual(str(visits["visit_date"].dtype), "datetime64[ns]")

    def test_11_command_line(self) -> None:
        done = client_cli("export", "visits")  # server and token from the environment
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(done.stdout, regctl_csv("submit", "export", "visits"))
        done = client_cli("report", "km", "--endpoint", "os", "--by", "disease")
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(done.stdout, regctl_csv("report", "km", "--endpoint", "os",
                                                 "--by", "disease"))
        self.assertIn("# definition hsct-outcomes/", done.stderr)
        done = client_cli("amend", "visits", os.path.join(WORK, "visits.csv"))
        self.assertEqual(done.returncode, 2, "amend without --reason is a usage error")
        self.assertIn("--reason", done.stderr)
        env = os.environ.copy()
        env["REGISTRY_TOKEN_FILE"] = work_file("wrong.token", "rgt_not_a_valid_token\n")
        done = client_cli("export", "visits", env=env)
        self.assertEqual(done.returncode, 1)
        self.assertIn("UNAUTHENTICATED", done.stderr)
        del env["REGISTRY_SERVER"]
        done = client_cli("export", "visits", env=env)
        self.assertEqual(done.returncode, 2)
        self.assertIn("export needs --server", done.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
