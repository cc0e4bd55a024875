"""Several instances, one register (PostgreSQL): real processes at once never store a mail twice,
never send a reply twice, send one digest a day between them; one poller per mailbox by a lease."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import func, update
from sqlmodel import col, select

from shenbao.errors import StoreError
from shenbao.replies.claims import machine_now, owner_id
from shenbao.service.digest_job import LAST_SLOT_KEY
from shenbao.store.migrations import campaign_key
from shenbao.service.instance import LEASE_TTL, LeaseRenewer, instance_guard, take_lease
from shenbao.store.db import Store, utc_iso
from shenbao.store.models import Email, Lease, Meta, Reply
from shenbao.samples.build import CST, build_email, nomination_email
from tests.shenbao.conftest import Service, service_config

ROOT = Path(__file__).resolve().parents[2]
SLOT = datetime(2021, 4, 27, 8, 30, tzinfo=CST)
OTHER_HOST = "other-host.example/4242/99"


def _install(root: Path, url: str, name: str) -> Path:
    """Instance ``name``'s config: the shared register and data_dir, the shared folder mailbox,
    its own folder of sent replies."""
    (root / "mailbox").mkdir(exist_ok=True)
    config = root / f"config-{name}.toml"
    text = service_config(url).replace('path = "replies"', f'path = "replies-{name}"')
    config.write_text(text + '\n[digest]\nrecipients = ["office@example.com"]\n', encoding="utf-8")
    return config


def _at_once(mode: str, configs: list[Path], *extra: str) -> list[dict[str, object]]:
    """Run ``mode`` in one process per config, all starting their work at the same moment."""
    go = configs[0].parent / f"go-{mode}"
    processes = [subprocess.Popen([sys.executable, "-m", "tests.shenbao.instances_worker", mode, str(c), str(go), *extra],
                                  cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for c in configs]
    for process in processes:
        assert process.stdout is not None and process.stdout.readline() == b"ready\n", process.communicate()[1].decode()
    go.touch()
    results = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err.decode()
        results.append(json.loads(out.decode().strip().splitlines()[-1]))
    return results


@pytest.fixture
def two(tmp_path: Path, postgres_url: str) -> tuple[Store, list[Path]]:
    configs = [_install(tmp_path, postgres_url, name) for name in ("a", "b")]
    return Store(postgres_url, tmp_path / "var" / "data"), configs


def test_two_instances_on_one_mailbox_store_each_mail_once(two: tuple[Store, list[Path]]) -> None:
    store, configs = two
    service = Service(configs[0].parent)
    for number in range(40):
        raw = build_email(from_addr="jfqzgh@163.com", from_name="解放区总工会", subject=f"推荐材料{number}",
                          text="见附件", attachments=[])
        service.deliver(f"{number:03}.eml", raw, SLOT)
    a, b = _at_once("save", configs)
    saved_a, saved_b = set(a["saved"]), set(b["saved"])  # type: ignore[call-overload]
    assert not saved_a & saved_b and len(saved_a | saved_b) == 40
    with store.session() as s:
        assert s.exec(select(func.count()).select_from(Email)).one() == 40


def test_two_instances_processing_at_once_process_and_answer_each_mail_once(two: tuple[Store, list[Path]]) -> None:
    """GIVEN 12 stored nominations on a shared register WHEN two instances process the stored mail at
    once (each looking at all of it) THEN each mail is processed once, by one of them, and answered once."""
    store, configs = two
    service = Service(configs[0].parent)
    for number in range(12):
        service.deliver(f"{number:03}.eml", nomination_email("missing_photos", unit="解放区总工会",
                                                             candidate=f"王{'一二三四五六七八九十甲乙'[number]}明"), SLOT)
    _at_once("save", configs[:1])
    _at_once("process", configs, SLOT.isoformat())
    with store.session() as s:
        emails = list(s.exec(select(Email)))
        replies = list(s.exec(select(Reply)))
    assert {e.state for e in emails} == {"processed"} and not [e for e in emails if e.disposition.startswith("error")]
    assert sorted(r.email_id for r in replies) == sorted(e.id for e in emails)  # one reply per mail


def _queue(store: Store, count: int) -> None:
    with store.session() as s:
        for number in range(count):
            message = EmailMessage()
            message["From"], message["To"], message["Subject"] = "jzghxjb@163.com", f"u{number}@163.com", f"回复{number}"
            message["Message-ID"] = f"<shenbao.test{number}@163.com>"
            message.set_content("材料已收到")
            s.add(Reply(to_addr=f"u{number}@163.com", kind="incomplete", raw=message.as_bytes(), state="pending",
                        message_id=f"shenbao.test{number}@163.com"))
        s.commit()


def test_two_instances_sending_at_once_send_every_reply_exactly_once(two: tuple[Store, list[Path]]) -> None:
    store, configs = two
    _queue(store, 60)
    results = _at_once("send", configs)
    files = [p.name for name in ("a", "b") for p in (configs[0].parent / f"replies-{name}").glob("*.eml")]
    assert sum(int(r["sent"]) for r in results) == 60 == len(files) == len(set(files))  # type: ignore[call-overload]
    with store.session() as s:
        assert {(r.state, r.attempts) for r in s.exec(select(Reply))} == {("sent", 1)}  # each claimed once


@pytest.mark.parametrize("last_slot", [None, SLOT - timedelta(days=1)], ids=["first digest", "the next day"])
def test_two_instances_queue_one_digest_for_a_slot(two: tuple[Store, list[Path]], last_slot: datetime | None) -> None:
    store, configs = two
    if last_slot is not None:
        with store.session() as s:
            s.add(Meta(key=campaign_key(LAST_SLOT_KEY, store.campaign), value=utc_iso(last_slot)))
            s.commit()
    results = _at_once("digest", configs, SLOT.isoformat())
    assert sorted(r["queued"] for r in results) == [False, True]  # type: ignore[type-var]
    with store.session() as s:
        assert len(list(s.exec(select(Reply).where(Reply.kind == "digest")))) == 1


# --- the lease: one poller per mailbox ----------------------------------------------------------


@pytest.fixture
def store(tmp_path: Path, postgres_url: str) -> Store:
    return Store(postgres_url, tmp_path / "data")


def _lease(store: Store, owner: str, until: datetime) -> None:
    with store.session() as s:
        s.add(Lease(name="mailbox folder:/m", owner=owner, lease_until=utc_iso(until)))
        s.commit()


def test_a_mailbox_served_by_a_live_instance_elsewhere_is_refused_naming_it(store: Store, tmp_path: Path) -> None:
    _lease(store, OTHER_HOST, machine_now() + LEASE_TTL)
    with pytest.raises(StoreError, match=f"folder:/m: already served by {OTHER_HOST}"):
        with instance_guard(tmp_path, store, "folder:/m"):
            pass


@pytest.mark.parametrize("owner, until", [
    (OTHER_HOST, timedelta(seconds=-1)),  # that host died or hung: its lease ran out
    (f"{socket.gethostname()}/999999999/1", LEASE_TTL),  # on this host, and that process runs no more
], ids=["lease expired", "owner gone"])
def test_a_lease_of_an_instance_that_is_gone_is_taken_over_and_given_up_on_exit(
        store: Store, tmp_path: Path, owner: str, until: timedelta) -> None:
    _lease(store, owner, machine_now() + until)
    with instance_guard(tmp_path, store, "folder:/m"):
        with store.session() as s:
            lease = s.get(Lease, "mailbox folder:/m")
            assert lease is not None and lease.owner == owner_id() and lease.lease_until > utc_iso(machine_now())
    with store.session() as s:
        assert s.get(Lease, "mailbox folder:/m") is None


def test_an_instance_whose_lease_was_taken_is_told_to_stop(store: Store) -> None:
    assert take_lease(store, "mailbox folder:/m", owner_id(), machine_now()) is None
    lost = threading.Event()
    renewer = LeaseRenewer(store, "mailbox folder:/m", owner_id(), lost.set, every=0.05)
    renewer.start()
    time.sleep(0.2)
    assert not lost.is_set()  # renewing its own lease
    with store.session() as s:
        s.exec(update(Lease).values(owner=OTHER_HOST, lease_until=utc_iso(machine_now() + LEASE_TTL)))
        s.commit()
    assert lost.wait(5)
    renewer.done.set()
    renewer.join()


def test_run_once_refuses_a_mailbox_another_instance_serves_and_gives_its_own_lease_back(
        tmp_path: Path, postgres_url: str) -> None:
    service = Service(tmp_path)
    config = _install(tmp_path, postgres_url, "a")
    (tmp_path / "config.toml").write_text(config.read_text(encoding="utf-8"), encoding="utf-8")
    service.cli("migrate")
    store = Store(postgres_url, tmp_path / "var" / "data")
    name = f"mailbox folder:{tmp_path / 'mailbox'}"
    with store.session() as s:
        s.add(Lease(name=name, owner=OTHER_HOST, lease_until=utc_iso(machine_now() + LEASE_TTL)))
        s.commit()
    refused = service.cli("run", "--once")
    assert refused.exit_code == 1 and f"already served by {OTHER_HOST}" in refused.output
    with store.session() as s:
        s.exec(update(Lease).where(col(Lease.name) == name).values(lease_until=utc_iso(machine_now())))
        s.commit()
    assert service.cli("run", "--once").exit_code == 0
    with store.session() as s:
        assert s.exec(select(Lease)).all() == []
