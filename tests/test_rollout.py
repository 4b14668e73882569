"""Declarative tenant files: plan, apply (idempotent, all-or-nothing), prune, export, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from wuye_core.extensions import db
from wuye_core.households.models import Community, Site
from wuye_core.tenancy import Tenant, tenant_context
from wuye_core.testing import login

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "tenants" / "example-subdistrict.yaml"


@pytest.fixture
def cli(wuye_app):
    runner = wuye_app.test_cli_runner()

    def run(*args, ok=True):
        result = runner.invoke(args=list(args))
        if ok:
            assert result.exit_code == 0, result.output
        return result

    return run


def _write(tmp_path, doc, name="t.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return str(path)


def _state(wuye_app, slug):
    with wuye_app.app_context():
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
        if tenant is None:
            return None
        with tenant_context(tenant.id):
            return {c.code: (c.name, c.config_version, sorted(s.name for s in db.session.scalars(
                select(Site).where(Site.community_id == c.id))))
                    for c in db.session.scalars(select(Community))}


def test_apply_creates_everything_then_changes_nothing(wuye_app, cli):
    plan = cli("tenants", "plan", str(EXAMPLE)).output
    assert "+ tenant[jinghe]" in plan and "+ communities[haijingbei].sites[张家湾]" in plan
    cli("tenants", "apply", str(EXAMPLE))
    first = _state(wuye_app, "jinghe")
    assert set(first) == {"daoxiang", "haijingbei", "sandian"}
    assert first["haijingbei"][2] == ["张家湾", "海景花园"]
    again = cli("tenants", "apply", str(EXAMPLE)).output
    assert "unchanged" in again and "create" not in again and "change " not in again
    assert _state(wuye_app, "jinghe") == first  # config versions did not move either


def test_defaults_cascade_into_each_community(wuye_app, cli):
    cli("tenants", "apply", str(EXAMPLE))
    shown = yaml.safe_load(cli("tenants", "show", "jinghe", "--community", "haijingbei").output)
    assert shown["config"]["core"]["service_hours"] == "08:30-17:30"  # from defaults
    assert shown["config"]["core"]["service_phone"] == "027-83002002"  # the community's own
    assert "村湾环境" in shown["config"]["tickets"]["categories"]  # override
    assert shown["config"]["tickets"]["auto_close_days"] == 7
    assert shown["config"]["tickets"]["sla"]["normal"] == {"arrive_minutes": 5, "resolve_minutes": 30}  # platform


def test_errors_name_the_file_the_path_and_the_reason(wuye_app, cli, tmp_path):
    doc = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    doc["communities"][1]["sites"][0]["kind"] = "castle"
    doc["communities"][2]["config"] = {"tickets": {"auto_close_days": 0}, "colour": {}}
    doc["communities"][0]["plugins"] = {"sample": {"config": {"greeting": "x" * 60}}, "nope": {}}
    doc["communities"][2]["code"] = "daoxiang"
    path = _write(tmp_path, doc)
    result = cli("tenants", "apply", path, ok=False)
    assert result.exit_code != 0
    out = result.output
    for expected in ("communities[1].sites[0].kind", "communities[2].config.tickets.auto_close_days",
                     "communities[2].config.colour", "communities[0].plugins.sample.config.greeting",
                     "communities[0].plugins.nope", "communities[2].code"):
        assert f"{path}: {expected}:" in out, (expected, out)
    assert _state(wuye_app, "jinghe") is None  # nothing was written


def test_bad_yaml_is_reported_with_its_line(cli, tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("tenant:\n  slug: x\n  name: [unclosed\n", encoding="utf-8")
    result = cli("tenants", "plan", str(path), ok=False)
    assert result.exit_code != 0 and "line" in result.output and "YAML" in result.output


def test_a_failed_apply_leaves_the_database_as_it_was(wuye_app, cli, tmp_path, wuye_register):
    cli("tenants", "apply", str(EXAMPLE))
    with wuye_app.app_context():
        tenant_id = db.session.scalar(select(Tenant.id).where(Tenant.slug == "jinghe"))
    admin_setup = wuye_app.test_cli_runner().invoke(args=["users", "create", "--tenant", "jinghe", "--username", "a",
                                                     "--password", "admin-pass-123", "--role", "tenant_admin"])
    assert admin_setup.exit_code == 0
    admin = login(wuye_app, "jinghe", "a", "admin-pass-123")
    sites = admin.get("/api/v1/sites?per_page=100").get_json()["items"]
    sandian_site = next(s for s in sites if s["name"] == "老供销社宿舍")
    assert admin.post("/api/v1/buildings", json={"site_id": sandian_site["id"], "name": "1栋"}).status_code == 201
    before = _state(wuye_app, "jinghe")
    doc = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    doc["communities"][0]["name"] = "稻香社区（改名）"  # a change that would be applied first…
    doc["communities"][2]["sites"] = [doc["communities"][2]["sites"][0]]  # …then a site with data to prune
    result = cli("tenants", "apply", "--prune", _write(tmp_path, doc), ok=False)
    assert result.exit_code != 0 and "nothing was changed" in result.output
    assert _state(wuye_app, "jinghe") == before  # the rename was rolled back too
    assert tenant_id is not None


def test_removal_needs_prune(wuye_app, cli, tmp_path):
    cli("tenants", "apply", str(EXAMPLE))
    doc = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    doc["communities"][1]["sites"].pop()  # 张家湾
    path = _write(tmp_path, doc)
    plan = cli("tenants", "apply", path).output
    assert "- communities[haijingbei].sites[张家湾]" in plan and "--prune" in plan
    assert "张家湾" in _state(wuye_app, "jinghe")["haijingbei"][2]
    cli("tenants", "apply", "--prune", path)
    assert _state(wuye_app, "jinghe")["haijingbei"][2] == ["海景花园"]


def test_plugins_are_enabled_per_community_from_the_file(wuye_app, cli, tmp_path):
    doc = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    doc["communities"][0]["plugins"] = {"sample": {"enabled": True, "config": {"greeting": "您好"}}}
    cli("tenants", "apply", _write(tmp_path, doc))
    cli("users", "create", "--tenant", "jinghe", "--username", "a", "--password", "admin-pass-123",
        "--role", "tenant_admin")
    admin = login(wuye_app, "jinghe", "a", "admin-pass-123")
    communities = {c["code"]: c["id"] for c in admin.get("/api/v1/communities").get_json()["items"]}
    state = admin.get(f"/api/v1/communities/{communities['daoxiang']}/plugins/sample").get_json()
    assert state["enabled"] and state["config"]["greeting"] == "您好"
    assert admin.get(f"/api/v1/plugins/sample/communities/{communities['daoxiang']}/notes").status_code == 200
    assert admin.get(f"/api/v1/plugins/sample/communities/{communities['sandian']}/notes").status_code == 404
    assert "unchanged" in cli("tenants", "apply", _write(tmp_path, doc, "again.yaml")).output


def test_export_round_trips(wuye_app, cli, tmp_path):
    cli("tenants", "apply", str(EXAMPLE))
    exported = cli("tenants", "export", "jinghe").output
    path = tmp_path / "exported.yaml"
    path.write_text(exported, encoding="utf-8")
    plan = cli("tenants", "plan", str(path)).output
    assert "create" not in plan and "change " not in plan and "remove" not in plan


def test_the_published_json_schema_is_current_and_accepts_the_examples(wuye_app, cli):
    jsonschema = pytest.importorskip("jsonschema")
    cli("tenants", "schema", "--check")
    schema = json.loads((ROOT / "tenants" / "tenant-file.schema.json").read_text(encoding="utf-8"))
    for example in sorted((ROOT / "tenants").glob("*.yaml")):
        jsonschema.validate(yaml.safe_load(example.read_text(encoding="utf-8")), schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"tenant": {"slug": "x", "name": "x", "kind": "castle"}}, schema)
