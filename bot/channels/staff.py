"""Staff console for human handoff, served by the Rasa server itself (registered in credentials.yml as
`bot.channels.staff.StaffConsole`, mounted at /webhooks/staff/).

- HTML pages for agents (login required): waiting conversations, transcript and summary, reply, hand back.
- The same as a JSON API under /webhooks/staff/api/ for a contact-centre system (Bearer token).
Replies go out through the conversation's own channel when that channel can push (socket.io web chat,
WeChat customer-service messages); they are always written into the conversation's history.
"""
from __future__ import annotations

import asyncio
import html
import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted, BotUttered, ConversationResumed
from sanic import Blueprint, response
from sanic.request import Request

from bot.db.session import get_engine
from bot.services import handoff
from bot.services.staff_auth import SESSION_SECONDS, StaffAuth

logger = logging.getLogger(__name__)
COOKIE = "staff_session"
BASE = "/webhooks/staff"
BACK_TO_ASSISTANT = "人工客服已结束本次服务，智能助手将继续为您服务。还有什么可以帮您？"
SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline'",
    "Cache-Control": "no-store",
}


DB_TIMEOUT_SECONDS = 5.0


async def _db(function, *args):
    """Database work off the server's event loop, with a deadline: other conversations keep flowing."""
    return await asyncio.wait_for(asyncio.to_thread(function, get_engine(), *args), timeout=DB_TIMEOUT_SECONDS)


def _page(title: str, body: str, status: int = 200):
    document = f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{html.escape(title)}</title>
<style>
body{{font-family:system-ui,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:0;background:#f4f6f8;color:#1d2733;font-size:16px}}
header{{background:#b3261e;color:#fff;padding:12px 20px;display:flex;justify-content:space-between;align-items:center}}
header a,header button{{color:#fff;background:none;border:0;font-size:15px;cursor:pointer}}
main{{max-width:980px;margin:20px auto;padding:0 16px}} table{{width:100%;border-collapse:collapse;background:#fff}}
th,td{{padding:8px 10px;border-bottom:1px solid #dde3ea;text-align:left;vertical-align:top}}
.card{{background:#fff;border-radius:8px;padding:16px;margin-bottom:16px;box-shadow:0 1px 2px #0002}}
.high{{color:#b3261e;font-weight:bold}} .turn{{margin:6px 0}} .who{{font-weight:bold;margin-right:6px}}
textarea,input{{width:100%;box-sizing:border-box;font-size:16px;padding:8px;margin:6px 0}}
button.primary{{background:#1d5fbf;color:#fff;border:0;border-radius:6px;padding:10px 18px;font-size:16px;cursor:pointer}}
button.secondary{{background:#5f6b7a;color:#fff;border:0;border-radius:6px;padding:10px 18px;font-size:16px;cursor:pointer}}
.error{{color:#b3261e}} .note{{color:#5f6b7a;font-size:14px}}
</style></head><body>{body}</body></html>"""
    return response.html(document, status=status, headers=SECURITY_HEADERS)


def _header(agent: str) -> str:
    return (
        f'<header><a href="{BASE}/">人工客服工作台</a><form method="post" action="{BASE}/logout">'
        f"<span>{html.escape(agent)}</span> <button>退出</button></form></header>"
    )


def _transcript(events: List[Dict[str, Any]]) -> List[Dict[str, str]]:
    turns = []
    for event in events:
        if event.get("event") == "user":
            turns.append({"who": "客户", "text": event.get("text") or ""})
        elif event.get("event") == "bot" and event.get("text"):
            agent = (event.get("metadata") or {}).get("agent")
            turns.append({"who": f"客服 {agent}" if agent else "助手", "text": event["text"]})
    return turns


class StaffConsole(InputChannel):
    """Not a customer channel: a console for agents, mounted next to the channels it serves."""

    @classmethod
    def name(cls) -> Text:
        return "staff"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "StaffConsole":
        return cls()

    def __init__(self) -> None:
        self.auth = StaffAuth.from_env()
        if not self.auth.users:
            logger.warning("STAFF_USERS is not set: nobody can sign in to the staff console")

    # ------------------------------------------------------------------ helpers
    def _agent(self, request: Request) -> Optional[str]:
        header = request.headers.get("authorization", "")
        token = header[7:] if header.lower().startswith("bearer ") else request.cookies.get(COOKIE)
        return self.auth.agent_for(token)

    async def _tracker(self, request: Request, conversation_id: str):
        agent = request.app.ctx.agent
        return await agent.tracker_store.retrieve(conversation_id)

    async def _append(self, request: Request, conversation_id: str, *events) -> None:
        """Write events into the conversation under its lock, so they interleave safely with live turns."""
        agent = request.app.ctx.agent
        async with agent.lock_store.lock(conversation_id):
            tracker = await agent.processor.fetch_tracker_with_initial_session(conversation_id)
            for event in events:
                tracker.update(event)
            await agent.processor.save_tracker(tracker)

    async def _deliver(self, request: Request, channel: str, recipient: str, text: str) -> bool:
        """Push a message through the conversation's own channel, if that channel can push."""
        for input_channel in getattr(request.app.ctx, "input_channels", []):
            if input_channel.name() == channel:
                output = input_channel.get_output_channel()
                if output is not None:
                    await output.send_text_message(recipient, text)
                    return True
        return False

    async def _reply(self, request: Request, item: handoff.HandoffView, agent: str, text: str) -> bool:
        await self._append(request, item.conversation_id, BotUttered(text, metadata={"agent": agent}))
        return await self._deliver(request, item.channel, item.conversation_id, text)

    async def _release(self, request: Request, item: handoff.HandoffView, agent: str) -> bool:
        # The messages written while paused were the agent's to answer: the dialogue resumes listening, so the
        # policies do not try to continue a request (say 报修) that the agent has already dealt with.
        await self._append(
            request, item.conversation_id, ConversationResumed(), ActionExecuted(ACTION_LISTEN_NAME),
            BotUttered(BACK_TO_ASSISTANT, metadata={"agent": agent}),
        )
        return await self._deliver(request, item.channel, item.conversation_id, BACK_TO_ASSISTANT)

    # ------------------------------------------------------------------ routes
    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("staff_console", __name__)

        def login_required(handler):
            async def wrapped(request: Request, *args, **kwargs):
                agent = self._agent(request)
                if agent is None:
                    return response.redirect(f"{BASE}/")
                try:
                    return await handler(request, agent, *args, **kwargs)
                except handoff.HandoffError as exc:
                    body = _header(agent) + f'<main><p class="error">{html.escape(str(exc))}</p></main>'
                    return _page("无法办理", body, status=409)

            wrapped.__name__ = handler.__name__
            return wrapped

        def api_auth(handler):
            async def wrapped(request: Request, *args, **kwargs):
                agent = self._agent(request)
                if agent is None:
                    return response.json({"error": "unauthorized"}, status=401)
                try:
                    return await handler(request, agent, *args, **kwargs)
                except handoff.HandoffError as exc:
                    return response.json({"error": str(exc)}, status=409)

            wrapped.__name__ = handler.__name__
            return wrapped

        @bp.route("/", methods=["GET"])
        async def index(request: Request):
            agent = self._agent(request)
            if agent is None:
                return _page("登录", self._login_form())
            items = await _db(handoff.list_handoffs)
            rows = "".join(
                f'<tr><td><a href="{BASE}/handoffs/{i.id}">{html.escape(i.reference)}</a></td>'
                f"<td>{html.escape(i.channel)}</td><td>{html.escape(i.summary.get('reason_text', i.reason))}</td>"
                f"<td class=\"{'high' if i.urgency == 'high' else ''}\">{'紧急' if i.urgency == 'high' else '一般'}</td>"
                f"<td>{'处理中 · ' + html.escape(i.claimed_by or '') if i.status == 'active' else '等待中'}</td>"
                f"<td>{i.created_at:%m-%d %H:%M}</td></tr>"
                for i in items
            ) or '<tr><td colspan="6">目前没有等待人工处理的会话。</td></tr>'
            body = (
                _header(agent)
                + "<main><h2>待处理会话</h2><table><tr><th>编号</th><th>渠道</th><th>原因</th><th>紧急程度</th>"
                + f"<th>状态</th><th>时间</th></tr>{rows}</table></main>"
            )
            return _page("待处理会话", body)

        @bp.route("/login", methods=["POST"])
        async def login(request: Request):
            token = self.auth.login(request.form.get("name", ""), request.form.get("password", ""))
            if token is None:
                return _page("登录", self._login_form("用户名或密码不正确。"), status=401)
            result = response.redirect(f"{BASE}/")
            result.cookies[COOKIE] = token
            result.cookies[COOKIE]["httponly"] = True
            result.cookies[COOKIE]["samesite"] = "Strict"
            result.cookies[COOKIE]["max-age"] = SESSION_SECONDS
            result.cookies[COOKIE]["path"] = BASE
            if request.scheme == "https":
                result.cookies[COOKIE]["secure"] = True
            return result

        @bp.route("/logout", methods=["POST"])
        async def logout(request: Request):
            result = response.redirect(f"{BASE}/")
            del result.cookies[COOKIE]
            return result

        @bp.route("/handoffs/<handoff_id:int>", methods=["GET"])
        @login_required
        async def detail(request: Request, agent: str, handoff_id: int):
            try:
                item = await _db(handoff.get_handoff, handoff_id)
            except handoff.HandoffError:
                return _page("未找到", _header(agent) + "<main><p>没有这个会话。</p></main>", status=404)
            tracker = await self._tracker(request, item.conversation_id)
            turns = _transcript([e.as_dict() for e in tracker.events] if tracker else [])
            return _page(item.reference, _header(agent) + self._detail_body(item, turns, request.args.get("sent")))

        @bp.route("/handoffs/<handoff_id:int>/reply", methods=["POST"])
        @login_required
        async def reply(request: Request, agent: str, handoff_id: int):
            text = (request.form.get("text") or "").strip()
            if text:
                item = await _db(handoff.claim, handoff_id, agent)
                pushed = await self._reply(request, item, agent, text)
                return response.redirect(f"{BASE}/handoffs/{handoff_id}?sent={'pushed' if pushed else 'stored'}")
            return response.redirect(f"{BASE}/handoffs/{handoff_id}")

        @bp.route("/handoffs/<handoff_id:int>/release", methods=["POST"])
        @login_required
        async def release(request: Request, agent: str, handoff_id: int):
            item = await _db(handoff.close, handoff_id, agent)
            await self._release(request, item, agent)
            return response.redirect(f"{BASE}/")

        # ---------------------------------------------------------------- JSON API
        @bp.route("/api/login", methods=["POST"])
        async def api_login(request: Request):
            body = request.json or {}
            token = self.auth.login(str(body.get("name", "")), str(body.get("password", "")))
            if token is None:
                return response.json({"error": "invalid credentials"}, status=401)
            return response.json({"token": token, "expires_in": SESSION_SECONDS})

        @bp.route("/api/handoffs", methods=["GET"])
        @api_auth
        async def api_list(request: Request, agent: str):
            return response.json({"handoffs": [i.as_json() for i in await _db(handoff.list_handoffs)]})

        @bp.route("/api/handoffs/<handoff_id:int>", methods=["GET"])
        @api_auth
        async def api_detail(request: Request, agent: str, handoff_id: int):
            item = await _db(handoff.get_handoff, handoff_id)
            tracker = await self._tracker(request, item.conversation_id)
            transcript = _transcript([e.as_dict() for e in tracker.events] if tracker else [])
            return response.json({**item.as_json(), "transcript": transcript})

        @bp.route("/api/handoffs/<handoff_id:int>/reply", methods=["POST"])
        @api_auth
        async def api_reply(request: Request, agent: str, handoff_id: int):
            text = str((request.json or {}).get("text", "")).strip()
            if not text:
                return response.json({"error": "text is required"}, status=400)
            item = await _db(handoff.claim, handoff_id, agent)
            pushed = await self._reply(request, item, agent, text)
            return response.json({"status": item.status, "delivered": pushed})

        @bp.route("/api/handoffs/<handoff_id:int>/release", methods=["POST"])
        @api_auth
        async def api_release(request: Request, agent: str, handoff_id: int):
            item = await _db(handoff.close, handoff_id, agent)
            pushed = await self._release(request, item, agent)
            return response.json({"status": item.status, "delivered": pushed})

        return bp

    # ------------------------------------------------------------------ page parts
    @staticmethod
    def _login_form(error: str = "") -> str:
        message = f'<p class="error">{html.escape(error)}</p>' if error else ""
        return (
            '<header><span>人工客服工作台</span></header><main><div class="card" style="max-width:380px;margin:40px auto">'
            f"<h2>登录</h2>{message}<form method=\"post\" action=\"{BASE}/login\">"
            '<label>用户名<input name="name" autocomplete="username" required></label>'
            '<label>密码<input name="password" type="password" autocomplete="current-password" required></label>'
            '<button class="primary">登录</button></form></div></main>'
        )

    @staticmethod
    def _detail_body(item: handoff.HandoffView, turns: List[Dict[str, str]], sent: Optional[str]) -> str:
        summary = item.summary
        facts = [
            ("编号", item.reference),
            ("渠道", item.channel),
            ("客户", summary.get("caller") or ""),
            ("已验证户号", summary.get("verified_account") or "未验证"),
            ("原因", summary.get("reason_text", item.reason)),
            ("紧急程度", "紧急" if item.urgency == "high" else "一般"),
            ("未完成的办理", summary.get("open_request") or "无"),
            ("识别到的意图", "、".join(summary.get("intents", [])) or "无"),
            ("已收集信息", "；".join(f"{k}: {v}" for k, v in summary.get("slots", {}).items()) or "无"),
            ("状态", "处理中 · " + (item.claimed_by or "") if item.status == "active" else
             ("等待中" if item.status == "waiting" else "已结束")),
        ]
        rows = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>" for k, v in facts)
        transcript = "".join(
            f'<div class="turn"><span class="who">{html.escape(t["who"])}</span>{html.escape(t["text"])}</div>'
            for t in turns
        )
        notice = {
            "pushed": '<p class="note">已发送给客户。</p>',
            "stored": '<p class="note">该渠道不支持主动推送：回复已记入对话记录，请通过电话等方式联系客户。</p>',
        }.get(sent or "", "")
        actions = ""
        if item.status != "closed":
            actions = (
                f'<div class="card"><form method="post" action="{BASE}/handoffs/{item.id}/reply">'
                '<label>回复客户<textarea name="text" rows="3" required></textarea></label>'
                '<button class="primary">发送</button></form>'
                f'<form method="post" action="{BASE}/handoffs/{item.id}/release" style="margin-top:10px">'
                '<button class="secondary">结束人工服务，交回智能助手</button></form></div>'
            )
        return (
            f'<main><div class="card"><h2>会话摘要</h2><table>{rows}</table></div>'
            f'<div class="card"><h2>对话记录</h2>{transcript or "（无）"}</div>{notice}{actions}</main>'
        )
