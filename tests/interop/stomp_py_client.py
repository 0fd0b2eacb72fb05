"""Interop client: drives the broker with Python's stomp.py the way a new user would.

Usage: /usr/bin/python3 tests/interop/stomp_py_client.py PORT

Connects with STOMP 1.2, sends, subscribes with client-individual ack, ACKs and NACKs,
begins/aborts/commits transactions, then prints one JSON object on stdout describing
what the broker sent back. tests/interop/stomp_py_test.ts runs it and checks the JSON.
Every wait is bounded (WAIT_S); on failure it still prints JSON, with "failure" set,
and exits 1.
"""

import json
import sys
import threading
import traceback

import stomp

WAIT_S = 5.0
HOST = "127.0.0.1"


class Recorder(stomp.ConnectionListener):
    """Collects what the broker sends; the main thread waits on it with a timeout."""

    def __init__(self):
        self.cond = threading.Condition()
        self.connected = None
        self.messages = []
        self.receipts = set()
        self.errors = []

    def on_connected(self, frame):
        with self.cond:
            self.connected = dict(frame.headers)
            self.cond.notify_all()

    def on_message(self, frame):
        with self.cond:
            self.messages.append(frame)
            self.cond.notify_all()

    def on_receipt(self, frame):
        with self.cond:
            self.receipts.add(frame.headers["receipt-id"])
            self.cond.notify_all()

    def on_error(self, frame):
        with self.cond:
            self.errors.append({"message": frame.headers.get("message"), "body": frame.body})
            self.cond.notify_all()

    def wait_for(self, predicate, what):
        with self.cond:
            if not self.cond.wait_for(lambda: predicate() or self.errors, WAIT_S):
                raise TimeoutError(f"no {what} within {WAIT_S} s")
            if self.errors and not predicate():
                raise RuntimeError(f"ERROR frame while waiting for {what}: {self.errors[-1]}")

    def next_message(self, subscription):
        """Removes and returns the oldest MESSAGE of that subscription."""

        def find():
            return next((m for m in self.messages if m.headers.get("subscription") == subscription), None)

        self.wait_for(lambda: find() is not None, f"MESSAGE on subscription {subscription}")
        with self.cond:
            frame = find()
            self.messages.remove(frame)
            return frame


class Client:
    """A stomp.py connection plus receipts, so each step is confirmed before the next."""

    def __init__(self, port, recorder):
        self.recorder = recorder
        self.conn = stomp.Connection12([(HOST, port)], heartbeats=(0, 0), timeout=WAIT_S)
        self.conn.set_listener("recorder", recorder)
        self._receipt = 0

    def receipt(self):
        self._receipt += 1
        return f"py-{self._receipt}"

    def confirmed(self, call, *args, **kwargs):
        """Runs a stomp.py call with a receipt header and waits for the RECEIPT."""
        rid = self.receipt()
        result = call(*args, receipt=rid, **kwargs)
        self.recorder.wait_for(lambda: rid in self.recorder.receipts, f"RECEIPT {rid} for {call.__name__}")
        return result


def describe(frame):
    return {"body": frame.body, "headers": dict(frame.headers)}


def run(port):
    rec = Recorder()
    client = Client(port, rec)
    conn = client.conn
    result = {}

    conn.connect(wait=True, headers={"client-id": "stomp-py-interop"})
    rec.wait_for(lambda: rec.connected is not None, "CONNECTED")
    result["connected"] = rec.connected

    # Queue with client-individual acks: ack one and three, nack two (→ ActiveMQ.DLQ).
    client.confirmed(conn.subscribe, "/queue/py.work", id="work", ack="client-individual")
    for body in ["one", "two", "three"]:
        client.confirmed(conn.send, "/queue/py.work", body, headers={"persistent": "true", "origin": "stomp.py"})
    work = [client.recorder.next_message("work") for _ in range(3)]
    result["work"] = [describe(m) for m in work]
    client.confirmed(conn.ack, work[0].headers["ack"])
    client.confirmed(conn.nack, work[1].headers["ack"])
    client.confirmed(conn.ack, work[2].headers["ack"])

    client.confirmed(conn.subscribe, "/queue/ActiveMQ.DLQ", id="dlq", ack="auto")
    result["dlq"] = describe(rec.next_message("dlq"))

    # Transactions: an aborted send never arrives; a committed one arrives only after COMMIT.
    client.confirmed(conn.subscribe, "/queue/py.tx", id="tx", ack="auto")
    aborted = conn.begin()
    client.confirmed(conn.send, "/queue/py.tx", "aborted", transaction=aborted)
    client.confirmed(conn.abort, aborted)
    committed = conn.begin()
    client.confirmed(conn.send, "/queue/py.tx", "committed", transaction=committed)
    client.confirmed(conn.send, "/queue/py.tx", "outside")
    tx_order = [rec.next_message("tx").body]  # must be "outside": the transaction is still open
    client.confirmed(conn.commit, committed)
    client.confirmed(conn.send, "/queue/py.tx", "after")
    tx_order += [rec.next_message("tx").body, rec.next_message("tx").body]
    result["tx"] = tx_order

    # A transacted ACK: consumed once the transaction commits.
    client.confirmed(conn.subscribe, "/queue/py.txack", id="txack", ack="client-individual")
    client.confirmed(conn.send, "/queue/py.txack", "to-ack-in-tx")
    to_ack = rec.next_message("txack")
    tx = conn.begin()
    client.confirmed(conn.ack, to_ack.headers["ack"], transaction=tx)
    client.confirmed(conn.commit, tx)

    conn.disconnect()
    result["leftover_messages"] = [describe(m) for m in rec.messages]
    result["errors"] = rec.errors
    return result


def main():
    if len(sys.argv) != 2:
        print("usage: stomp_py_client.py PORT", file=sys.stderr)
        return 2
    try:
        result = run(int(sys.argv[1]))
        result["stomp_py_version"] = ".".join(str(p) for p in stomp.__version__)
        print(json.dumps(result))
        return 0
    except Exception as err:  # report any failure as JSON so the test can show it
        print(json.dumps({"failure": f"{type(err).__name__}: {err}", "trace": traceback.format_exc()}))
        return 1


if __name__ == "__main__":
    sys.exit(main())
