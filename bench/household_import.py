"""Household ledger import (住户台账) on PostgreSQL: 100,000 rows end to end, and its memory.

    .venv/bin/python bench/household_import.py                  # 10k and 100k rows, Excel-style files
    .venv/bin/python bench/household_import.py --rows 10000,100000 --format both

1. Drops and recreates the database `wuye_bench_import` (BENCH_IMPORT_DB), creates the app role
   `wuye_app` if missing, migrates it with `wuye db upgrade` as the owner — the way
   wuye_core/testing.py makes the test database — and creates one tenant with one community
   per measured file, each with two sites (小区一, 小区二).
2. Writes the ledger files: N rows of 13 columns (the template's), 100 units per building over
   two sites, 70 % 自住 / 20 % 租住 / 10 % 空置 (vacant rows without a head of household), an
   ID-card number (valid check digit) on 30 % of the rows, tags on 20 %, a moved-in date on all.
   `--format sst` writes them the way Excel and WPS do (text in the shared-string table),
   `inline` the way openpyxl does (inline strings); `both` measures both.
3. Each import runs in a fresh child process (so its peak RSS is its own): app created, then
   `wuye_core.imports.tasks.process()` — what the job and `wuye import households` run — timed
   from before opening the file to the last commit, connected as `wuye_app` (no ownership, no
   BYPASSRLS: ORM scoping, set_config and FORCE RLS on the path). The child reports wall time,
   CPU time, its peak RSS (resource.getrusage ru_maxrss) and its RSS right before the import.
   Then the same file is imported again into the same community (nothing changes) and timed.

Results: bench/results/household_import-<timestamp>.txt.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import date, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import setup_pg  # noqa: E402  (the database helpers every benchmark shares)

PG = os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
DB_NAME = os.environ.get("BENCH_IMPORT_DB", "wuye_bench_import")
APP_ROLE = "wuye_app"
OWNER_URL = f"{PG}/{DB_NAME}"
APP_URL = OWNER_URL.replace("://postgres@", f"://{APP_ROLE}@", 1)
SECRET = "bench-secret-key-0123456789abcdef0123456789abcdef"
ENCRYPTION_KEY = "x3UEHF6gNIr3OH_PNvnqd0rX0ESc7zh0jTuVM2xMfh0="  # a fixed Fernet key, benchmark only
RESULTS = ROOT / "bench" / "results"
HEADERS = ["小区", "楼栋", "单元", "楼层", "房号", "面积（㎡）", "类型", "户主姓名", "电话", "人数", "身份证号", "标签",
           "入住日期"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国建华志强淑珍玉兰海燕晓明红梅春梅文"


# --- the database -------------------------------------------------------------------------------


def recreate_database() -> None:
    setup_pg.recreate_database(DB_NAME)


def migrate() -> None:
    setup_pg.migrate(APP_URL, OWNER_URL)


def make_app():
    from wuye_core.app import create_app
    from wuye_core.config import Settings

    return create_app(Settings(env="development", database_url=APP_URL, migrate_database_url=OWNER_URL,
                               secret_key=SECRET, encryption_keys=ENCRYPTION_KEY, log_level="WARNING",
                               storage_url=f"file://{tempfile.gettempdir()}/wuye-bench-import-uploads"))


def setup_tenant(codes: list[str]) -> dict[str, int]:
    """One tenant, one community per code, two sites each. Returns code -> community id."""
    from wuye_core.extensions import db
    from wuye_core.households.models import Community, Site, SiteKind
    from wuye_core.tenancy import tenant_context
    from wuye_core.tenants.service import create_tenant

    app = make_app()
    with app.app_context():
        tenant = create_tenant("bench-import", "导入基准租户", "subdistrict")
        tenant_id = tenant.id
        db.session.commit()
        db.session.remove()
        from wuye_core.tenancy.context import reset_tenant

        reset_tenant()
        ids = {}
        with tenant_context(tenant_id):
            for code in codes:
                community = Community(name=f"导入社区 {code}", code=code, config={})
                db.session.add(community)
                db.session.flush()
                for name in ("小区一", "小区二"):
                    db.session.add(Site(community_id=community.id, name=name, kind=SiteKind.resettlement))
                ids[code] = community.id
            db.session.commit()
    return {"tenant_id": tenant_id, **ids}


# --- the files ----------------------------------------------------------------------------------


def id_card(rng: random.Random) -> str:
    born = date(1940, 1, 1) + timedelta(days=rng.randrange(0, 60 * 365))
    body = f"420112{born:%Y%m%d}{rng.randrange(0, 1000):03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


def ledger_rows(n: int, seed: int = 20261125):
    rng = random.Random(seed)
    for i in range(n):
        site = "小区一" if i < n // 2 else "小区二"
        building, unit = divmod(i, 100)
        entrance, rest = divmod(unit, 50)
        floor, room = divmod(rest, 2)
        roll = rng.random()
        kind = "自住" if roll < 0.7 else "租住" if roll < 0.9 else "空置"
        vacant = kind == "空置"
        name = None if vacant else rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < .6 else "")
        yield [
            site, f"{building + 1}栋", str(entrance + 1), floor + 1, f"{floor + 1}{room + 1:02d}",
            round(rng.uniform(45, 140), 2), kind, name,
            None if vacant else f"1{rng.choice('3578')}{rng.randrange(0, 10**9):09d}",
            None if vacant else rng.randint(1, 6),
            id_card(rng) if not vacant and rng.random() < 0.3 else None,
            rng.choice(["党员", "业委会", "党员、志愿者", "网格员"]) if not vacant and rng.random() < 0.2 else None,
            (date(2000, 1, 1) + timedelta(days=rng.randrange(0, 9000))).isoformat(),
        ]


def write_inline(path: Path, n: int) -> None:
    """openpyxl's own way (write-only mode: inline strings)."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("住户台账")
    ws.append(HEADERS)
    for values in ledger_rows(n):
        ws.append(values)
    wb.save(path)


def _col(index: int) -> str:
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def write_sst(path: Path, n: int) -> None:
    """Excel's and WPS's way: every text cell an index into the shared-string table (xl/sharedStrings.xml)."""
    strings: dict[str, int] = {}

    def cell(ref: str, value) -> str:
        if value is None:
            return ""
        if isinstance(value, (int, float)):
            return f'<c r="{ref}"><v>{value}</v></c>'
        index = strings.setdefault(value, len(strings))
        return f'<c r="{ref}" t="s"><v>{index}</v></c>'

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        with z.open("xl/worksheets/sheet1.xml", "w") as out:
            out.write(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://'
                      b'schemas.openxmlformats.org/spreadsheetml/2006/main">'
                      + f'<dimension ref="A1:M{n + 1}"/><sheetData>'.encode())
            for r, values in enumerate([HEADERS, *ledger_rows(n)], 1):
                cells = "".join(cell(f"{_col(c)}{r}", v) for c, v in enumerate(values, 1))
                out.write(f'<row r="{r}">{cells}</row>'.encode())
            out.write(b"</sheetData></worksheet>")
        sst = "".join(f"<si><t>{escape(s)}</t></si>" for s in strings)
        z.writestr("xl/sharedStrings.xml", '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="'
                   'http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{0}" uniqueCount="{0}">{1}</sst>'
                   .format(len(strings), sst))
        z.writestr("xl/workbook.xml", '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="'
                   'http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.'
                   'org/officeDocument/2006/relationships"><sheets><sheet name="住户台账" sheetId="1" r:id="rId1"/>'
                   '</sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0" encoding="UTF-8"?>\n<Relationships xmlns="'
                   'http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="'
                   'http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/'
                   'sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                   'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
        z.writestr("_rels/.rels", '<?xml version="1.0" encoding="UTF-8"?>\n<Relationships xmlns="http://schemas.'
                   'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
                   'openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
                   '</Relationships>')
        z.writestr("[Content_Types].xml", '<?xml version="1.0" encoding="UTF-8"?>\n<Types xmlns="http://schemas.'
                   'openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/'
                   'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/'
                   'xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
                   'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" '
                   'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                   '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
                   'officedocument.spreadsheetml.sharedStrings+xml"/></Types>')


# --- one measured import (child process) --------------------------------------------------------


def proc_status_kib(name: str) -> int:
    """VmRSS (now) or VmHWM (this process image's peak) from /proc/self/status, in KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{name}:"):
            return int(line.split()[1])
    return 0


def child(tenant_id: int, community_id: int, file: str) -> None:
    from wuye_core.extensions import db
    from wuye_core.imports.models import ImportJob, ImportStatus
    from wuye_core.imports.tasks import process
    from wuye_core.tenancy import tenant_context

    app = make_app()
    with app.app_context(), tenant_context(tenant_id):
        job = ImportJob(community_id=community_id, kind="households", status=ImportStatus.queued,
                        filename=Path(file).name, created_by="bench", errors=[])
        db.session.add(job)
        db.session.commit()
        job_id = job.id
        db.session.execute(db.select(ImportJob.id).limit(1))  # warm the pool and the RLS path
        db.session.commit()
        rss_before = proc_status_kib("VmRSS")
        cpu0, wall0 = time.process_time(), time.perf_counter()
        job = process(job_id, file)
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        result = {"status": job.status.value, "rows": job.total_rows, "created": job.created, "updated": job.updated,
                  "unchanged": job.unchanged, "failed": job.failed, "errors": job.errors[:3], "seconds": wall,
                  "cpu_seconds": cpu, "rss_before_kib": rss_before,
                  # Linux keeps ru_maxrss across execve, so the parent stays small (everything
                  # heavy runs in children); VmHWM is the peak of this process image alone.
                  "peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  "hwm_kib": proc_status_kib("VmHWM")}
    print("RESULT " + json.dumps(result, ensure_ascii=False), flush=True)


def in_child(*args: str) -> dict:
    """Run this script with `args` in a fresh process; its last line "RESULT {json}" is the answer."""
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, cwd=ROOT)
    line = next((x for x in out.stdout.splitlines() if x.startswith("RESULT ")), None)
    if line is None:
        raise SystemExit(f"child {args} failed:\n{out.stdout}\n{out.stderr}")
    return json.loads(line.removeprefix("RESULT "))


def measure(tenant_id: int, community_id: int, file: Path) -> dict:
    return in_child("--child", str(tenant_id), str(community_id), str(file))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rows", default="10000,100000", help="comma-separated row counts")
    p.add_argument("--format", choices=("sst", "inline", "both"), default="sst")
    p.add_argument("--child", nargs=3, metavar=("TENANT", "COMMUNITY", "FILE"), help=argparse.SUPPRESS)
    p.add_argument("--setup", nargs="+", help=argparse.SUPPRESS)
    p.add_argument("--write", nargs=3, metavar=("FORMAT", "ROWS", "FILE"), help=argparse.SUPPRESS)
    p.add_argument("--keep-files", action="store_true", help="keep the generated .xlsx files")
    args = p.parse_args()
    if args.child:
        child(int(args.child[0]), int(args.child[1]), args.child[2])
        return
    if args.setup:
        print("RESULT " + json.dumps(setup_tenant(args.setup)), flush=True)
        return
    if args.write:
        fmt, n, file = args.write
        t0 = time.perf_counter()
        (write_sst if fmt == "sst" else write_inline)(Path(file), int(n))
        print("RESULT " + json.dumps({"seconds": time.perf_counter() - t0}), flush=True)
        return

    from machine import code_version, wait_for_quiet

    sizes = [int(x) for x in args.rows.split(",")]
    formats = ["sst", "inline"] if args.format == "both" else [args.format]
    lines: list[str] = []

    def say(text: str = "") -> None:
        print(text, flush=True)
        lines.append(text)

    say(f"household import benchmark, code {code_version()}, {time.strftime('%Y-%m-%d %H:%M:%S')}, "
        f"{os.cpu_count()} CPUs, database {DB_NAME}")
    started = time.perf_counter()
    recreate_database()
    migrate()
    cases = [(fmt, n) for fmt in formats for n in sizes]
    ids = in_child("--setup", *[f"{fmt}-{n}" for fmt, n in cases])
    say(f"  fresh database, migrated, tenant + {len(cases)} communities: {time.perf_counter() - started:.1f} s")
    folder = Path(tempfile.mkdtemp(prefix="wuye-bench-import-"))
    results = []
    try:
        for fmt, n in cases:
            file = folder / f"ledger-{fmt}-{n}.xlsx"
            written = in_child("--write", fmt, str(n), str(file))
            with zipfile.ZipFile(file) as z:
                unpacked = sum(i.file_size for i in z.infolist())
            say(f"  wrote {file.name}: {file.stat().st_size / 1e6:.1f} MB ({unpacked / 1e6:.0f} MB unpacked) "
                f"in {written['seconds']:.1f} s")
            for attempt in ("first", "again"):
                wait_for_quiet(180)
                r = measure(ids["tenant_id"], ids[f"{fmt}-{n}"], file)
                results.append((fmt, n, attempt, r))
                say(f"  {fmt:<6} {n:>7,} rows  {attempt:<5}  {r['seconds']:6.1f} s  ({n / r['seconds']:7,.0f} rows/s, "
                    f"CPU {r['cpu_seconds']:5.1f} s)  peak RSS {r['peak_rss_kib'] / 1024:6.1f} MiB "
                    f"(VmHWM {r['hwm_kib'] / 1024:6.1f} MiB, before import {r['rss_before_kib'] / 1024:5.1f} MiB)  "
                    f"status {r['status']}: "
                    f"created {r['created']:,} updated {r['updated']:,} unchanged {r['unchanged']:,} "
                    f"failed {r['failed']:,}")
                if r["errors"]:
                    say(f"    errors: {r['errors']}")
    finally:
        if not args.keep_files:
            for f in folder.glob("*.xlsx"):
                f.unlink()
            folder.rmdir()
    say()
    say("| file | rows | import | wall | rows/s | CPU (both threads) | peak RSS (ru_maxrss) | RSS before import |")
    say("|---|---:|---|---:|---:|---:|---:|---:|")
    for fmt, n, attempt, r in results:
        say(f"| {fmt} | {n:,} | {attempt} | {r['seconds']:.1f} s | {n / r['seconds']:,.0f} | {r['cpu_seconds']:.1f} s | "
            f"{r['peak_rss_kib'] / 1024:.0f} MiB | {r['rss_before_kib'] / 1024:.0f} MiB |")
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"household_import-{time.strftime('%Y%m%d-%H%M%S')}.txt"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"\nwritten {out}")


if __name__ == "__main__":
    main()
