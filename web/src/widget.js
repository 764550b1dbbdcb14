// 热力客服助手 web chat widget. Embed with one tag:
//   <script src="https://<assistant-host>/webchat/widget.js" defer></script>
// Options as data- attributes on that tag: data-title, data-open="true" (start opened), data-server (another origin).
// It draws a launcher and a chat panel (deep-chat) inside a shadow root, talks to the Rasa server's webchat
// channel over socket.io, keeps the conversation across reloads (session id in localStorage, history from the
// server), and has a large-font, high-contrast 长辈模式 that is remembered.
import 'deep-chat';
import { io } from 'socket.io-client';

const script = document.currentScript;
const scriptUrl = new URL(script ? script.src : '/webchat/widget.js', window.location.href);
const SERVER = (script && script.dataset.server) || scriptUrl.origin;
const SOCKET_PATH = (script && script.dataset.socketPath) || '/webchat/socket.io';
const TITLE = (script && script.dataset.title) || '热力客服助手';
const START_OPEN = !!(script && script.dataset.open === 'true');

const KEYS = { session: 'heating-webchat:session', elder: 'heating-webchat:elder', open: 'heating-webchat:open' };
const FONT = '"PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif';

// The common tasks. Payloads are what the assistant understands: an intent of domain/ (/name), or for a policy
// question (a retrieval intent) a sentence its NLU knows. tests/e2e/web checks each one is understood.
const QUICK_TASKS = [
  { title: '查欠费', payload: '/check_balance' },
  { title: '缴费方式', payload: '有哪些缴费方式' },
  { title: '报停', payload: '/apply_suspension' },
  { title: '报修投诉', payload: '/file_ticket' },
];
const HUMAN = { title: '转人工', payload: '/request_human' };

const store = {
  get(key) { try { return window.localStorage.getItem(key); } catch { return null; } },
  set(key, value) { try { window.localStorage.setItem(key, value); } catch { /* private mode: not remembered */ } },
};

const escapeHtml = (text) => String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));

// deep-chat renders text as Markdown; the assistant's text is plain (masked names like 张*华 must keep their *).
const plainText = (text) => String(text).replace(/[\\`*_{}\[\]()#+\-.!|<>~]/g, '\\$&');

// A bot message as deep-chat shows it: plain text, or text plus its buttons as clickable quick replies.
function toChatMessage(message) {
  const replies = message.quick_replies || message.buttons || [];
  if (!replies.length) return { role: 'ai', text: plainText(message.text || '') };
  const text = message.text ? `<div class="hq-bot-text">${escapeHtml(message.text).replace(/\n/g, '<br>')}</div>` : '';
  const buttons = replies.map((r) => `<button class="hq-reply" type="button" data-payload="${escapeHtml(r.payload)}">${escapeHtml(r.title)}</button>`).join('');
  return { role: 'ai', html: `${text}<div class="hq-replies">${buttons}</div>` };
}

const PANEL_CSS = `
:host { all: initial; }
* { box-sizing: border-box; font-family: ${FONT}; }
.hq-launcher { position: fixed; right: 20px; bottom: 20px; z-index: 2147483000; border: 0; border-radius: 28px;
  padding: 14px 22px; background: #c0392b; color: #fff; font-size: 17px; font-weight: 600; cursor: pointer;
  box-shadow: 0 4px 14px rgba(0,0,0,.25); }
.hq-launcher:focus-visible, button:focus-visible { outline: 3px solid #ffbf00; outline-offset: 2px; }
.hq-panel { position: fixed; right: 20px; bottom: 20px; z-index: 2147483001; width: 380px; max-width: calc(100vw - 24px);
  height: 600px; max-height: calc(100vh - 40px); display: none; flex-direction: column; background: #fff;
  border-radius: 12px; overflow: hidden; box-shadow: 0 8px 30px rgba(0,0,0,.3); color: #1a1a1a; font-size: 15px; }
.hq-panel.hq-open { display: flex; }
.hq-header { display: flex; align-items: center; gap: 6px; padding: 10px 12px; background: #c0392b; color: #fff; }
.hq-title { flex: 1; font-size: 17px; font-weight: 600; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.hq-header button { border: 1px solid rgba(255,255,255,.8); background: transparent; color: #fff; border-radius: 16px;
  padding: 5px 10px; font-size: 14px; cursor: pointer; white-space: nowrap; }
.hq-header .hq-human { background: #fff; color: #c0392b; font-weight: 600; border-color: #fff; }
.hq-header .hq-elder[aria-pressed="true"] { background: #ffdd57; color: #000; border-color: #ffdd57; font-weight: 600; }
.hq-header .hq-close { border: 0; font-size: 22px; line-height: 1; padding: 2px 6px; }
.hq-quick { display: flex; flex-wrap: wrap; gap: 6px; padding: 8px 10px; background: #fdf2f0; border-bottom: 1px solid #f0d5d0; }
.hq-quick button { border: 1px solid #c0392b; background: #fff; color: #a93226; border-radius: 16px; padding: 5px 12px;
  font-size: 14px; cursor: pointer; }
.hq-quick button:hover { background: #c0392b; color: #fff; }
.hq-status { padding: 2px 12px; font-size: 12px; color: #666; min-height: 0; }
.hq-status:empty { display: none; }
deep-chat { flex: 1; min-height: 0; }
/* 长辈模式: large type, strong contrast, bigger targets */
.hq-elder-mode { font-size: 20px; color: #000; }
.hq-elder-mode .hq-title { font-size: 22px; }
.hq-elder-mode .hq-header { background: #000; }
.hq-elder-mode .hq-header button { font-size: 19px; padding: 7px 12px; }
.hq-elder-mode .hq-header .hq-human { background: #ffdd57; color: #000; border-color: #ffdd57; }
.hq-elder-mode .hq-quick { background: #fff; border-bottom: 2px solid #000; }
.hq-elder-mode .hq-quick button { font-size: 20px; padding: 8px 14px; border: 2px solid #000; color: #000; }
.hq-elder-mode .hq-status { font-size: 18px; color: #000; }
.hq-elder-mode.hq-panel { width: 460px; height: 680px; }
`;

// Styles inside deep-chat's own shadow root (applied once); 长辈模式 is switched by the data-elder attribute.
const CHAT_CSS = `
.message-bubble { max-width: 85%; }
.hq-bot-text { margin-bottom: 6px; }
.hq-replies { display: flex; flex-wrap: wrap; gap: 6px; }
.hq-reply { border: 1px solid #c0392b; background: #fff; color: #a93226; border-radius: 16px; padding: 5px 12px;
  font: inherit; cursor: pointer; }
.hq-reply:hover { background: #c0392b; color: #fff; }
:host([data-elder]) #messages, :host([data-elder]) .message-bubble, :host([data-elder]) #text-input,
:host([data-elder]) .hq-reply { font-size: 20px !important; line-height: 1.6 !important; }
:host([data-elder]) .ai-message-text { background: #fff !important; color: #000 !important; border: 2px solid #000; }
:host([data-elder]) .user-message-text { background: #003a8c !important; color: #fff !important; }
:host([data-elder]) .hq-reply { border: 2px solid #000; color: #000; padding: 8px 14px; }
:host([data-elder]) [contenteditable]:empty:before { color: #333 !important; }
`;

class HeatingWebChat {
  constructor() {
    this.sessionId = store.get(KEYS.session);
    this.elder = store.get(KEYS.elder) === '1';
    this.signals = null;
    this.pendingPayload = null; // a quick reply's payload, sent instead of its title
    this.socket = null;
    this.chat = null;
    this.history = null;
    this.buildShell();
    this.connect();
    if (START_OPEN || store.get(KEYS.open) === '1') this.open();
  }

  buildShell() {
    const host = document.createElement('div');
    host.id = 'heating-webchat';
    document.body.appendChild(host);
    const root = host.attachShadow({ mode: 'open' });
    root.innerHTML = `<style>${PANEL_CSS}</style>
      <button class="hq-launcher" type="button" aria-label="打开在线客服">💬 在线客服</button>
      <section class="hq-panel" role="dialog" aria-label="${escapeHtml(TITLE)}">
        <header class="hq-header">
          <span class="hq-title">${escapeHtml(TITLE)}</span>
          <button class="hq-elder" type="button" aria-pressed="false" title="大字、高对比度">长辈模式</button>
          <button class="hq-human" type="button">${HUMAN.title}</button>
          <button class="hq-end" type="button" title="清除本次对话（公用电脑上用完请点这里）">结束</button>
          <button class="hq-close" type="button" aria-label="关闭">×</button>
        </header>
        <nav class="hq-quick" aria-label="常用业务"></nav>
        <div class="hq-status" role="status" aria-live="polite"></div>
      </section>`;
    this.root = root;
    this.panel = root.querySelector('.hq-panel');
    this.launcher = root.querySelector('.hq-launcher');
    this.status = root.querySelector('.hq-status');
    const quick = root.querySelector('.hq-quick');
    for (const task of QUICK_TASKS) {
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = task.title;
      button.addEventListener('click', () => this.sendQuick(task.title, task.payload));
      quick.appendChild(button);
    }
    this.launcher.addEventListener('click', () => this.open());
    root.querySelector('.hq-close').addEventListener('click', () => this.close());
    root.querySelector('.hq-human').addEventListener('click', () => this.sendQuick(HUMAN.title, HUMAN.payload));
    root.querySelector('.hq-end').addEventListener('click', () => this.endConversation());
    this.elderButton = root.querySelector('.hq-elder');
    this.elderButton.addEventListener('click', () => this.setElder(!this.elder));
    this.setElder(this.elder);
  }

  open() {
    this.panel.classList.add('hq-open');
    this.launcher.style.display = 'none';
    store.set(KEYS.open, '1');
    this.mountChat();
  }

  close() {
    this.panel.classList.remove('hq-open');
    this.launcher.style.display = '';
    store.set(KEYS.open, '0');
  }

  setElder(on) {
    this.elder = on;
    store.set(KEYS.elder, on ? '1' : '0');
    this.panel.classList.toggle('hq-elder-mode', on);
    this.elderButton.setAttribute('aria-pressed', String(on));
    this.elderButton.textContent = on ? '标准模式' : '长辈模式';
    if (this.chat) {
      this.chat.toggleAttribute('data-elder', on);
      // Bigger text pushes the latest message down: keep it in view.
      requestAnimationFrame(() => this.chat && this.chat.scrollToBottom && this.chat.scrollToBottom());
    }
  }

  setStatus(text) { this.status.textContent = text; }

  // Forget this conversation in this browser (shared computers): a new session id, an empty window.
  endConversation() {
    store.set(KEYS.session, '');
    this.sessionId = null;
    this.history = [];
    this.signals = null;
    if (this.chat) { this.chat.remove(); this.chat = null; }
    this.socket.emit('session_request', { session_id: null });
    this.mountChat();
  }

  connect() {
    this.socket = io(SERVER, { path: SOCKET_PATH, transports: ['websocket', 'polling'] });
    this.socket.on('connect', () => {
      this.setStatus('');
      this.socket.emit('session_request', { session_id: this.sessionId });
    });
    this.socket.on('session_confirm', (sessionId) => {
      const id = typeof sessionId === 'string' ? sessionId : sessionId && sessionId.session_id;
      this.sessionId = id;
      store.set(KEYS.session, id);
      if (this.history === null) this.socket.emit('history_request', { session_id: id });
      if (this.signals) this.signals.onOpen();
    });
    this.socket.on('history', (messages) => {
      if (this.history !== null) return;
      this.history = (messages || []).map((m) => (m.role === 'user' ? { role: 'user', text: plainText(m.text) } : toChatMessage(m)));
      this.mountChat();
    });
    this.socket.on('bot_uttered', (message) => this.showBotMessage(message));
    this.socket.on('disconnect', () => this.setStatus('连接已断开，正在重新连接…'));
    this.socket.on('connect_error', () => this.setStatus('暂时连接不上客服系统，正在重试…'));
  }

  // deep-chat is created once the panel is open and the history has arrived (so old messages show first).
  mountChat() {
    if (this.chat || this.history === null || !this.panel.classList.contains('hq-open')) return;
    const chat = document.createElement('deep-chat');
    // An explicit font family also stops deep-chat from adding its default web font (no outside requests).
    chat.style.fontFamily = FONT;
    chat.style.fontSize = '15px';
    chat.chatStyle = { width: '100%', height: '100%', border: 'none', fontFamily: FONT, backgroundColor: '#fafafa' };
    chat.auxiliaryStyle = CHAT_CSS;
    chat.history = this.history;
    if (!this.history.length) {
      chat.introMessage = { text: '您好！我是热力客服助手。可以问我收费政策（如“为什么按面积收费”“滞纳金怎么算”），也可以点上方“查欠费”查询您家的欠费。需要人工时点“转人工”。' };
    }
    chat.textInput = { placeholder: { text: '请输入您的问题…' } };
    chat.remarkable = { breaks: true };
    chat.errorMessages = { displayServiceErrorMessages: false, overrides: { default: '抱歉，消息没有发送成功，请稍后再试或点“转人工”。' } };
    chat.htmlClassUtilities = {
      'hq-reply': {
        events: {
          click: (event) => {
            const button = event.target.closest ? event.target.closest('.hq-reply') : event.target;
            this.sendQuick(button.textContent, button.getAttribute('data-payload'));
          },
        },
      },
    };
    chat.connect = {
      websocket: true,
      handler: (_, signals) => {
        this.signals = signals;
        if (this.socket && this.socket.connected && this.sessionId) signals.onOpen();
        signals.newUserMessage.listener = (body) => this.forward(body);
      },
    };
    chat.toggleAttribute('data-elder', this.elder);
    this.chat = chat;
    this.panel.appendChild(chat);
  }

  // A bot message ({text, quick_replies}) as Rasa's socket.io channel sends it.
  showBotMessage(message) {
    if (this.signals) this.signals.onResponse(toChatMessage(message || {}));
  }

  forward(body) {
    const messages = (body && body.messages) || [];
    const text = (messages.length ? messages[messages.length - 1].text : body && body.text) || '';
    let payload = text;
    const metadata = {};
    if (this.pendingPayload && this.pendingPayload.title === text) {
      payload = this.pendingPayload.payload;
      metadata.display = text;
    }
    this.pendingPayload = null;
    if (!payload.trim()) return;
    this.socket.emit('user_uttered', { message: payload, session_id: this.sessionId, metadata });
  }

  sendQuick(title, payload) {
    if (!this.chat) { this.open(); }
    if (!this.chat) return; // not connected yet
    this.pendingPayload = { title, payload };
    this.chat.submitUserMessage({ text: title });
  }
}

function start() {
  if (window.__heatingWebChat) return;
  window.__heatingWebChat = new HeatingWebChat();
}
if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
