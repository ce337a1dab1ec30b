"""Tests for planner.kube: a fleet read from Kubernetes manifests, and written back as a fleet CSV."""

from __future__ import annotations

import csv
import dataclasses
import json
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.errors import InputError
from planner.fleet import Fleet, Service, load_fleet
from planner.kube import is_kubernetes_input, load_kubernetes_fleet, write_fleet_csv

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data" / "kube"
MiB = 1 / 1024


def load(name: str, **kw: object) -> Fleet:
    return load_kubernetes_fleet(DATA / name, **kw)  # type: ignore[arg-type]


def by_name(fleet: Fleet) -> dict[str, Service]:
    return {s.name: s for s in fleet.services}


def write(tmp_path: Path, text: str, name: str = "manifests.yaml") -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path, **kw: object) -> list[str]:
    with pytest.raises(InputError) as info:
        load_kubernetes_fleet(path, **kw)  # type: ignore[arg-type]
    return info.value.problems


def deployment(name: str = "web", *, replicas: object = 1, cpu: object = "100m", memory: object = "128Mi",
               namespace: str | None = None, kind: str = "Deployment") -> str:
    """A one-container workload as YAML text (values are written with json.dumps, so strings stay quoted)."""
    ns = f"\n  namespace: {namespace}" if namespace else ""
    return f"""apiVersion: apps/v1
kind: {kind}
metadata:
  name: {name}{ns}
spec:
  replicas: {json.dumps(replicas)}
  template:
    spec:
      containers:
      - name: main
        image: example.invalid/{name}:1
        resources:
          requests: {{cpu: {json.dumps(cpu)}, memory: {json.dumps(memory)}}}
"""


# --- what counts as Kubernetes input -----------------------------------------------


def test_is_kubernetes_input(tmp_path: Path) -> None:
    assert is_kubernetes_input(tmp_path)
    for name in ("a.yaml", "a.YML", "get.json"):
        assert is_kubernetes_input(tmp_path / name)
    assert not is_kubernetes_input(ROOT / "fleets" / "online-boutique.csv")
    assert not is_kubernetes_input(tmp_path / "fleet.csv")


# --- a real public manifest set ---------------------------------------------------------


def test_online_boutique_matches_the_shipped_csv() -> None:
    fleet = load("online-boutique.yaml")
    shipped = load_fleet(ROOT / "fleets" / "online-boutique.csv")
    assert [s.name for s in fleet.services] == [s.name for s in shipped.services]
    for ours, theirs in zip(fleet.services, shipped.services):
        assert (ours.vcpu, ours.memory_gib, ours.replicas) == (theirs.vcpu, theirs.memory_gib, theirs.replicas)
        assert (ours.os, ours.arch, ours.max_per_host, ours.team) == ("linux", "any", 1, None)
        assert ours.sized_from_limit == ()
    assert fleet.name == "online-boutique" and fleet.path == DATA / "online-boutique.yaml"
    assert fleet.daemonset_pods == 0
    # the loadgenerator's init container declares nothing: max(300m, 0) keeps the app's request
    assert by_name(fleet)["loadgenerator"].vcpu == 0.3
    assert fleet.notes == ("ignored 24 non-workload objects (Service 12, ServiceAccount 12)",)


# --- DaemonSets --------------------------------------------------------------------------


def test_service_that_fits_no_host_is_named_by_manifest_file_and_line(tmp_path: Path) -> None:
    # Two files whose first workloads are both on line 1: "row 1" named neither file. The message names
    # the file (relative to the folder) and the line, as the CSV message names the row.
    from planner.catalogue import load_catalogue
    from planner.errors import InfeasibleError
    from planner.strategies import build_container_model, build_vm_model

    write(tmp_path / "k8s", deployment("fine"), "a.yaml")
    write(tmp_path / "k8s", "# comment\n" + deployment("whale", cpu="400", memory="3Ti"), "sub/b.yaml")
    fleet = load_kubernetes_fleet(tmp_path / "k8s")
    assert [s.where for s in fleet.services] == ["a.yaml line 1", f"{Path('sub/b.yaml')} line 2"]
    catalogue = load_catalogue(ROOT / "pricing/aws.yaml")
    for build in (build_vm_model, build_container_model):
        with pytest.raises(InfeasibleError) as info:
            build(fleet, catalogue, "aws.yaml")
        assert f"whale ({Path('sub/b.yaml')} line 2) needs" in str(info.value) and "row" not in str(info.value)
    # A fleet CSV still names the row; the origin is not part of a service's identity.
    csv_path = tmp_path / "fleet.csv"
    write_fleet_csv(fleet, csv_path)
    back = load_fleet(csv_path)
    assert [s.where for s in back.services] == ["row 2", "row 3"]
    assert dataclasses.replace(back.services[0], origin="elsewhere") == back.services[0]


def test_daemonsets_become_per_node_overhead() -> None:
    fleet = load("daemonsets.yaml")
    assert [s.name for s in fleet.services] == ["web"]
    # node-exporter 100m + 10m, 180Mi + 20Mi; fluent-bit at its limits 200m, 128Mi
    assert fleet.daemonset_vcpu == pytest.approx(0.31)
    assert fleet.daemonset_memory_gib == 328 * MiB
    assert fleet.daemonset_pods == 2
    assert ("DaemonSets as per-node overhead: node-exporter (110m, 200Mi), fluent-bit (200m, 128Mi, requests "
            "from limits (cpu, memory))") in fleet.notes


# --- input forms ---------------------------------------------------------------------------


def test_helm_rendered_output() -> None:
    fleet = load("helm-rendered.yaml")
    (shop,) = fleet.services
    assert (shop.name, shop.vcpu, shop.memory_gib, shop.replicas, shop.row) == ("release-shop", 0.25, 0.25, 2, 31)
    assert fleet.notes == (
        "skipped Jobs, CronJobs and bare Pods (they use compute, but not as services): "
        "Pod release-shop-test-connection",
        "ignored 3 non-workload objects (ConfigMap 1, Service 1, ServiceAccount 1)",
    )


def test_kind_list() -> None:
    fleet = load("list.yaml")
    assert [(s.name, s.vcpu, s.memory_gib, s.replicas, s.team) for s in fleet.services] == [
        ("api", 1.0, 2.0, 2, "payments"), ("ledger-db", 2.0, 8.0, 3, "payments")]
    assert [s.row for s in fleet.services] == [7, 21]  # the line of each List item


def test_kubectl_json_list_prefixes_namespace_only_for_clashing_names() -> None:
    fleet = load("kubectl-get.json")
    assert [(s.name, s.replicas, s.team) for s in fleet.services] == [
        ("shop/frontend", 3, "shop"), ("staging/frontend", 1, "staging"), ("checkout", 2, "shop"),
        ("orders-db", 1, "shop")]
    assert fleet.daemonset_pods == 1 and fleet.daemonset_vcpu == 0.1
    assert [s.team for s in load("kubectl-get.json", team_label="team").services] == [
        "shop-team", "staging-team", "shop-team", "shop-team"]


def test_folder_is_read_recursively_in_sorted_order() -> None:
    fleet = load("folder")
    assert fleet.name == "folder"
    assert [(s.name, s.replicas) for s in fleet.services] == [("api", 3), ("web", 2)]  # apps/api.yml, apps/shop/web.yaml
    assert fleet.daemonset_pods == 1  # infra/agents.json; .cache/ and docs/README.md are not read
    assert fleet.daemonset_memory_gib == 100 * MiB


def test_same_name_different_kinds_in_one_namespace(tmp_path: Path) -> None:
    path = write(tmp_path, deployment("db") + "---\n" + deployment("db", kind="StatefulSet"))
    assert [s.name for s in load_kubernetes_fleet(path).services] == ["db (Deployment)", "db (StatefulSet)"]


# --- sizing ------------------------------------------------------------------------------


def test_sizing_rules() -> None:
    fleet = load("mixed.yaml")
    services = by_name(fleet)
    assert list(services) == ["migrate", "legacy", "winweb", "search", "queue"]
    migrate = services["migrate"]  # init 1 CPU beats 300m + 200m; memory 512Mi + 128Mi beats 256Mi
    assert (migrate.vcpu, migrate.memory_gib, migrate.replicas, migrate.team) == (1.0, 640 * MiB, 2, "shop")
    legacy = services["legacy"]  # cpu limit only: requested at the limit; memory has a request
    assert (legacy.vcpu, legacy.memory_gib, legacy.sized_from_limit) == (1.5, 1.0, ("cpu",))
    assert "planned at limit (no request): legacy (cpu)" in fleet.notes
    winweb = services["winweb"]
    assert (winweb.os, winweb.arch, winweb.replicas) == ("windows", "x86_64", 4)
    search = services["search"]  # StatefulSet, no replicas (1); arm64 by affinity; sidecar + overhead added
    assert (search.arch, search.replicas, search.os) == ("arm64", 1, "linux")
    assert search.vcpu == 1.35 and search.memory_gib == (4096 + 64 + 120) * MiB
    queue = services["queue"]  # CPU request, no memory request: planned, memory at the 1Mi floor
    assert (queue.vcpu, queue.memory_gib, queue.replicas) == (0.5, MiB, 1)


def test_skipped_objects_are_listed() -> None:
    notes = load("mixed.yaml").notes
    assert "skipped, no resource requests: carts-db (Deployment)" in notes
    assert ("planned at 1m CPU or 1Mi memory where a workload requests only the other (the scheduler counts a "
            "missing request as 0): queue (StatefulSet: no memory)") in notes
    assert ("skipped Jobs, CronJobs and bare Pods (they use compute, but not as services): Job shop/db-migrate, "
            "CronJob shop/nightly-report, Pod shop/debug") in notes
    assert "skipped 1 object managed by another workload, which is planned instead (Pod 1)" in notes
    assert "ignored 2 non-workload objects (ConfigMap 1, Service 1)" in notes


def test_hpa_min_and_max() -> None:
    spec = by_name(load("mixed.yaml"))
    low = load("mixed.yaml", replicas="min")
    high = load("mixed.yaml", replicas="max")
    assert (spec["winweb"].replicas, spec["legacy"].replicas) == (4, 1)
    assert (by_name(low)["winweb"].replicas, by_name(low)["legacy"].replicas) == (2, 1)  # minReplicas defaults to 1
    assert (by_name(high)["winweb"].replicas, by_name(high)["legacy"].replicas) == (10, 3)
    assert by_name(high)["migrate"].replicas == 2  # no HPA: spec.replicas
    assert "replicas from HorizontalPodAutoscaler maxReplicas: winweb (10), legacy (3)" in high.notes
    assert any(n.startswith("HorizontalPodAutoscalers not used") and "winweb (2-10, spec.replicas 4)" in n
               for n in load("mixed.yaml").notes)


def test_hpa_min_zero_skips_the_workload(tmp_path: Path) -> None:
    path = write(tmp_path, deployment("a") + "---\n" + deployment("b") + """---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: b}
spec: {scaleTargetRef: {kind: Deployment, name: b}, minReplicas: 0, maxReplicas: 4}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: gone}
spec: {scaleTargetRef: {kind: Deployment, name: gone}, maxReplicas: 4}
""")
    fleet = load_kubernetes_fleet(path, replicas="min")
    assert [s.name for s in fleet.services] == ["a"]
    assert "skipped, 0 replicas: b (Deployment, HorizontalPodAutoscaler b minReplicas)" in fleet.notes
    assert "HorizontalPodAutoscalers whose target is not in the input: gone -> Deployment gone" in fleet.notes


def test_team_label() -> None:
    fleet = load("mixed.yaml", team_label="team")
    teams = {s.name: s.team for s in fleet.services}
    assert teams == {"migrate": "platform", "legacy": None, "winweb": "web", "search": None, "queue": None}
    assert "no label 'team' (team left empty): legacy, search, queue" in fleet.notes


def test_quantities_as_kubernetes_reads_them(tmp_path: Path) -> None:
    path = write(tmp_path, deployment("a", cpu=2, memory=134217728) + "---\n"
                 + deployment("b", cpu=0.5, memory="1G") + "---\n"
                 + deployment("c", cpu="0.0001", memory="1.5Gi"))
    a, b, c = load_kubernetes_fleet(path).services
    assert (a.vcpu, a.memory_gib) == (2.0, 0.125)  # a bare memory number is bytes
    assert (b.vcpu, b.memory_gib) == (0.5, 1e9 / 2**30)
    assert (c.vcpu, c.memory_gib) == (0.001, 1.5)  # below a millicore rounds up to 1m, as the API server does


def test_explicit_zero_request_is_not_replaced_by_the_limit(tmp_path: Path) -> None:
    path = write(tmp_path, deployment("a") + """---
apiVersion: apps/v1
kind: Deployment
metadata: {name: b}
spec:
  template:
    spec:
      containers:
      - name: main
        resources: {requests: {cpu: "1", memory: 1Gi}}
      - name: sidecar
        resources: {requests: {cpu: "0", memory: 0}, limits: {cpu: 500m, memory: 1Gi}}
      - name: bare
""")
    fleet = load_kubernetes_fleet(path)
    b = by_name(fleet)["b"]
    assert (b.vcpu, b.memory_gib, b.sized_from_limit) == (1.0, 1.0, ())
    assert "containers with no request or limit, counted as 0: b/bare (cpu, memory)" in fleet.notes


# --- errors ---------------------------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    (problem,) = problems_of(tmp_path / "nope.yaml")
    assert problem == f"{tmp_path / 'nope.yaml'}: cannot read: no such file; expected a manifest file or a folder of them"


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"kind: Deployment\nmetadata: {name: caf\xe9}\n")
    (problem,) = problems_of(path)
    assert "line 2: byte 0xe9 is not UTF-8" in problem


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, deployment("a") + "---\nkind: Deployment\nmetadata: {name: [b\n")
    (problem,) = problems_of(path)
    assert problem == (f"{path}: line 17, column 1: YAML syntax error in document 2: did not find expected ',' "
                       "or ']', while parsing a flow sequence that starts at line 16, column 18; expected valid YAML")


def test_unrendered_helm_template_gets_a_hint(tmp_path: Path) -> None:
    path = write(tmp_path, "kind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n  labels: {{- include x }}\n")
    (problem,) = problems_of(path)
    assert "render a Helm chart's templates first (helm template ...)" in problem


def test_a_placeholder_read_as_a_flow_mapping_gets_the_helm_hint_not_the_tags_one(tmp_path: Path) -> None:
    # As in microservices-demo/microservices-demo deploy/kubernetes/helm-chart/templates/carts-svc.yaml.
    path = write(tmp_path, "apiVersion: v1\nkind: Service\nspec:\n  ports:\n  - port: 80\n"
                           "    targetPort: {{ .Values.carts.containerPort }}\n")
    (problem,) = problems_of(path)
    assert problem == (f"{path}: line 6, column 18: YAML syntax error in document 1: found unhashable key, while "
                       "constructing a mapping that starts at line 6, column 17 (line 6 holds a template placeholder: "
                       "'targetPort: {{ .Values.carts.containerPort }}'); expected valid YAML: render a Helm chart's "
                       "templates first (helm template ...)")


def test_placeholders_left_in_quoted_values_are_refused(tmp_path: Path) -> None:
    text = deployment("a") + """---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: "{{ .Release.Name }}-web"
spec:
  replicas: 2
  template:
    spec:
      containers:
      - name: web
        image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
        resources:
          requests: {cpu: "{{ .Values.cpu }}", memory: 256Mi}
---
apiVersion: batch/v1
kind: Job
metadata: {name: "{{ .Release.Name }}-migrate"}
spec: {template: {spec: {containers: [{name: m, image: "m:1"}]}}}
"""
    path = write(tmp_path, text)
    assert problems_of(path) == [
        f"{path}, document 2 (line 15), Deployment {{{{ .Release.Name }}}}-web: template placeholders left in "
        "(metadata.name '{{ .Release.Name }}-web', spec.template.spec.containers[0].image "
        "'{{ .Values.image.rep'...'e.tag }}' (54 characters), spec.template.spec.containers[0].resources.requests.cpu "
        "'{{ .Values.cpu }}'); expected rendered manifests: render a Helm chart's templates first (helm template ...)",
        f"{path}, document 3 (line 29), Job {{{{ .Release.Name }}}}-migrate: template placeholders left in "
        "(metadata.name '{{ .Release.Name }}-migrate'); expected rendered manifests: render a Helm "
        "chart's templates first (helm template ...)",
    ]


def test_rendered_braces_outside_the_fields_a_plan_reads_are_fine(tmp_path: Path) -> None:
    # An alert template in an annotation, a Go template in a command: valid rendered manifests.
    text = deployment("a").replace("metadata:\n  name: a", "metadata:\n  name: a\n  annotations:\n"
                                   "    summary: '{{ $labels.instance }} down'")
    text = text.replace("        image:", "        args: ['--format={{.Name}}']\n        image:")
    fleet = load_kubernetes_fleet(write(tmp_path, text))
    assert [s.name for s in fleet.services] == ["a"]


def test_yaml_tags_never_execute(tmp_path: Path) -> None:
    path = write(tmp_path, "kind: !!python/object/apply:os.system ['touch pwned']\n")
    (problem,) = problems_of(path)
    assert "YAML syntax error" in problem and "plain YAML without tags" in problem
    assert not Path("pwned").exists()


def test_a_plain_equals_sign_is_text_as_kubernetes_reads_it(tmp_path: Path) -> None:
    # YAML 1.1 gives a plain "=" the 'value' tag, which the safe loader cannot build; the CRDs of
    # prometheus-operator/kube-prometheus (manifests/setup, AlertmanagerConfig matchType) list it in an enum.
    crd = ("apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: x.example.com}\n"
           "spec:\n  matchType:\n    enum:\n    - '!='\n    - =\n    - =~\n")
    path = write(tmp_path, crd + "---\n" + deployment("a"))
    fleet = load_kubernetes_fleet(path)
    assert [s.name for s in fleet.services] == ["a"]
    assert "CustomResourceDefinition 1" in " ".join(fleet.notes)


def test_json_syntax_error(tmp_path: Path) -> None:
    path = write(tmp_path, '{"kind": "List",\n "items": [}\n', "get.json")
    (problem,) = problems_of(path)
    assert problem.startswith(f"{path}: line 2, column 12: JSON syntax error (")


def test_document_that_is_not_a_mapping(tmp_path: Path) -> None:
    path = write(tmp_path, deployment("a") + "---\n- just\n- a list\n---\nhello\n")
    assert problems_of(path) == [
        f"{path}, document 2 (line 15): a list, not a mapping; expected a Kubernetes object "
        "(a mapping with apiVersion, kind and metadata)",
        f"{path}, document 3 (line 18): 'hello', not a mapping; expected a Kubernetes object "
        "(a mapping with apiVersion, kind and metadata)",
    ]


def test_object_without_kind(tmp_path: Path) -> None:
    path = write(tmp_path, "replicaCount: 2\nimage: {tag: 1}\n", "values.yaml")
    (problem,) = problems_of(path)
    assert problem == (f"{path}, document 1 (line 1): no 'kind' (keys: replicaCount, image); expected a Kubernetes "
                       "object with apiVersion and kind (a Helm values file? render the chart with helm template)")


def test_kustomization_files_are_noted_with_what_they_would_change(tmp_path: Path) -> None:
    # kind is optional in a kustomization file (argoproj/argocd-example-apps sock-shop, pre-post-sync).
    write(tmp_path, deployment("web"), "app/web.yaml")
    write(tmp_path, "resources: [web.yaml]\n", "app/kustomization.yaml")
    write(tmp_path, "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamePrefix: prod-\n"
                    "replicas: [{name: web, count: 5}]\nresources: [../app]\n", "prod/kustomization.yml")
    fleet = load_kubernetes_fleet(tmp_path)
    assert [(s.name, s.replicas) for s in fleet.services] == [("web", 1)]
    assert ("kustomization files are not applied: the manifests beside them are planned as written (plan the output "
            "of kubectl kustomize DIR to plan what kustomize renders): prod/kustomization.yml "
            "(replicas, namePrefix not applied; resources outside this folder not read)") in fleet.notes
    assert not any("non-workload" in note for note in fleet.notes)
    overlay = tmp_path / "prod"
    (problem,) = problems_of(overlay)
    assert problem == (f"{overlay}: found no Deployments, StatefulSets or DaemonSets (found: kustomization "
                       "kustomization.yml (replicas, namePrefix not applied; resources outside this folder not read); "
                       "render it first: kubectl kustomize DIR); expected Kubernetes workload manifests, e.g. kubectl "
                       "get deployments,statefulsets,daemonsets -A -o yaml")


def test_a_helm_chart_yaml_gets_its_own_hint(tmp_path: Path) -> None:
    path = write(tmp_path, "apiVersion: v2\nname: guestbook\nversion: 0.1.0\n", "Chart.yaml")
    assert problems_of(path) == [f"{path}, document 1 (line 1): a Helm chart's Chart.yaml, not a Kubernetes object; "
                                 "expected Kubernetes manifests: render the chart first (helm template ...) and plan "
                                 "the output"]


def test_bad_quantity(tmp_path: Path) -> None:
    path = write(tmp_path, deployment("a", cpu="lots"))
    assert problems_of(path) == [
        f"{path}, document 1 (line 1), Deployment a: container main, resources.requests.cpu: 'lots' is not a CPU "
        "size; expected cores (0.5, 2) or millicores (250m)"]


def test_negative_and_text_replicas(tmp_path: Path) -> None:
    path = write(tmp_path, deployment("a", replicas=-1, namespace="shop") + "---\n" + deployment("b", replicas="3"))
    assert problems_of(path) == [
        f"{path}, document 1 (line 1), Deployment shop/a: spec.replicas: -1 is negative; expected a whole number >= 0",
        f"{path}, document 2 (line 16), Deployment b: spec.replicas: '3' is text (quoted); "
        "expected a whole number >= 0",
    ]


def test_base_60_numbers_are_text_as_kubectl_reads_them(tmp_path: Path) -> None:
    """YAML 1.1 reads replicas: 1:30 as 90 (and cpu: 1:30 as 90 cores); kubectl's go-yaml reads text."""
    path = write(tmp_path, deployment("a").replace("replicas: 1", "replicas: 1:30")
                 + "---\n" + deployment("b").replace('cpu: "100m"', "cpu: 1:30")
                 + "---\n" + deployment("c").replace("replicas: 1", "replicas: 010"))
    problems = problems_of(path)
    assert problems == [
        f"{path}, document 1 (line 1), Deployment a: spec.replicas: '1:30' is text; expected a whole number >= 0",
        f"{path}, document 2 (line 15), Deployment b: container main, resources.requests.cpu: '1:30' is not a CPU "
        "size; expected cores (0.5, 2) or millicores (250m)",
    ], problems  # 010 stays octal 8, as go-yaml reads it


@pytest.mark.parametrize("name", ['"a\\u0000b"', '"a\\nb"', "Web", "web_1", "-web", '"' + "a" * 254 + '"'])
def test_object_names_the_api_server_refuses_are_refused(tmp_path: Path, name: str) -> None:
    """A NUL or newline in a name was planned (and convert wrote a CSV that plan then refused)."""
    path = write(tmp_path, deployment("placeholder").replace("name: placeholder", f"name: {name}", 1))
    (problem,) = problems_of(path)
    assert "metadata.name is " in problem and "expected a Kubernetes object name" in problem, problem


def test_namespaces_the_api_server_refuses_are_refused(tmp_path: Path) -> None:
    (problem,) = problems_of(write(tmp_path, deployment("web", namespace="Shop.eu")))
    assert "metadata.namespace is 'Shop.eu'; expected a namespace name: at most 63" in problem, problem


def test_request_above_limit(tmp_path: Path) -> None:
    path = write(tmp_path, deployment("a").replace("memory: \"128Mi\"}", "memory: \"128Mi\"}\n          limits: {cpu: 50m}"))
    (problem,) = problems_of(path)
    assert problem.endswith("Deployment a: container main, resources.requests.cpu: 100m is above its limit 50m; "
                            "expected a request <= limit (Kubernetes rejects such a pod)")


def test_unknown_architecture(tmp_path: Path) -> None:
    path = write(tmp_path, deployment("a").replace("    spec:\n", "    spec:\n      nodeSelector: "
                                                   "{kubernetes.io/arch: s390x}\n", 1))
    (problem,) = problems_of(path)
    assert "nodeSelector kubernetes.io/arch: 's390x'; expected amd64 or arm64" in problem


@pytest.mark.parametrize("value", ["5", "darwin", "true"])
def test_an_os_kubernetes_never_labels_a_node_with_is_refused(tmp_path: Path, value: str) -> None:
    """kubernetes.io/os is linux or windows; 5 was planned as an OS named '5' (and failed later, at pricing)."""
    path = write(tmp_path, deployment("a").replace("    spec:\n", "    spec:\n      nodeSelector: "
                                                   f"{{kubernetes.io/os: {value}}}\n", 1))
    (problem,) = problems_of(path)
    assert "nodeSelector kubernetes.io/os: " in problem and "expected linux or windows" in problem


def test_windows_and_linux_node_selectors_still_read(tmp_path: Path) -> None:
    path = write(tmp_path, deployment("a").replace("    spec:\n", "    spec:\n      nodeSelector: "
                                                   "{kubernetes.io/os: Windows}\n", 1))
    assert load_kubernetes_fleet(path).services[0].os == "windows"


def test_node_os_constraints_are_read_as_the_scheduler_reads_them(tmp_path: Path) -> None:
    """Affinity NotIn [linux] leaves windows; a nodeSelector and an affinity (or the beta label) that
    disagree allow no node at all: the pod was planned on linux, where it never runs."""
    def pinned(name: str, lines: str) -> str:
        return deployment(name).replace("    spec:\n", f"    spec:\n{lines}", 1)

    def affinity(operator: str, values: str) -> str:
        return ("      affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: "
                f"[{{matchExpressions: [{{key: kubernetes.io/os, operator: {operator}, values: {values}}}]}}]}}}}}}\n")

    fleet = load_kubernetes_fleet(write(tmp_path, pinned("iis", affinity("NotIn", "[linux]")) + "---\n"
                                        + pinned("web", affinity("In", "[linux, windows]"))))
    assert [(s.name, s.os) for s in fleet.services] == [("iis", "windows"), ("web", "linux")]
    path = write(tmp_path, pinned("a", "      nodeSelector: {kubernetes.io/os: linux}\n" + affinity("In", "[windows]"))
                 + "---\n" + pinned("b", "      nodeSelector: {kubernetes.io/os: linux, beta.kubernetes.io/os: windows}\n"),
                 "bad.yaml")
    problems = problems_of(path)
    assert len(problems) == 2 and all("allow no node OS" in p and "Kubernetes never schedules such a pod" in p
                                      for p in problems), problems


def test_pod_level_resources_replace_the_containers_sum(tmp_path: Path) -> None:
    """Kubernetes' PodLevelResources (spec.resources): the scheduler counts the pod's own request (a
    limit alone stands for it); below the containers' it is rejected. It was planned at the containers' sum."""
    def with_pod(name: str, resources: str) -> str:
        return deployment(name).replace("      containers:\n", f"      resources: {resources}\n      containers:\n", 1)

    fleet = load_kubernetes_fleet(write(tmp_path, with_pod("a", "{requests: {cpu: 2, memory: 4Gi}}") + "---\n"
                                        + with_pod("b", "{limits: {cpu: 500m}}")))
    sizes = {s.name: (s.vcpu, s.memory_gib) for s in fleet.services}
    assert sizes["a"] == pytest.approx((2.0, 4.0))
    assert sizes["b"] == pytest.approx((0.5, 128 / 1024))
    path = write(tmp_path, with_pod("c", "{requests: {cpu: 50m}}"), "bad.yaml")
    (problem,) = problems_of(path)
    assert problem.endswith("spec.template.spec.resources.requests.cpu: 50m is below its containers' 100m; expected a "
                            "pod-level request at least the containers' (Kubernetes rejects such a pod)"), problem


def test_daemonsets_pinned_to_an_architecture_run_on_those_nodes_only(tmp_path: Path) -> None:
    """flannel ships one DaemonSet per architecture (amd64, arm64, arm, ppc64le, s390x): at most one runs on a
    node, but all five were taken off every node (container-density 231.77 against 152.50 a month)."""
    def ds(name: str, selector: str) -> str:
        text = deployment(name, kind="DaemonSet").replace("  replicas: 1\n", "")
        return text.replace("    spec:\n", f"    spec:\n      nodeSelector: {selector}\n", 1)

    text = "---\n".join([deployment("web"), ds("flannel-amd64", "{kubernetes.io/os: linux, kubernetes.io/arch: amd64}"),
                         ds("flannel-arm64", "{beta.kubernetes.io/arch: arm64}"),
                         ds("flannel-s390x", "{kubernetes.io/arch: s390x}"), ds("agent", "{}")])
    fleet = load_kubernetes_fleet(write(tmp_path, text))
    assert fleet.daemonset_on("linux", "x86_64") == pytest.approx((0.2, 256 * MiB, 2))  # agent + amd64
    assert fleet.daemonset_on("linux", "arm64") == pytest.approx((0.2, 256 * MiB, 2))  # agent + arm64
    assert fleet.daemonset_on("windows", "x86_64") == pytest.approx((0.1, 128 * MiB, 1))  # agent only
    note = next(n for n in fleet.notes if n.startswith("DaemonSets as per-node overhead"))
    assert "flannel-amd64 (100m, 128Mi, linux/x86_64 nodes only)" in note, note
    assert "flannel-arm64 (100m, 128Mi, arm64 nodes only)" in note, note
    assert "flannel-s390x (100m, 128Mi, s390x nodes only, which no plan here has (amd64 or arm64): not counted)" \
        in note, note


def test_a_workload_without_a_namespace_is_the_same_object_as_in_default(tmp_path: Path) -> None:
    """kubectl applies a manifest without a namespace to default: with a copy naming default it is one
    Deployment written twice, not two (it was planned twice: 6 replicas for 3)."""
    path = write(tmp_path, deployment("frontend", replicas=3) + "---\n"
                 + deployment("frontend", replicas=3, namespace="default"))
    (problem,) = problems_of(path)
    assert "Deployment default/frontend: appears twice (first in " in problem, problem


def test_the_pod_os_field_sets_the_os_when_no_node_selector_does(tmp_path: Path) -> None:
    def with_os(text: str, lines: str) -> str:
        return text.replace("    spec:\n", f"    spec:\n{lines}", 1)

    ds = deployment("agent", kind="DaemonSet").replace("  replicas: 1\n", "")
    text = (with_os(deployment("iis"), "      os: {name: windows}\n") + "---\n"
            + with_os(deployment("api"), "      os: {name: linux}\n      nodeSelector: {kubernetes.io/os: linux}\n")
            + "---\n" + with_os(ds, "      os: {name: windows}\n"))
    fleet = load_kubernetes_fleet(write(tmp_path, text))
    assert [(s.name, s.os) for s in fleet.services] == [("iis", "windows"), ("api", "linux")]
    assert fleet.daemonset_on("windows") == pytest.approx((0.1, 128 * MiB, 1))
    assert fleet.daemonset_pods == 0
    bad = with_os(deployment("a"), "      os: {name: windows}\n      nodeSelector: {kubernetes.io/os: linux}\n") \
        + "---\n" + with_os(deployment("b"), "      os: {name: Windows}\n")
    path = write(tmp_path, bad, "bad.yaml")
    assert problems_of(path) == [
        f"{path}, document 1 (line 1), Deployment a: spec.template.spec.os.name is windows but nodeSelector "
        "kubernetes.io/os is linux; expected the same OS (the kubelet refuses a pod of another OS)",
        f"{path}, document 2 (line 17), Deployment b: spec.template.spec.os.name is 'Windows'; expected linux or windows",
    ]


def test_bad_hpa(tmp_path: Path) -> None:
    path = write(tmp_path, deployment("a") + """---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: a}
spec: {scaleTargetRef: {kind: Deployment, name: a}, minReplicas: 5, maxReplicas: 2}
""")
    (problem,) = problems_of(path, replicas="max")
    assert problem.endswith("HorizontalPodAutoscaler a: spec.minReplicas 5 is above spec.maxReplicas 2; "
                            "expected min <= max")


def test_duplicate_workload(tmp_path: Path) -> None:
    write(tmp_path, deployment("web", namespace="shop"), "base/web.yaml")
    write(tmp_path, deployment("web", namespace="shop"), "overlay/web.yaml")
    (problem,) = problems_of(tmp_path)
    assert problem.startswith(f"{tmp_path / 'overlay' / 'web.yaml'}, document 1 (line 1), Deployment shop/web: "
                              f"appears twice (first in {tmp_path / 'base' / 'web.yaml'}, document 1 (line 1))")


def test_empty_inputs(tmp_path: Path) -> None:
    services_only = write(tmp_path, "kind: Service\nmetadata: {name: a}\n---\nkind: ConfigMap\nmetadata: {name: b}\n")
    assert problems_of(services_only) == [
        f"{services_only}: found no Deployments, StatefulSets or DaemonSets (found: ConfigMap 1, Service 1); "
        "expected Kubernetes workload manifests, e.g. kubectl get deployments,statefulsets,daemonsets -A -o yaml"]
    empty = write(tmp_path, "# nothing here\n---\n", "empty.yaml")
    assert "found no Deployments, StatefulSets or DaemonSets (it holds no Kubernetes objects)" in problems_of(empty)[0]
    (tmp_path / "no-manifests").mkdir()
    assert "found no .yaml, .yml or .json files in this folder" in problems_of(tmp_path / "no-manifests")[0]


def test_only_daemonsets_and_unsized_workloads(tmp_path: Path) -> None:
    text = (DATA / "daemonsets.yaml").read_text().split("---\napiVersion: apps/v1\nkind: Deployment")[0]
    path = write(tmp_path, text + "---\n" + deployment("db", cpu="0", memory="0"))
    (problem,) = problems_of(path)
    assert problem == (f"{path}: found no Deployments or StatefulSets to plan (found: 1 workload skipped (no "
                       "resource requests or 0 replicas: Deployment db); DaemonSets node-exporter, fluent-bit); "
                       "expected at least one Deployment or StatefulSet with replicas and resource requests")


def test_custom_resources_an_operator_runs_as_pods_are_named_not_ignored(tmp_path: Path) -> None:
    """kube-prometheus' Prometheus (2 x 400Mi) and Alertmanager were counted among 'non-workload objects'."""
    prometheus = ("apiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata: {name: k8s, namespace: monitoring}\n"
                  "spec:\n  replicas: 2\n  resources: {requests: {memory: 400Mi}}\n")
    rule = ("apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata: {name: r, namespace: monitoring}\n"
            "spec: {groups: []}\n")
    fleet = load_kubernetes_fleet(write(tmp_path, deployment("web") + "---\n" + prometheus + "---\n" + rule))
    assert any(n.startswith("not planned: custom resources an operator runs as pods") and
               n.endswith(": Prometheus monitoring/k8s") for n in fleet.notes), fleet.notes
    assert "ignored 1 non-workload object (PrometheusRule 1)" in fleet.notes


def test_every_problem_at_once_across_files(tmp_path: Path) -> None:
    write(tmp_path, deployment("a", cpu="lots", memory="2GB") + "---\n" + deployment("b", replicas=-2), "a.yaml")
    write(tmp_path, "kind: [\n", "b.yaml")
    write(tmp_path, deployment("c"), "c.yaml")
    with pytest.raises(InputError) as info:
        load_kubernetes_fleet(tmp_path)
    problems = info.value.problems
    assert info.value.header == f"{tmp_path}: 4 problems"
    assert [p.split(":")[0] for p in problems] == [
        f"{tmp_path / 'a.yaml'}, document 1 (line 1), Deployment a"] * 2 + [
        f"{tmp_path / 'a.yaml'}, document 2 (line 15), Deployment b", f"{tmp_path / 'b.yaml'}"]
    assert "resources.requests.cpu: 'lots'" in problems[0]
    assert "resources.requests.memory: '2GB' uses 'GB'" in problems[1]


# --- writing a fleet CSV ----------------------------------------------------------------------


def _same(a: Service, b: Service) -> bool:
    return dataclasses.replace(a, row=0, sized_from_limit=()) == dataclasses.replace(b, row=0, sized_from_limit=())


@pytest.mark.parametrize("name", ["online-boutique.yaml", "mixed.yaml", "kubectl-get.json", "daemonsets.yaml"])
def test_write_fleet_csv_round_trips(tmp_path: Path, name: str) -> None:
    fleet = load(name, team_label="team") if name == "mixed.yaml" else load(name)
    out = tmp_path / "out" / "fleet.csv"
    write_fleet_csv(fleet, out)
    back = load_fleet(out)
    assert len(back.services) == len(fleet.services)
    assert all(_same(a, b) for a, b in zip(fleet.services, back.services))
    header = out.read_text().splitlines()[0]
    assert header.startswith("service,team,os,arch,cpu,memory,replicas,max_per_host")
    assert not list(out.parent.glob(".*.tmp"))


def test_written_csv_gets_the_umask_mode(tmp_path: Path) -> None:
    """The CSV is a file to share and edit: the usual umask mode, not a temporary file's 0600."""
    old = os.umask(0o022)
    try:
        out = tmp_path / "fleet.csv"
        write_fleet_csv(load("online-boutique.yaml"), out)
        assert out.stat().st_mode & 0o777 == 0o644
    finally:
        os.umask(old)


def test_written_csv_uses_kubernetes_units(tmp_path: Path) -> None:
    out = tmp_path / "mixed.csv"
    write_fleet_csv(load("mixed.yaml"), out)
    lines = out.read_text().splitlines()
    assert lines[0] == "service,team,os,arch,cpu,memory,replicas,max_per_host,note"
    assert lines[1] == "migrate,shop,linux,any,1,640Mi,2,1,"
    assert lines[2] == "legacy,shop,linux,any,1500m,1Gi,1,1,request from limit (cpu)"
    assert lines[4] == "search,shop,linux,arm64,1350m,4280Mi,1,1,"


_NAMES = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-/ ,\"", min_size=1, max_size=20).filter(
    lambda s: s.strip() == s and s.strip())


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(
    st.integers(1, 64_000),  # millicores
    st.one_of(st.integers(1, 2**40), st.integers(1, 2**20).map(lambda m: m * 2**20)),  # bytes
    st.integers(1, 500),
    st.sampled_from(["linux", "windows"]),
    st.sampled_from(["any", "x86_64", "arm64"]),
    st.one_of(st.none(), st.sampled_from(["shop", "data team", "a,b"])),
), min_size=1, max_size=6))
def test_write_fleet_csv_round_trips_any_sizes(tmp_path_factory: pytest.TempPathFactory, rows: list) -> None:
    services = []
    for i, (millicores, size, replicas, os_name, arch, team) in enumerate(rows):
        yaml_text = deployment(f"s{i}", cpu=f"{millicores}m", memory=f"{size}e0", replicas=replicas)
        services.append((yaml_text, os_name, arch, team))
    folder = tmp_path_factory.mktemp("rt")
    text = "---\n".join(t for t, _, _, _ in services)
    fleet = load_kubernetes_fleet(write(folder, text))
    fleet = dataclasses.replace(fleet, services=tuple(
        dataclasses.replace(s, os=o, arch=a, team=t) for s, (_, o, a, t) in zip(fleet.services, services)))
    out = folder / "fleet.csv"
    write_fleet_csv(fleet, out)
    back = load_fleet(out)
    assert all(_same(a, b) for a, b in zip(fleet.services, back.services)) and len(back.services) == len(rows)
    for (millicores, size, *_), s in zip(rows, fleet.services):
        assert round(s.vcpu * 1000) == millicores and round(s.memory_gib * 2**30) == size


@pytest.mark.parametrize("path", sorted((ROOT / "fleets").glob("*.csv")), ids=lambda p: p.stem)
def test_write_fleet_csv_round_trips_shipped_fleets(tmp_path: Path, path: Path) -> None:
    fleet = load_fleet(path)
    write_fleet_csv(fleet, tmp_path / "copy.csv")
    back = load_fleet(tmp_path / "copy.csv")
    assert len(back.services) == len(fleet.services)
    assert all(_same(a, b) for a, b in zip(fleet.services, back.services))


def test_argo_rollouts(tmp_path: Path) -> None:
    rollout = deployment("canary", replicas=5).replace("apiVersion: apps/v1\nkind: Deployment",
                                                        "apiVersion: argoproj.io/v1alpha1\nkind: Rollout")
    path = write(tmp_path, rollout + """---
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: by-ref}
spec:
  replicas: 3
  workloadRef: {apiVersion: apps/v1, kind: Deployment, name: by-ref}
""")
    fleet = load_kubernetes_fleet(path)
    assert [(s.name, s.replicas, s.vcpu) for s in fleet.services] == [("canary", 5, 0.1)]
    assert "skipped Rollouts with a workloadRef (their Deployment is read instead): Rollout by-ref" in fleet.notes


def test_a_key_written_twice_is_refused_not_overwritten(tmp_path: Path) -> None:
    # YAML and JSON keep the last value of a key written twice: kubectl refuses such a manifest.
    path = write(tmp_path, deployment("web").replace("  replicas: 1\n", "  replicas: 1\n  replicas: 5\n"))
    (problem,) = problems_of(path)
    assert problem == (f"{path}: line 7, column 3: document 1: key 'replicas' appears twice in one mapping (first on "
                       "line 6); expected each key once (the second would silently replace the first)")
    path = write(tmp_path, '{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "a", "name": "b"}}',
                 "get.json")
    (problem,) = problems_of(path)
    assert problem == (f"{path}: line 1, column 75: key 'name' appears twice in one object; expected each key once "
                       "(the second would silently replace the first)")
    # on its own line further down, as kubectl get -o json writes
    path = write(tmp_path, '{\n  "kind": "Deployment",\n  "metadata": {\n    "name": "a",\n    "name": "b"\n  }\n}\n',
                 "get.json")
    (problem,) = problems_of(path)
    assert problem.startswith(f"{path}: line 5, column 5: key 'name' appears twice in one object")
    # a merge key (<<) is not a repeat: the explicit key overrides the merged one, as YAML defines
    merged = deployment("web").replace("resources:\n          requests: {cpu: \"100m\", memory: \"128Mi\"}",
                                       "resources:\n          requests: {<<: {cpu: 1}, cpu: \"100m\", memory: 1Gi}")
    assert by_name(load_kubernetes_fleet(write(tmp_path, merged)))["web"].vcpu == 0.1


def test_resources_other_than_cpu_and_memory_are_noted(tmp_path: Path) -> None:
    gpu = deployment("train").replace('memory: "128Mi"}', 'memory: "128Mi", nvidia.com/gpu: 1}')
    fleet = load_kubernetes_fleet(write(tmp_path, gpu + "---\n" + deployment("web")))
    assert [s.name for s in fleet.services] == ["train", "web"]
    assert ("requests and limits of resources other than cpu and memory are not planned (no host offers them "
            "here): train (nvidia.com/gpu)") in fleet.notes


def test_manifests_above_the_size_limit_are_refused_not_read_without_end(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    # a link to /dev/zero (or a runaway export) was read until memory ran out
    import planner.kube

    first = write(tmp_path / "m", deployment("a"), "a.yaml")
    monkeypatch.setattr(planner.kube, "MAX_INPUT_BYTES", len(first.read_bytes()) + 10)
    assert [s.name for s in load_kubernetes_fleet(first).services] == ["a"]
    write(tmp_path / "m", deployment("b"), "b.yaml")  # the folder's files together pass the limit
    [problem] = problems_of(tmp_path / "m")
    assert problem.startswith(f"{tmp_path / 'm' / 'b.yaml'}: the input passes 0 MiB here; expected Kubernetes")


def test_an_hpa_in_namespace_default_scales_a_workload_written_without_one(tmp_path: Path) -> None:
    # kubectl applies a manifest without a namespace to the default one: it was a "missing target"
    hpa = """---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web, namespace: default}
spec: {scaleTargetRef: {kind: Deployment, name: web}, minReplicas: 2, maxReplicas: 7}
"""
    fleet = load_kubernetes_fleet(write(tmp_path, deployment("web") + hpa), replicas="max")
    assert [(s.name, s.replicas) for s in fleet.services] == [("web", 7)]
    other = load_kubernetes_fleet(write(tmp_path, deployment("web", namespace="shop") + hpa, "b.yaml"),
                                  replicas="max")
    assert [(s.name, s.replicas) for s in other.services] == [("web", 1)]  # another namespace: not scaled


def test_a_daemonset_pinned_to_windows_nodes_counts_on_windows_nodes_only(tmp_path: Path) -> None:
    # it was taken off every node, Linux ones included (and a Linux agent off Windows nodes)
    def agent(name: str, os_name: str | None, cpu: str) -> str:
        selector = f"\n      nodeSelector: {{kubernetes.io/os: {os_name}}}" if os_name else ""
        return f"""---
apiVersion: apps/v1
kind: DaemonSet
metadata: {{name: {name}}}
spec:
  template:
    spec:{selector}
      containers:
      - name: a
        resources: {{requests: {{cpu: "{cpu}", memory: 64Mi}}}}
"""
    text = deployment("web") + agent("win-logs", "windows", "500m") + agent("fluent-bit", "linux", "100m") \
        + agent("node-exporter", None, "50m")
    fleet = load_kubernetes_fleet(write(tmp_path, text))
    assert (fleet.daemonset_vcpu, fleet.daemonset_pods) == (0.05, 1)  # the unpinned one: every node
    assert fleet.daemonset_on("windows") == pytest.approx((0.55, 128 * MiB, 2))
    assert fleet.daemonset_on("linux") == pytest.approx((0.15, 128 * MiB, 2))
    assert "win-logs (500m, 64Mi, windows nodes only)" in fleet.notes[0]
    from planner.catalogue import load_catalogue
    from planner.strategies import build_container_model

    catalogue_path = Path(__file__).parent / "data/pricing/tiny-cloud.yaml"
    windows_too = dataclasses.replace(fleet.services[0], name="winweb", os="windows")
    fleet = dataclasses.replace(fleet, services=(*fleet.services, windows_too))  # both node pools
    model = build_container_model(fleet, load_catalogue(catalogue_path), str(catalogue_path))
    assert {o.pool for o in model.offers} == {"linux", "windows"}
    plain = build_container_model(dataclasses.replace(fleet, daemonset_os=(), daemonset_vcpu=0.0, daemonset_pods=0,
                                                      daemonset_memory_gib=0.0),
                                  load_catalogue(catalogue_path), str(catalogue_path))
    before = {o.name: o for o in plain.offers}
    for offer in model.offers:  # utilisation 1.0 in tiny-cloud: the overhead comes off as it is
        lost = before[offer.name].vcpu - offer.vcpu
        assert lost == pytest.approx(0.55 if offer.pool == "windows" else 0.15)


# --- LimitRange defaults -------------------------------------------------------------------


def limit_range(name: str, namespace: str | None = None, **parts: dict[str, str]) -> str:
    """A LimitRange with one ``type: Container`` item (parts: default, defaultRequest, max, min) as YAML text."""
    ns = f", namespace: {namespace}" if namespace else ""
    item = ", ".join(f"{part}: {json.dumps(values)}" for part, values in parts.items())
    return f"""---
apiVersion: v1
kind: LimitRange
metadata: {{name: {name}{ns}}}
spec:
  limits:
  - {{type: Pod, max: {{cpu: "64"}}}}
  - {{type: Container, {item}}}
"""


def bare(name: str, namespace: str | None = None, containers: str = "[{name: main}]", init: str = "[]",
         kind: str = "Deployment") -> str:
    """A workload whose containers (YAML flow text) may lack resources."""
    ns = f", namespace: {namespace}" if namespace else ""
    return f"""---
apiVersion: apps/v1
kind: {kind}
metadata: {{name: {name}{ns}}}
spec:
  replicas: 2
  template:
    spec:
      initContainers: {init}
      containers: {containers}
"""


def test_limitrange_defaults_set_missing_requests_in_their_namespace(tmp_path: Path) -> None:
    # They were ignored: a namespace whose LimitRange sizes its pods was planned at 0 (or skipped).
    text = (
        limit_range("defaults", "shop", defaultRequest={"cpu": "100m"}, default={"cpu": "1", "memory": "256Mi"})
        # no namespace is the default one; max alone becomes the default limit, and so the default request
        + limit_range("caps", max={"cpu": "2", "memory": "1Gi"})
        + bare("web", "shop", init="[{name: init}]", containers=(
            "[{name: main}, {name: capped, resources: {limits: {cpu: 300m}}},"  # a limit: requested at it, as before
            " {name: sized, resources: {requests: {cpu: 50m, memory: 64Mi}}}]"))
        + bare("agent", "shop", kind="DaemonSet")
        + bare("api", "default") + bare("tool")  # both in namespace default
        + bare("elsewhere", "other", containers="[{name: main}, {name: m, resources: {requests: {cpu: 1, memory: 1Gi}}}]")
    )
    fleet = load_kubernetes_fleet(write(tmp_path, text))
    services = by_name(fleet)
    web = services["web"]  # cpu: 100m + 300m + 50m (init 100m); memory: 256Mi + 256Mi (limit: cpu only) + 64Mi
    assert (web.vcpu, web.memory_gib, web.sized_from_limit) == (0.45, 576 * MiB, ("cpu",))
    assert (services["api"].vcpu, services["api"].memory_gib) == (2.0, 1.0)
    assert (services["tool"].vcpu, services["tool"].memory_gib) == (2.0, 1.0)
    assert (services["elsewhere"].vcpu, services["elsewhere"].memory_gib) == (1.0, 1.0)  # no LimitRange there
    assert (fleet.daemonset_vcpu, fleet.daemonset_memory_gib) == (0.1, 256 * MiB)
    assert ("requests set from LimitRange defaults, as Kubernetes' LimitRanger does for containers with neither a "
            "request nor a limit: LimitRange shop/defaults: cpu 100m (defaultRequest) for 3 containers of web, "
            "DaemonSet agent; memory 256Mi (default, as it has no defaultRequest) for 4 containers of web, DaemonSet "
            "agent; LimitRange caps: cpu 2 (max, as it has no defaultRequest or default) for 2 containers of api, "
            "tool; memory 1Gi (max, as it has no defaultRequest or default) for 2 containers of api, tool"
            ) in fleet.notes
    assert "containers with no request or limit, counted as 0: elsewhere/main (cpu, memory)" in fleet.notes
    assert not any("non-workload" in note for note in fleet.notes)  # read, not ignored
    unused = load_kubernetes_fleet(write(tmp_path, bare("x", "a") + "---\n" + deployment("y", namespace="b")
                                         + limit_range("lr", "b", min={"cpu": "10m"}), "b.yaml"))
    assert [s.name for s in unused.services] == ["y"]  # x: no requests; b's LimitRange only fills what is missing
    assert ("LimitRanges that set no request (no container of their namespace in the input lacks both a request and "
            "a limit for a resource they give a default for): LimitRange b/lr") in unused.notes


def test_convert_says_in_the_note_column_which_requests_a_limitrange_set(tmp_path: Path) -> None:
    # The CSV carried the LimitRange's requests as if the manifests had them (only the terminal said so).
    text = (limit_range("defaults", "shop", defaultRequest={"cpu": "100m"}, default={"memory": "256Mi"})
            + bare("web", "shop", containers="[{name: main}, {name: capped, resources: {limits: {cpu: 300m}}}]")
            + "---\n" + deployment("sized", namespace="shop"))
    fleet = load_kubernetes_fleet(write(tmp_path, text))
    csv_path = tmp_path / "fleet.csv"
    write_fleet_csv(fleet, csv_path)
    rows = {row["service"]: row for row in csv.DictReader(csv_path.open(encoding="utf-8"))}
    assert rows["web"]["note"] == ("request from limit (cpu); request cpu from LimitRange shop/defaults; "
                                   "request memory from LimitRange shop/defaults")
    assert rows["sized"]["note"] == ""
    back = by_name(load_fleet(csv_path))
    assert (back["web"].vcpu, back["web"].memory_gib) == (by_name(fleet)["web"].vcpu, by_name(fleet)["web"].memory_gib)


def test_containers_a_limitrange_min_or_max_rejects_are_reported(tmp_path: Path) -> None:
    # Kubernetes rejects such pods on admission; they were planned as written.
    path = write(tmp_path, limit_range("bounds", "shop", min={"cpu": "100m"}, max={"cpu": "2", "memory": "1Gi"})
                 + bare("small", "shop", containers="[{name: main, resources: {requests: {cpu: 50m}}}]")
                 + bare("big", "shop", containers="[{name: main, resources: {limits: {cpu: 4, memory: 512Mi}}}]")
                 + bare("wide", "shop", containers="[{name: main, resources: {requests: {memory: 2Gi}}}]")
                 + bare("fine", "shop", containers="[{name: main, resources: {requests: {cpu: 1, memory: 1Gi}}}]")
                 + bare("other", "elsewhere", containers="[{name: main, resources: {requests: {cpu: 10m}}}]")
                 + limit_range("bad", "ops", default={"cpu": "3"}, max={"cpu": "2"}))
    problems = problems_of(path)
    assert len(problems) == 4, problems
    assert problems[0].startswith(f"{path}, document 2 (line 10), Deployment shop/small: container main, "
                                  "resources.requests.cpu: 50m is below the min 100m that LimitRange shop/bounds "
                                  f"({path}, document 1 (line 2)) sets; expected at least the min (Kubernetes "
                                  "rejects such a pod)")
    assert "Deployment shop/big: container main, resources.limits.cpu: 4 is above the max 2 that" in problems[1]
    # no limit: the default limit is the max, and the request may not pass it
    assert "Deployment shop/wide: container main, resources.requests.memory: 2Gi is above the default limit 1Gi" \
        in problems[2]
    assert problems[3].endswith("LimitRange ops/bad: spec.limits[1]: default cpu limit 3 is above the max 2; "
                                "expected a default limit <= max (Kubernetes refuses such a LimitRange)")


def test_containers_a_limitrange_max_limit_request_ratio_rejects_are_reported(tmp_path: Path) -> None:
    # The LimitRanger checks limit / request after filling the defaults; such pods never run.
    path = write(tmp_path, limit_range("ratio", "shop", maxLimitRequestRatio={"cpu": "2", "memory": "1500m"},
                                       default={"cpu": "1"})
                 + bare("fine", "shop", containers="[{name: main, resources: {requests: {cpu: 500m, memory: 1Gi}, "
                                                   "limits: {cpu: 1, memory: 1536Mi}}}]")
                 + bare("wide", "shop", containers="[{name: main, resources: {requests: {cpu: 250m}, "
                                                   "limits: {cpu: 1}}}]")
                 + bare("defaulted", "shop", containers="[{name: main, resources: {requests: {cpu: 400m}}}]")
                 + bare("unlimited", "shop", containers="[{name: main, resources: {requests: {memory: 1Gi}}}]")
                 + bare("free", "elsewhere", containers="[{name: main, resources: {requests: {cpu: 10m}, "
                                                        "limits: {cpu: 8}}}]")
                 + limit_range("low", "ops", maxLimitRequestRatio={"cpu": "500m"}))
    problems = problems_of(path)
    assert len(problems) == 4, problems
    assert problems[0].startswith(f"{path}, document 3 (line 20), Deployment shop/wide: container main, "
                                  "resources.limits.cpu: 1 is 4 times the request 250m, above the "
                                  "maxLimitRequestRatio 2 that LimitRange shop/ratio")
    assert problems[0].endswith("expected a limit at most 2 times the request (Kubernetes rejects such a pod)")
    assert ("Deployment shop/defaulted: container main, resources.limits.cpu: not given, so the default limit 1 "
            "that LimitRange shop/ratio sets, is 2.5 times the request 400m") in problems[1]
    assert ("Deployment shop/unlimited: container main, resources: no memory limit (or 0), but the "
            "maxLimitRequestRatio 1.5 that LimitRange shop/ratio") in problems[2]
    assert problems[3].endswith("LimitRange ops/low: spec.limits[1].maxLimitRequestRatio.cpu: 0.5 is below 1; "
                                "expected a ratio of at least 1 (Kubernetes refuses such a LimitRange)")


def test_limitranges_that_disagree_or_that_kubernetes_refuses_are_reported(tmp_path: Path) -> None:
    path = write(tmp_path, limit_range("a", "shop", defaultRequest={"cpu": "100m"})
                 + limit_range("b", "shop", default={"cpu": "200m", "memory": "64Mi"})
                 + bare("web", "shop", containers="[{name: main}, {name: big, resources: {requests: {memory: 1Gi}}}]")
                 + limit_range("c", "ops", defaultRequest={"cpu": "2"}, default={"cpu": "1"})
                 + limit_range("d", "ops", min={"memory": "lots"}))
    problems = problems_of(path)
    assert len(problems) == 4
    assert problems[0].startswith(f"{path}, document 2 (line 10), LimitRange shop/b: default cpu request 200m "
                                  f"(default, as it has no defaultRequest), but LimitRange shop/a ({path}, document "
                                  "1 (line 2)) gives 100m (defaultRequest) in the same namespace, and Kubernetes "
                                  "applies either (which one is not defined) to containers with no cpu request or "
                                  "limit, such as Deployment shop/web, container main; expected one default per "
                                  "resource in a namespace")
    assert problems[1].startswith(f"{path}, document 3 (line 18), Deployment shop/web: container big, "
                                  "resources.requests.memory: 1Gi is above the default limit 64Mi (default) that "
                                  "LimitRange shop/b")
    assert "Kubernetes rejects such a pod" in problems[1]
    assert problems[2].startswith(f"{path}, document 4 (line 28), LimitRange ops/c: spec.limits[1]: default cpu "
                                  "request 2 (defaultRequest) is above the default limit 1 (default)")
    assert problems[3].startswith(f"{path}, document 5 (line 36), LimitRange ops/d: spec.limits[1].min.memory: 'lots' is not a memory size")
    # LimitRanges that agree are fine
    agree = write(tmp_path, limit_range("a", "shop", defaultRequest={"cpu": "100m"})
                  + limit_range("b", "shop", default={"cpu": "100m", "memory": "64Mi"}) + bare("web", "shop"), "b.yaml")
    assert (load_kubernetes_fleet(agree).services[0].vcpu, load_kubernetes_fleet(agree).services[0].memory_gib) == (
        0.1, 64 * MiB)


# --- names in notes ---------------------------------------------------------------------------


def test_notes_name_a_service_by_its_own_name_when_its_name_is_in_two_namespaces(tmp_path: Path) -> None:
    # The HPA note said "web (2-7, spec.replicas 3)" for a service named a/web.
    hpa = """---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web, namespace: a}
spec: {scaleTargetRef: {kind: Deployment, name: web}, minReplicas: 2, maxReplicas: 7}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: gone, namespace: b}
spec: {scaleTargetRef: {kind: Deployment, name: gone}, maxReplicas: 4}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: gone, namespace: c}
spec: {scaleTargetRef: {kind: Deployment, name: gone}, maxReplicas: 4}
"""
    text = (deployment("web", namespace="a", replicas=3) + "---\n" + deployment("web", namespace="b", replicas=2)
            + "---\n" + deployment("db", namespace="a", replicas=0) + "---\n" + deployment("db", namespace="b")
            + bare("bare", "a", containers="[{name: m}, {name: n, resources: {requests: {cpu: 1, memory: 1Gi}}}]")
            + bare("bare", "b", containers="[{name: m}, {name: n, resources: {requests: {cpu: 1, memory: 1Gi}}}]")
            + bare("agent", "a", containers="[{name: m, resources: {requests: {cpu: 1, memory: 1Gi}}}]",
                   kind="DaemonSet")
            + bare("agent", "b", containers="[{name: m, resources: {requests: {cpu: 1, memory: 1Gi}}}]",
                   kind="DaemonSet")
            + hpa)
    path = write(tmp_path, text)
    fleet = load_kubernetes_fleet(path)
    assert [s.name for s in fleet.services] == ["a/web", "b/web", "db", "a/bare", "b/bare"]
    notes = fleet.notes
    assert ("HorizontalPodAutoscalers not used, replicas from spec.replicas (plan with min or max replicas to size by "
            "them): a/web (2-7, spec.replicas 3)") in notes
    assert "HorizontalPodAutoscalers whose target is not in the input: b/gone -> Deployment b/gone, " \
           "c/gone -> Deployment c/gone" in notes  # the target is in the HPA's namespace
    assert "skipped, 0 replicas: a/db (Deployment)" in notes  # not a service; the service db is b's
    assert "containers with no request or limit, counted as 0: a/bare/m (cpu, memory), b/bare/m (cpu, memory)" in notes
    assert "DaemonSets as per-node overhead: a/agent (1, 1Gi), b/agent (1, 1Gi)" in notes
    high = load_kubernetes_fleet(path, replicas="max")
    assert "replicas from HorizontalPodAutoscaler maxReplicas: a/web (7)" in high.notes


def test_objects_named_by_generate_name_show_it(tmp_path: Path) -> None:
    # They showed as "Job (no name)".
    job = """---
apiVersion: batch/v1
kind: Job
metadata: {generateName: pre-install-, namespace: shop}
spec: {template: {spec: {containers: [{name: a}]}}}
"""
    fleet = load_kubernetes_fleet(write(tmp_path, deployment("web") + job))
    assert ("skipped Jobs, CronJobs and bare Pods (they use compute, but not as services): Job shop/pre-install-*"
            in fleet.notes)
    [problem] = problems_of(write(tmp_path, deployment("web").replace("name: web", "generateName: web-"), "b.yaml"))
    assert problem.endswith("Deployment web-*: metadata.name is empty (only generateName 'web-', which kubectl create "
                            "completes, not kubectl apply); expected the Deployment's name")


def test_a_kustomization_that_only_lists_the_files_beside_it_gets_no_note(tmp_path: Path) -> None:
    """kustomize would render exactly the files read; a file it does not list, or commonLabels, is named."""
    write(tmp_path, deployment("web"), "app/web.yaml")
    write(tmp_path, deployment("api"), "app/api.yaml")
    write(tmp_path, "resources: [web.yaml, ./api.yaml]\n", "app/kustomization.yaml")
    fleet = load_kubernetes_fleet(tmp_path)
    assert sorted(s.name for s in fleet.services) == ["api", "web"]
    assert not any("kustomization" in note for note in fleet.notes)
    write(tmp_path, "resources: [web.yaml]\ncommonLabels: {team: shop}\n", "app/kustomization.yaml")
    (note,) = [n for n in load_kubernetes_fleet(tmp_path).notes if "kustomization" in n]
    assert note.endswith("app/kustomization.yaml (commonLabels not applied; api.yaml beside it not in its resources "
                         "(planned here, not applied by kustomize))")
