"""Round-trip times of the WeChat and IVR channels against local servers (a measurement, not a test).

    python benchmarks/channel_roundtrip.py --start          # start the action and Rasa servers itself
                                                            # (demo database in a temp dir, test credentials)
    python benchmarks/channel_roundtrip.py --rasa http://127.0.0.1:5005   # servers already running; needs the
        # same WECHAT_TOKEN, WECHAT_APP_ID, WECHAT_AES_KEY, IVR_TOKEN (and DATABASE_URL for the balance case)

Each case sends --requests requests one after another (new conversation each) and prints median, p95 and max
of the time from sending the request to having the whole passive reply / speech answer:

    wechat text        FAQ question, plaintext, passive reply
    wechat aes         the same in safe mode (decrypt + encrypt)
    ivr speech         FAQ question as an ASR turn
    ivr dtmf balance   the verification digits keyed in → the balance spoken (action server + database)
"""
from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Callable, Dict, List, Optional

import requests
import xmltodict
from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import WeChatSigner

PROJECT_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_DIR))

from tests.e2e.servers import free_port, wait_until_ready  # noqa: E402  (needs the project on sys.path)

BENCH_SECRETS = {
    "WECHAT_TOKEN": "bench-wechat-token",
    "WECHAT_APP_ID": "wxbench00000000000",
    "WECHAT_APP_SECRET": "bench-wechat-secret",
    "WECHAT_AES_KEY": "benchEncodingAESKey0123456789abcdefghijklmn",
    "IVR_TOKEN": "bench-ivr-token",
}
QUESTION = "为什么暖气费要按面积收"
ACCOUNT = "3100000002"


def start_servers(work: Path) -> tuple[str, str, List[subprocess.Popen]]:
    """Demo database, action server and Rasa server (latest model) with the benchmark's credentials."""
    import datetime as dt

    from bot.db import migrate
    from bot.db.session import make_engine
    from bot.demo.generator import generate
    from bot.policy import default_policy
    from bot.training import latest_model

    model = latest_model()
    if model is None:
        raise SystemExit("no trained model in models/")
    database = f"sqlite:///{work / 'billing.db'}"
    migrate.upgrade(database)
    generate(make_engine(database), default_policy(), accounts=60, as_of=dt.date(2026, 11, 26))
    action_port, rasa_port = free_port(), free_port()
    endpoints = work / "endpoints.yml"
    endpoints.write_text(f'action_endpoint:\n  url: "http://127.0.0.1:{action_port}/webhook"\n', encoding="utf-8")
    env = dict(os.environ, DATABASE_URL=database, BOT_TODAY="2026-11-26", PYTHONPATH=str(PROJECT_DIR),
               **BENCH_SECRETS)
    rasa = [sys.executable, "-m", "rasa"]
    processes: List[subprocess.Popen] = []
    for name, command, health in (
        ("actions", rasa + ["run", "actions", "--port", str(action_port), "--actions", "actions"],
         f"http://127.0.0.1:{action_port}/health"),
        ("rasa", rasa + ["run", "--model", str(model), "--port", str(rasa_port), "--endpoints", str(endpoints),
                         "--credentials", "credentials.yml"], f"http://127.0.0.1:{rasa_port}/"),
    ):
        log = work / f"{name}.log"
        process = subprocess.Popen(command, cwd=PROJECT_DIR, env=env, stdout=log.open("w"),
                                   stderr=subprocess.STDOUT, start_new_session=True)
        processes.append(process)
        wait_until_ready(health, process, log, 240)
    os.environ.update(BENCH_SECRETS, DATABASE_URL=database)
    return f"http://127.0.0.1:{rasa_port}", database, processes


def stop_servers(processes: List[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


class WeChat:
    def __init__(self, rasa: str) -> None:
        self.url = f"{rasa}/webhooks/wechat/webhook"
        self.token = os.environ["WECHAT_TOKEN"]
        self.crypto = WeChatCrypto(self.token, os.environ["WECHAT_AES_KEY"], os.environ["WECHAT_APP_ID"])
        self.msg_id = int(time.time() * 1000)

    def say(self, openid: str, text: str, aes: bool = False) -> str:
        self.msg_id += 1
        xml = (f"<xml><ToUserName><![CDATA[gh_bench]]></ToUserName><FromUserName><![CDATA[{openid}]]>"
               f"</FromUserName><CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
               f"<Content><![CDATA[{text}]]></Content><MsgId>{self.msg_id}</MsgId></xml>")
        timestamp, nonce = str(int(time.time())), uuid.uuid4().hex[:10]
        signer = WeChatSigner()
        signer.add_data(self.token, timestamp, nonce)
        query = {"signature": signer.signature, "timestamp": timestamp, "nonce": nonce}
        if aes:
            xml = self.crypto.encrypt_message(xml, nonce, timestamp)
            query.update(encrypt_type="aes", msg_signature=xmltodict.parse(xml)["xml"]["MsgSignature"])
        response = requests.post(self.url, params=query, data=xml.encode(), timeout=30)
        response.raise_for_status()
        body = response.text
        if body == "success":
            return ""
        if aes:
            envelope = xmltodict.parse(body)["xml"]
            body = self.crypto.decrypt_message(body, envelope["MsgSignature"], envelope["TimeStamp"], envelope["Nonce"])
        return xmltodict.parse(body)["xml"]["Content"]


class IVR:
    def __init__(self, rasa: str) -> None:
        self.url = f"{rasa}/webhooks/ivr/turn"
        self.headers = {"X-IVR-Token": os.environ["IVR_TOKEN"]}

    def turn(self, call_id: str, **fields) -> Dict:
        response = requests.post(self.url, json={"call_id": call_id, "caller": "13800138000", **fields},
                                 headers=self.headers, timeout=30)
        response.raise_for_status()
        return response.json()


def measure(name: str, count: int, prepare: Callable[[int], object], run: Callable[[object], str],
            check: Callable[[str], bool]) -> None:
    times: List[float] = []
    failures = 0
    for index in range(count):
        state = prepare(index)
        started = time.perf_counter()
        answer = run(state)
        times.append((time.perf_counter() - started) * 1000)
        failures += 0 if check(answer) else 1
    p95 = statistics.quantiles(times, n=20, method="inclusive")[-1] if len(times) >= 2 else times[0]
    print(f"{name:<18} n={count:<3} median {statistics.median(times):7.1f} ms   p95 {p95:7.1f} ms   "
          f"max {max(times):7.1f} ms   unexpected answers {failures}")


def phone_last4(database: Optional[str]) -> Optional[str]:
    if not database:
        return None
    from sqlalchemy import select

    from bot.db.models import Account, Customer
    from bot.db.session import make_engine, open_session

    with open_session(make_engine(database)) as session:
        phone = session.execute(select(Customer.phone).join(Account, Account.customer_id == Customer.id)
                                .where(Account.account_no == ACCOUNT)).scalar_one_or_none()
    return phone[-4:] if phone else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--start", action="store_true", help="start the servers with test credentials")
    parser.add_argument("--rasa", default="http://127.0.0.1:5005", help="Rasa server when not --start")
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()
    processes: List[subprocess.Popen] = []
    database = os.environ.get("DATABASE_URL")
    with tempfile.TemporaryDirectory() as work:
        try:
            rasa = args.rasa
            if args.start:
                print("starting the action and Rasa servers …", flush=True)
                rasa, database, processes = start_servers(Path(work))
            wechat, ivr = WeChat(rasa), IVR(rasa)
            # One warm-up each, so model loading and first-call caches are not measured.
            wechat.say("o-warmup", QUESTION)
            ivr.turn("warmup", asr={"text": QUESTION, "confidence": 0.9})
            print(f"{os.cpu_count()} CPU cores; load average {os.getloadavg()[0]:.2f}; {rasa}")
            measure("wechat text", args.requests, lambda i: f"o-bench-{uuid.uuid4().hex[:12]}",
                    lambda openid: wechat.say(openid, QUESTION), lambda a: "面积" in a)
            measure("wechat aes", args.requests, lambda i: f"o-bench-{uuid.uuid4().hex[:12]}",
                    lambda openid: wechat.say(openid, QUESTION, aes=True), lambda a: "面积" in a)
            measure("ivr speech", args.requests, lambda i: uuid.uuid4().hex,
                    lambda call: ivr.turn(call, asr={"text": QUESTION, "confidence": 0.9})["text"],
                    lambda a: "面积" in a)
            last4 = phone_last4(database)
            if last4:
                def prepare(_: int) -> str:
                    call = uuid.uuid4().hex
                    ivr.turn(call, asr={"text": "我家还欠多少钱", "confidence": 0.9})
                    ivr.turn(call, dtmf=ACCOUNT + "#")
                    return call

                measure("ivr dtmf balance", args.requests, prepare,
                        lambda call: ivr.turn(call, dtmf=last4 + "#")["text"], lambda a: "元" in a)
            else:
                print("ivr dtmf balance   skipped (no DATABASE_URL to read the demo phone number)")
        finally:
            stop_servers(processes)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
