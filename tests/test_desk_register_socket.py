"""``dcf serve --workers N``: a secondary hands its register rows to the primary over the desk's register
socket (``dcf_spatial.desk.workers.RegisterDoor``), not over HTTP. In one process here, on a real unix socket
and a fixture store: a group handed over is written once and its ids answered; a connection without the
desk's key writes nothing; a secondary that dies mid-frame writes nothing, one that dies after sending a
whole group (before the answer) has it written exactly once — never twice, never half."""

from __future__ import annotations

import socket
import threading

import pytest

from browser import make_fixture_store

KEY = "k" * 32


@pytest.fixture()
def store(tmp_path):
    return make_fixture_store(tmp_path / "store.gpkg")


@pytest.fixture()
def door(store, tmp_path):
    from dcf_spatial.desk.workers import RegisterDoor

    path = str(tmp_path / "register.sock")
    listening = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listening.bind(path)
    listening.listen(8)
    d = RegisterDoor(listening, KEY, store)
    d.start()
    try:
        yield path
    finally:
        d.close()
        listening.close()


def _payload(store, names):
    """The bytes a secondary sends for one group: one recorded check per name (as encode_jobs makes them)."""
    import dcf_spatial as dcf
    from dcf_spatial.register import record
    from dcf_spatial.store.locate import resolve_store, writable_location

    answer = dcf.check_site("115.75,36.35", "C34", store=store)
    # no site geometry kept (None): the row's other fields are what the test compares
    jobs = [record._Job([answer.results[0]], [record.rerun_input([None], "C34", {}, {})], [None], name, None, "", None)
            for name in names]
    return record.encode_jobs(writable_location(resolve_store(store)), jobs)


def _projects(store) -> list:
    from dcf_spatial.register import tables
    from dcf_spatial.store import catalog

    return list(tables.read_records(catalog._store(store))["project"])


def _connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.settimeout(120)   # a broken door would hang the test, not pass it
    return s


def test_a_group_handed_over_is_written_once_with_its_ids(store, door):
    import json

    from dcf_spatial.desk.workers import _register_sender

    send = _register_sender(door, KEY)
    first = json.loads(send(_payload(store, ["甲", "乙"])))["outcomes"]
    second = json.loads(send(_payload(store, ["丙"])))["outcomes"]   # the kept connection, a second group
    ids = [i for o in first + second for i in o["ids"]]
    assert len(ids) == 3 and len(set(ids)) == 3
    assert _projects(store) == ["甲", "乙", "丙"]


def test_a_connection_without_the_desks_key_writes_nothing(store, door):
    from dcf_spatial.desk.workers import _recv_exact, _send_frame

    payload = _payload(store, ["伪造"])
    for first in (b"0" * 32, payload):     # a guessed key; the group itself sent as the first frame
        s = _connect(door)
        _send_frame(s, first)
        try:
            _send_frame(s, payload)
        except OSError:
            pass   # already closed by the primary
        try:
            answer = _recv_exact(s, 1)
        except ConnectionResetError:   # closed with our second frame unread: the kernel resets (a race)
            answer = None
        assert answer is None   # closed unanswered
        s.close()
    assert _projects(store) == []


def test_a_secondary_killed_mid_group_writes_nothing_and_after_sending_writes_once(store, door):
    from dcf_spatial.desk.workers import _FRAME, _send_frame

    payload = _payload(store, ["半截"])
    s = _connect(door)
    _send_frame(s, KEY.encode())
    s.sendall(_FRAME.pack(len(payload)) + payload[: len(payload) // 2])   # dies halfway through the frame
    s.close()
    s = _connect(door)
    _send_frame(s, KEY.encode())
    _send_frame(s, _payload(store, ["整组"]))
    s.close()                                   # dies before reading the answer
    # a third group on a fresh connection is answered only after the second was written (one group commit):
    # once it is answered, every earlier whole group is in the register
    from dcf_spatial.desk.workers import _register_sender

    _register_sender(door, KEY)(_payload(store, ["之后"]))
    done = threading.Event()
    for _ in range(600):   # the dead secondary's group may still be being written: wait for it, no time asserted
        if "整组" in _projects(store):
            done.set()
            break
        threading.Event().wait(0.1)
    assert done.is_set()
    assert sorted(_projects(store)) == sorted(["整组", "之后"])   # never the half group, never twice
